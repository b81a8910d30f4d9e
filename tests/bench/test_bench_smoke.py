"""The benchmark's parts, without running it (it is timed and slow: `python -m bench run`, never in pytest)."""
import json
import re
import shutil
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from bench import client, report, slo, wrk
from bench.servers.llm_stub import REPLY, LlmStub


def test_llm_stub_answers_like_openai_chat_completions():
    from openai import OpenAI

    with LlmStub(latency=0) as stub:
        sdk = OpenAI(api_key="bench", base_url=stub.base_url, max_retries=0, timeout=5)
        completion = sdk.chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": "Ciao"}])
    assert completion.choices[0].message.content == REPLY
    assert stub.calls == 1 and stub.in_flight == 0


def test_llm_stub_streams_server_sent_events_when_asked_and_still_answers_whole_requests():
    from openai import OpenAI

    with LlmStub(latency=0, stream_seconds=0.02) as stub:
        sdk = OpenAI(api_key="bench", base_url=stub.base_url, max_retries=0, timeout=5)
        stream = sdk.chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": "Ciao"}],
                                             stream=True)
        pieces = [event.choices[0].delta.content for event in stream if event.choices[0].delta.content]
        whole = sdk.chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": "Ciao"}])
        request = urllib.request.Request(stub.base_url + "/chat/completions", method="POST",
                                         data=json.dumps({"model": "m", "stream": True}).encode())
        with urllib.request.urlopen(request, timeout=5) as response:
            content_type, raw = response.headers["Content-Type"], response.read().decode()
    assert len(pieces) > 1 and "".join(pieces) == REPLY and whole.choices[0].message.content == REPLY
    assert stub.calls == 3 and stub.streamed == 2 and stub.in_flight == 0
    events = raw.split("\n\n")
    assert content_type == "text/event-stream" and events[-2:] == ["data: [DONE]", ""]
    assert all(event.startswith("data: ") for event in events[:-1])
    assert json.loads(events[0][6:])["object"] == "chat.completion.chunk"


def test_llm_stub_answers_404_for_other_paths():
    with LlmStub(latency=0) as stub:
        request = urllib.request.Request(stub.base_url + "/embeddings", data=b"{}", method="POST")
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(request, timeout=5)
    assert error.value.code == 404 and stub.calls == 0


@pytest.mark.parametrize("url", ["http://example.com/api/chat", "http://10.0.0.1:8000/"])
def test_load_runs_refuse_targets_other_than_loopback(url):
    with pytest.raises(ValueError, match="loopback"):
        wrk.run("x", url, wrk.get_script(["/"]), connections=1, seconds=1)
    with pytest.raises(ValueError, match="loopback"):
        client.Client(url)


def test_wrk_scripts_quote_json_bodies_for_lua():
    script = wrk.mixed_script([(3, [("POST", "/api/chat", json.dumps({"message": 'say "ciao"\n'}))]),
                               (1, [("GET", "/api/chat/poll/abc?after=1", None)])])
    assert '"{\\"message\\": \\"say \\\\\\"ciao\\\\\\"\\\\n\\"}"' in script
    assert "math.random(4)" in script and "WRKJSON" in script


def paced_row(name, rate, p99, errors=0):
    return {"name": name, "connections": 64, "offered_rps": rate, "rps": rate, "requests": int(rate * 5),
            "errors": errors, "error_detail": {"timeout": errors} if errors else {}, "p50_ms": 3.0, "p95_ms": 9.0,
            "p99_ms": p99, "max_ms": 2 * p99, "send_lag_p99_ms": 2.0, "client_cpu_ms_per_request": 0.3,
            "meets_slo": p99 <= 100 and not errors}


def capacity(name, rate, high):
    steps = [paced_row(name, high / 10, 20.0), paced_row(name, rate, 90.0), paced_row(name, rate * 1.1, 400.0)]
    return {"rate": rate, "low": high / 10, "high": high, "limit_ms": 100, "capped": False, "steps": steps}


