"""The open-loop load generator against local servers, and the capacity search that drives it to the SLO's
knee."""
import json

import pytest

from bench import slo

from .fakes import _serve, _Slow


def test_open_loop_load_sends_the_rate_asked_for_whatever_the_server_does():
    from bench import paced, scenarios

    server, url = _serve(_Slow)
    try:
        result = paced.run("x", url + "/", scenarios.RoundRobin([("GET", "/a", None), ("GET", "/b", None)]),
                           rate=150, connections=8, seconds=1.5)
    finally:
        server.shutdown()
    assert result.errors == 0 and 150 <= result.requests <= 300  # Poisson: 225 ± 3σ
    assert result.p50_ms < 50 and result.client_cpu_ms_per_request > 0


def test_open_loop_latency_counts_from_arrival_so_queueing_is_not_hidden():
    """One request at a time, 40 ms each: 25/s at most. Arrivals at 50/s queue up; a closed loop would report
    ~40 ms per request, the visitors meet far more (coordinated omission)."""
    from bench import paced, scenarios

    handler = type("Slower", (_Slow,), {"delay": 0.04})
    server, url = _serve(handler, threaded=False)
    try:
        result = paced.run("x", url + "/", scenarios.RoundRobin([("GET", "/", None)]), rate=50, connections=16,
                           seconds=1.0, timeout_s=10)
    finally:
        server.shutdown()
    assert result.errors == 0
    assert result.rps < 40 and result.p99_ms > 300 and result.send_lag_p99_ms > 100


def test_open_loop_load_counts_error_statuses_and_refused_connections():
    from bench import paced, scenarios
    from bench.servers import stack

    handler = type("Failing", (_Slow,), {"status": 503})
    server, url = _serve(handler)
    try:
        failing = paced.run("x", url + "/", scenarios.RoundRobin([("GET", "/", None)]), 100, 4, 0.5)
    finally:
        server.shutdown()
    assert failing.requests > 0 and failing.error_detail == {"status": failing.requests}
    refused = paced.run("x", f"http://127.0.0.1:{stack.free_port()}/", scenarios.RoundRobin([("GET", "/", None)]),
                        100, 4, 0.5)
    assert refused.requests == 0 and refused.error_detail.get("connect", 0) > 0
    with pytest.raises(ValueError, match="loopback"):
        paced.run("x", "http://10.0.0.1/", scenarios.RoundRobin([("GET", "/", None)]), 10, 1, 1)


def test_open_loop_load_times_out_a_server_that_never_answers():
    import socket

    from bench import paced, scenarios

    silent = socket.create_server(("127.0.0.1", 0), backlog=64)  # the kernel accepts; nobody reads or answers
    try:
        result = paced.run("x", f"http://127.0.0.1:{silent.getsockname()[1]}/",
                           scenarios.RoundRobin([("GET", "/", None)]), rate=20, connections=4, seconds=0.5,
                           timeout_s=0.3)
    finally:
        silent.close()
    assert result.requests == 0 and result.error_detail.get("timeout", 0) > 0


def test_the_open_loop_widget_mix_moves_cursors_like_the_wrk_script():
    from bench import scenarios

    mix = scenarios.mixed_source({"aaa": 90, "bbb": 7})
    kinds = [mix.next() for _ in range(2000)]
    polls = [path for method, path, _body in kinds if method == "GET"]
    assert 0.84 < len(polls) / len(kinds) < 0.92  # MIX: 88 % polls
    assert {json.loads(body).get("sessionId") for m, _p, body in kinds if m == "POST"} >= {"aaa", "bbb", None}
    mix.seen("/api/chat/poll/aaa?after=90", 200,
             b'{"sessionId":"aaa","messages":[{"id":95,"sender":"BOT","metadata":{"sources":[{"id":99999}]}}]}')
    mix.seen("/api/chat", 202, b'{"sessionId":"zzz","messages":[{"id":500,"sender":"USER"}]}')  # not one of ours
    mix.seen("/api/chat/poll/bbb?after=7", 200, b'{"sessionId":"bbb","messages":[]}')
    assert mix.cursors == {"aaa": 95, "bbb": 7}
    assert any(path == "/api/chat/poll/aaa?after=95" for method, path, _b in (mix.next() for _ in range(500)))


def _knee(at, calls):
    """A fake server's open-loop behaviour with a known knee: p99 20 ms up to `at` arrivals/s, 800 ms above."""
    def measure(rate):
        calls.append(rate)
        return {"name": "fake", "requests": int(rate * 5), "errors": 0, "error_detail": {},
                "p99_ms": 20.0 if rate <= at else 800.0}
    return measure


@pytest.mark.parametrize("knee", [130.0, 340.0, 555.0, 900.0])
def test_capacity_search_finds_the_knee_within_one_step_of_bisection(knee):
    calls = []
    found = slo.search(_knee(knee, calls), high=1000.0)
    assert calls[0] == 100.0 and len(calls) == slo.STEPS + 1
    assert found.rate <= knee and found.rate >= knee / 10 ** (1 / 2 ** slo.STEPS) and not found.capped
    assert [row["meets_slo"] for row in found.steps] == [rate <= knee for rate in calls]


def test_capacity_search_stops_at_the_lowest_rate_when_even_it_misses_the_slo():
    calls = []
    found = slo.search(_knee(50.0, calls), high=1000.0)
    assert calls == [100.0] and found.rate == 0.0 and not found.capped


def test_capacity_search_says_when_every_rate_it_tried_met_the_slo():
    found = slo.search(_knee(5000.0, []), high=1000.0)
    assert found.capped and 900 < found.rate < 1000


def test_a_step_with_errors_or_nothing_answered_misses_the_slo():
    fast = {"requests": 100, "errors": 0, "p99_ms": 5.0}
    assert slo.meets_slo(fast) and not slo.meets_slo({**fast, "errors": 1})
    assert not slo.meets_slo({**fast, "requests": 0}) and not slo.meets_slo({**fast, "p99_ms": 100.1})


def test_capacity_search_drives_the_open_loop_generator_against_a_real_server():
    """Wiring only, nothing timed: a server that answers every request 503 misses the SLO at the lowest rate."""
    from bench import paced, scenarios

    handler = type("Failing", (_Slow,), {"status": 503})
    server, url = _serve(handler)
    try:
        found = slo.search(lambda rate: paced.run("x", url + "/", scenarios.RoundRobin([("GET", "/", None)]), rate,
                                                  4, 0.5).as_dict(), high=200.0)
    finally:
        server.shutdown()
    assert found.rate == 0.0 and len(found.steps) == 1 and found.steps[0]["error_detail"].get("status", 0) > 0