def peak_row(first_token_s=0.3, replies_per_s=45.0, missing=0, doubled=0, rss=150.0):
    return {"visitors": 300, "first_token_s": first_token_s, "llm_seconds": first_token_s + 0.05,
            "ai_concurrency": 16, "capacity_rule": round(16 / (first_token_s + 0.05), 1),
            "replies_per_s": replies_per_s, "messages": 300, "replies": 300 - missing + doubled, "missing": missing,
            "doubled": doubled, "exactly_once": not (missing or doubled), "seconds": 7.0, "wall_seconds": 8.0,
            "providers": {"openai": 300 - missing}, "draft_s": {"n": 40, "p50": 2.1, "p95": 6.0, "max": 6.5},
            "reply_s": {"n": 300, "p50": 3.9, "p95": 7.2, "max": 7.6},
            "first_words_s": {"n": 300, "p50": 3.5, "p95": 7.0, "max": 7.6},
            "server_reply_s": {"n": 300, "p50": 3.5, "p95": 6.6, "max": 7.0}, "visitor_errors": {},
            "polls": {"n": 2000, "p50_ms": 4.0, "p99_ms": 60.0}, "command": "flask --app wsgi worker",
            "role": "ai-peak-300ms", "llm_calls": 300, "streamed_calls": 300, "llm_peak_in_flight": 16,
            "worker_cpu_ms_per_reply": 12.0, "worker_rss_mb": rss, "worker_pss_mb": rss - 20}


def results(poll_rps=900.0, p99=40.0, overhead_p95=60.0, memory=250.0, mix_capacity=400.0, **peak):
    row = {"connections": 64, "errors": 0, "error_detail": {}, "p50_ms": 10.0, "p95_ms": 30.0, "max_ms": 80.0}
    return {
        "capacity": {"mixed": capacity("widget mix", mix_capacity, 600.0),
                     "ceiling": capacity("ceiling (the bare view)", 1200.0, 2000.0)},
        "settings": {"seconds": 5, "connections": 64, "web_concurrency": 4, "llm_latency": 0.3},
        "machine": {"cpus": 2, "cpu": "x86_64", "memory_gb": 8.0, "python": "3.11.7"}, "started": "now",
        "ceiling": {**row, "name": "ceiling", "rps": 2000.0, "p99_ms": 30.0},
        "load": {"poll": {**row, "name": "poll", "rps": poll_rps, "p99_ms": p99},
                 "new_visitor": {**row, "name": "new visitor message", "rps": 300.0, "p99_ms": p99}},
        "ai_overhead": {"samples": 3, "llm_latency_ms": 300, "poll_interval_ms": 10,
                        "visible": {"p50": 40.0, "p95": overhead_p95, "max": 90.0, "mean": 45.0},
                        "server": {"p50": 30.0, "p95": 50.0, "max": 80.0, "mean": 35.0},
                        "first_words": {"p50": 340.0, "p95": 400.0, "max": 420.0, "mean": 350.0}, "drafts_seen": 1},
        "ai_peak": [peak_row(**peak), peak_row(first_token_s=2.0, replies_per_s=7.5)],
        "memory": {"processes": [], "roles": {"web": {"rss_mb": 200.0, "pss_mb": 120.0}},
                   "total_rss_mb": memory, "total_pss_mb": memory / 2},
    }


def test_report_passes_a_run_that_meets_every_target():
    assert all(ok for _target, _measured, ok in report.checks(results()))


@pytest.mark.parametrize("change, failing", [
    ({"poll_rps": 500.0}, "poll ≥ 35%"), ({"mix_capacity": 200.0}, "capacity at SLO"),
    ({"overhead_p95": 150.0}, "overhead"),
    ({"memory": 400.0}, "web workers + one RQ worker"), ({"replies_per_s": 30.0}, "replies/s"),
    ({"missing": 1}, "exactly once"), ({"doubled": 2}, "exactly once"), ({"rss": 230.0}, "worker's process tree"),
])
def test_report_flags_each_missed_target(change, failing):
    missed = [target for target, _measured, ok in report.checks(results(**change)) if not ok]
    assert missed and all(failing in target for target in missed)


def test_report_replaces_only_its_own_block_in_the_performance_doc(tmp_path):
    doc = tmp_path / "performance.md"
    doc.write_text(f"# Performance\n\nintro\n\n{report.BEGIN}\nold\n{report.END}\n\n## Analytics\n\nkept\n")
    report.write(doc, results(), "python -m bench run --quick")
    text = doc.read_text()
    assert "old" not in text and "python -m bench run --quick" in text
    assert text.startswith("# Performance\n\nintro") and text.endswith("## Analytics\n\nkept\n")


@pytest.mark.skipif(not shutil.which("wrk"), reason="needs wrk (apt-get install wrk)")
def test_the_widget_mix_moves_each_sessions_cursor_like_the_widget():
    """Polls ask for what came after the newest message id the session's previous response showed."""
    seen = []

    class Shop(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            sid, after = re.match(r"/api/chat/poll/(\w+)\?after=(\d+)", self.path).groups()
            seen.append((sid, int(after)))
            messages = [{"id": int(after) + 5, "sender": "BOT", "metadata": {"sources": [{"id": 99999}]}}] \
                if int(after) < 100 else []
            body = json.dumps({"sessionId": sid, "status": "ACTIVE", "messages": messages,
                               "operator": {"id": 77777}}, separators=(",", ":")).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Shop)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        script = wrk.widget_script({"aaa": 90, "bbb": 7}, [(1, None)])
        result = wrk.run("mix", f"http://127.0.0.1:{server.server_address[1]}/api/chat", script,
                         connections=1, seconds=1)
    finally:
        server.shutdown()
    assert result.errors == 0 and len(seen) > 20
    for sid, start in (("aaa", 90), ("bbb", 7)):
        afters = [after for s, after in seen if s == sid]
        assert afters[0] == start and afters == sorted(afters), afters  # never goes back
        assert afters[-1] >= 100 and set(afters) <= set(range(start, 106, 5))  # message ids only, not sources


def test_the_apps_virtualenv_is_keyed_by_requirements_and_python_version(tmp_path):
    from bench.servers import appenv

    requirements = tmp_path / "requirements.txt"
    requirements.write_text("Flask==3.1.3\n")
    first = appenv.venv_dir(requirements, tmp_path, "3.11.7")
    assert first == appenv.venv_dir(requirements, tmp_path, "3.11.7")
    assert first != appenv.venv_dir(requirements, tmp_path, "3.12.1")
    requirements.write_text("Flask==3.1.4\n")
    assert first != appenv.venv_dir(requirements, tmp_path, "3.11.7")


def test_a_finished_virtualenv_is_reused_and_a_half_made_one_is_made_again(tmp_path, monkeypatch):
    from bench.servers import appenv

    requirements = tmp_path / "requirements.txt"
    requirements.write_text("Flask==3.1.3\n")
    venv = appenv.venv_dir(requirements, tmp_path)
    (venv / "bin").mkdir(parents=True)
    (venv / "bin" / "python").write_text("")
    made = []
    monkeypatch.setattr(appenv, "_run", made.append)
    appenv.production_python(requirements, tmp_path, log=lambda _text: None)
    assert [argv[1:3] for argv in made] == [["-m", "venv"], ["-m", "pip"]]  # no marker: pip never finished
    made.clear()
    assert appenv.production_python(requirements, tmp_path, log=lambda _text: None) == str(venv / "bin" / "python")
    assert made == []


def test_the_report_says_which_environment_the_app_ran_in():
    run = results()
    assert "requirements.txt alone" not in report.markdown(run, "cmd")
    run["app_python"] = {"path": "/x/bin/python", "requirements_only": True}
    assert "virtualenv of requirements.txt alone" in report.markdown(run, "cmd")


def test_making_a_new_virtualenv_removes_the_ones_for_older_requirements(tmp_path, monkeypatch):
    from bench.servers import appenv

    requirements = tmp_path / "requirements.txt"
    requirements.write_text("Flask==3.1.3\n")
    (tmp_path / "venvs" / "0123456789abcdef").mkdir(parents=True)
    monkeypatch.setattr(appenv, "_run", lambda argv: (Path(argv[-1]) / "bin").mkdir(parents=True)
                        if argv[1:3] == ["-m", "venv"] else None)
    python = appenv.production_python(requirements, tmp_path / "venvs", log=lambda _text: None)
    assert [p.name for p in (tmp_path / "venvs").iterdir()] == [Path(python).parent.parent.name]


def test_the_server_time_comes_from_the_access_log_lines_written_during_the_scenario(tmp_path):
    from bench.servers import stack

    log = tmp_path / "web.log"
    log.write_text('- 127.0.0.1 "GET /api/health HTTP/1.1" 200 257 40ms "urllib"\n')
    access = stack.AccessLog(log)
    since = access.offset()
    with open(log, "a") as handle:
        handle.write('- 127.0.0.1 "GET /api/chat/poll/… HTTP/1.1" 200 90 1ms "-"\n'
                     "[2026-12-02 09:03:33 +0000] [1653] [INFO] Booting worker with pid: 1654\n"
                     '203.0.113.9 127.0.0.1 "POST /api/chat HTTP/1.1" 202 273 7ms "Mozilla \\"x\\" 5ms"\n')
    assert access.server_ms(since) == [1, 7]
    row = {**results()["load"]["poll"], "server_ms": {"p50": 1, "p99": 7}}
    assert "| 1 / 7 |" in report.markdown({**results(), "load": {"poll": row}}, "cmd")


def test_the_box_share_counts_busy_and_stolen_time_of_all_cores_and_guest_time_once():
    from collections import namedtuple

    from bench.servers import stack

    Times = namedtuple("Times", "user nice system idle iowait irq softirq steal guest guest_nice")
    before = Times(100, 0, 50, 1000, 5, 0, 1, 10, 0, 0)
    # 10 s of two cores: 9 user (of which 4 guest, counted inside user), 3 system, 5 idle, 1 iowait, 2 steal
    after = Times(109, 0, 53, 1005, 6, 0, 1, 12, 4, 0)
    assert stack.box_share(before, after) == {"busy_pct": 60.0, "steal_pct": 10.0}
    assert stack.box_share(before, before) == {"busy_pct": 0.0, "steal_pct": 0.0}
    real = stack.box_share(stack.box_times(), stack.box_times())
    assert 0 <= real["busy_pct"] <= 100 and 0 <= real["steal_pct"] <= 100
    row = {**results()["load"]["poll"], "box": {"busy_pct": 71.4, "steal_pct": 6.6}}
    text = report.markdown({**results(), "load": {"poll": row}}, "cmd")
    assert "| 71 / 7 |" in text and "took 7–7 % of the box's CPU time" in text and "judge them on a run" in text
    quiet = {**row, "box": {"busy_pct": 71.4, "steal_pct": 1.2}}
    text = report.markdown({**results(), "load": {"poll": quiet}}, "cmd")
    assert "took 1–1 % of the box's CPU time during the scenarios (steal);" in text and "judge them" not in text


class _Slow(BaseHTTPRequestHandler):
    """HTTP/1.0: one request per connection, closed after the answer, like gunicorn's sync workers."""
    delay = 0.0
    status = 200

    def do_GET(self):  # noqa: N802
        import time

        time.sleep(self.delay)
        body = json.dumps({"path": self.path}).encode()
        self.send_response(self.status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args):
        pass


def _serve(handler, threaded=True):
    from http.server import HTTPServer

    server = (ThreadingHTTPServer if threaded else HTTPServer)(("127.0.0.1", 0), handler)
    server.request_queue_size = 128
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


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


def test_the_latency_verdict_is_the_mixs_capacity_at_slo_as_a_share_of_the_bare_views():
    run = results(p99=400.0, mix_capacity=300.0)  # saturated closed-loop p99s say nothing: no verdict on them
    assert all(ok for _target, _measured, ok in report.checks(run))
    text = report.markdown(run, "cmd")
    assert "| 25% (300 of 1200 arrivals/s) | ✅ |" in text
    assert "| widget mix | 300 | 50% |" in text and "| ceiling (the bare view) | 1200 | 60% |" in text
    assert "| widget mix | 330 | ❌ | 330 | 3.0 | 9.0 | 400.0 |" in text
    run["capacity"]["mixed"]["capped"] = True  # every rate tried met it: at least that much
    assert "| widget mix | ≥ 300 | 50% |" in report.markdown(run, "cmd")
    run["capacity"]["ceiling"]["rate"] = 0.0  # the bare view missed it even at its lowest rate: no ratio
    assert [ok for target, _m, ok in report.checks(run) if "capacity" in target] == [False]


def test_the_report_header_says_how_fast_the_box_ran_python_before_and_after():
    from bench import run as bench_run

    assert bench_run.cpu_probe_ms(steps=10_000, tries=1) >= 0
    results_ = results()
    assert "Python loop" not in report.markdown(results_, "cmd")  # older JSON: no probe, no claim
    results_["machine"]["cpu_probe_ms"], results_["cpu_probe_ms_after"] = 80, 95
    assert "a 2-million-step Python loop took 80 ms before and 95 ms after" in report.markdown(results_, "cmd")
    assert "other work shared the box" not in report.markdown(results_, "cmd")
    results_["machine"]["load_average"], results_["load_average_after"] = [1.2, 1.0, 0.9], [6.3, 4.0, 2.0]
    assert "the load average reached 6.3: other work shared the box" in report.markdown(results_, "cmd")


def test_a_partial_run_is_chosen_by_name_and_never_written_as_the_published_results(capsys):
    from bench import __main__ as cli

    assert cli._scenarios("new_visitor, mixed") == ("new_visitor", "mixed")
    for bad in ("", "poll,bogus"):
        with pytest.raises(Exception, match="choose from poll, new_visitor, mixed"):
            cli._scenarios(bad)
    with pytest.raises(SystemExit):
        cli.main(["run", "--only", "poll", "--write", "docs/performance.md"])
    assert "needs a whole run" in capsys.readouterr().err


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


def test_the_ai_at_peak_table_and_targets_read_from_the_scenarios_rows():
    text = report.markdown(results(), "cmd")
    assert "### AI at peak" in text and "`flask --app wsgi worker`" in text
    assert "| 300 ms | 300 | 45.0 | 45.7 | 300 / 0 / 0 | openai 300 | 2.1 / 6.0 (40) | 3.9 / 7.2 (300) |" in text
    targets = [target for target, _measured, _ok in report.checks(results())]
    assert sum("≥ 40 replies/s" in target for target in targets) == 1  # the 2 s row has no throughput target
    assert sum("exactly once" in target for target in targets) == 2
    busy = results()
    busy["ai_peak"][1]["idle_before_count"] = False  # the 30 s wait for a quiet queue ran out
    assert [m for t, m, ok in report.checks(busy) if not ok] == ["300 messages, 0 missing, 0 doubled (counted while "
                                                                 "the worker was still busy: not conclusive)"]
    slow = results()
    slow["ai_overhead"]["first_words"]["p95"] = 1600.0
    assert [t for t, _m, ok in report.checks(slow) if not ok] == [t for t in targets if "first words" in t]


def test_exactly_once_counting_flags_a_missing_and_a_doubled_reply():
    from bench import ai_peak

    assert ai_peak.tally([("a", 1, 1), ("b", 1, 1)]) == {"messages": 2, "replies": 2, "missing": 0, "doubled": 0,
                                                         "exactly_once": True}
    counted = ai_peak.tally([("a", 1, 1), ("b", 1, 0), ("c", 1, 2)])
    assert (counted["missing"], counted["doubled"], counted["exactly_once"]) == (1, 1, False)
    assert not ai_peak.tally([])["exactly_once"]


def _database_or_skip():
    import psycopg

    from bench.servers import stack

    try:
        return psycopg.connect(stack.PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        pytest.skip("needs PostgreSQL on 127.0.0.1:5432")


def test_exactly_once_is_counted_in_the_database_per_session_with_unknown_sessions_as_missing():
    """The query on the app's two tables (only the columns it reads): a session answered once, one never
    answered, one answered twice (what a late LLM result beside an offline fallback would look like), one that
    never reached the database, and another visitor's that is not asked about."""
    import psycopg

    from bench import ai_peak

    name = "lucine_bench_test_counting"
    with _database_or_skip() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE chat_session (id serial PRIMARY KEY, public_id text UNIQUE)")
            conn.execute("CREATE TABLE chat_message (id serial PRIMARY KEY, session_id int, sender text, "
                         "meta jsonb DEFAULT '{}', reply_to_id int, created_at timestamptz DEFAULT now())")
            for sid, bots in (("once", 1), ("never", 0), ("twice", 2), ("other", 0)):
                session = conn.execute("INSERT INTO chat_session (public_id) VALUES (%s) RETURNING id",
                                       (sid,)).fetchone()[0]
                user = conn.execute("INSERT INTO chat_message (session_id, sender) VALUES (%s, 'USER') RETURNING id",
                                    (session,)).fetchone()[0]
                for _ in range(bots):
                    conn.execute("INSERT INTO chat_message (session_id, sender, reply_to_id, meta) VALUES "
                                 "(%s, 'BOT', %s, '{\"provider\": \"openai\"}')", (session, user))
        rows = ai_peak.count_replies(url, ["once", "never", "twice", "lost"])
        times = ai_peak.server_times(url, ["once", "never", "twice"])
    finally:
        with _database_or_skip() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert sorted(rows) == [("lost", 1, 0), ("never", 1, 0), ("once", 1, 1), ("twice", 1, 2)]
    assert ai_peak.tally(rows) == {"messages": 4, "replies": 3, "missing": 2, "doubled": 1, "exactly_once": False}
    assert times["providers"] == {"openai": 3} and times["reply_s"]["n"] == 3


def test_the_ai_at_peak_worker_is_started_with_render_yamls_command_and_values(tmp_path):
    from bench import ai_peak

    render = tmp_path / "render.yaml"
    render.write_text("""services:
  - type: web
    startCommand: gunicorn -c gunicorn.conf.py wsgi:app
    envVars: [{key: WEB_CONCURRENCY, value: "3"}]
  - type: worker
    startCommand: flask --app wsgi worker
    envVars:
      - fromGroup: lucine-shared
      - {key: AI_CONCURRENCY, value: "16"}
      - {key: DB_POOL_SIZE, value: 4}
      - {key: OPENAI_API_KEY, sync: false}
      - {key: DATABASE_URL, fromDatabase: {name: lucine-db, property: connectionString}}
""")
    python = tmp_path / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    argv, command, env = ai_peak.render_worker(render, str(python))
    assert command == "flask --app wsgi worker" and argv == [str(python), "-m", "flask", "--app", "wsgi", "worker"]
    assert env == {"AI_CONCURRENCY": "16", "DB_POOL_SIZE": "4"}
    (python.parent / "flask").write_text("")  # a virtualenv: its console script, exactly as Render runs it
    assert ai_peak.render_worker(render, str(python))[0] == [str(python.parent / "flask"), "--app", "wsgi", "worker"]


def test_the_projects_render_yaml_starts_the_worker_the_benchmark_starts():
    from bench import ai_peak
    from bench.servers import stack

    _argv, command, env = ai_peak.render_worker(stack.ROOT / "render.yaml", "/nowhere/bin/python")
    assert command == "flask --app wsgi worker" and "AI_CONCURRENCY" in env


class _Chat(BaseHTTPRequestHandler):
    """A fake chat API: each session's first poll shows a draft of the reply, its second the reply itself; one
    session in five never gets a reply. Counts by poll, not by time."""
    protocol_version = "HTTP/1.0"
    polls = {}
    lock = threading.Lock()

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        with self.lock:
            number = len(self.polls) + 1
            self.polls[f"s{number}"] = 0
        self._json(202, {"sessionId": f"s{number}", "pending": True,
                         "messages": [{"id": number * 10, "sender": "USER"}]})

    def do_GET(self):  # noqa: N802
        sid, after = re.match(r"/api/chat/poll/(\w+)\?after=(\d+)", self.path).groups()
        with self.lock:
            self.polls[sid] += 1
            count = self.polls[sid]
        silent = int(sid[1:]) % 5 == 0
        draft = {"text": "Il biglietto", "replyTo": int(after)} if count == 1 or silent else None
        messages = [{"id": int(after) + 1, "sender": "BOT"}] if count >= 2 and not silent else []
        self._json(200, {"sessionId": sid, "pending": not messages, "draft": draft, "messages": messages})

    def _json(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args):
        pass


def test_ai_at_peak_visitors_ask_at_once_and_poll_after_their_message_until_the_reply():
    from bench import ai_peak

    handler = type("Chat", (_Chat,), {"polls": {}})
    server, url = _serve(handler)
    try:
        visitors = ai_peak.visit_all(url, 10, timeout=3, poll_interval=0.02)
    finally:
        server.shutdown()
    answered = [v for v in visitors if v.reply_s is not None]
    assert len(answered) == 8 and all(v.draft_s is not None and v.draft_s <= v.reply_s for v in answered)
    assert all(v.first_words_s == v.draft_s for v in answered)
    unanswered = [v for v in visitors if v.reply_s is None]
    assert {v.session_id for v in unanswered} == {"s5", "s10"} and {v.error for v in unanswered} == {"no reply seen"}
    assert all(len(v.polls) >= 2 for v in visitors)
    with pytest.raises(ValueError, match="loopback"):
        ai_peak.visit_all("http://10.0.0.1:80", 1, timeout=1)
