"""Rate limits: JSON 429 with Retry-After, client address only through trusted proxies, Redis down ≠ 500."""
import pytest

from tests.support.rate_windows import whole_window_ahead

from ..conftest import assert_json_error

SPOOF = {"X-Forwarded-For": "203.0.113.9"}


def hit(client, times, headers=None, remote="198.51.100.1"):
    return [client.post("/api/probe/limited", json={"text": "hi"}, headers=headers or {},
                        environ_base={"REMOTE_ADDR": remote}) for _ in range(times)]


@pytest.fixture(scope="module")
def direct_app(build_probe_app):
    return build_probe_app(TRUSTED_PROXY_HOPS=0)


@pytest.fixture(scope="module")
def proxied_app(build_probe_app):
    return build_probe_app(TRUSTED_PROXY_HOPS=1)


@pytest.fixture
def fresh_limits():
    from lucine_chatbot.extensions import limiter

    limiter.reset()


def test_over_the_limit_is_a_json_429_with_retry_after(direct_app, fresh_limits):
    responses = hit(direct_app.test_client(), 3)
    assert [r.status_code for r in responses] == [200, 200, 429]
    assert_json_error(responses[-1], 429, "RATE_LIMITED")
    assert 0 < int(responses[-1].headers["Retry-After"]) <= 60
    assert responses[-1].headers["X-RateLimit-Remaining"] == "0"


def test_a_spoofed_forwarded_for_is_ignored_without_trusted_proxies(direct_app, fresh_limits):
    client = direct_app.test_client()
    assert client.get("/api/probe/ip", headers=SPOOF, environ_base={"REMOTE_ADDR": "198.51.100.1"}).json == {
        "ip": "198.51.100.1"}
    statuses = [r.status_code for r in hit(client, 1) + hit(client, 2, headers=SPOOF)]
    assert statuses == [200, 200, 429]  # a new X-Forwarded-For does not buy a new bucket


def test_one_trusted_hop_takes_the_address_the_proxy_saw(proxied_app, fresh_limits):
    client = proxied_app.test_client()
    chain = {"X-Forwarded-For": "192.0.2.50, 203.0.113.9"}  # the client forged the first one
    assert client.get("/api/probe/ip", headers=chain, environ_base={"REMOTE_ADDR": "10.0.0.1"}).json == {
        "ip": "203.0.113.9"}
    assert [r.status_code for r in hit(client, 3, headers=SPOOF, remote="10.0.0.1")] == [200, 200, 429]
    assert hit(client, 1, headers={"X-Forwarded-For": "203.0.113.10"}, remote="10.0.0.1")[0].status_code == 200


def test_an_ipv6_client_is_counted_by_its_64_network_not_by_each_address(direct_app, fresh_limits):
    client = direct_app.test_client()
    one_subscriber = ["2001:db8:1:2::1", "2001:db8:1:2:ffff::9", "2001:db8:1:2:abcd:1:2:3"]
    assert [hit(client, 1, remote=address)[0].status_code for address in one_subscriber] == [200, 200, 429]
    assert hit(client, 1, remote="2001:db8:1:3::1")[0].status_code == 200  # the next /64 is someone else
    assert hit(client, 1, remote="::ffff:198.51.100.7")[0].status_code == 200  # IPv4-mapped: by its IPv4


def test_rate_limiting_with_redis_down_neither_fails_nor_stops_counting(build_probe_app):
    from lucine_chatbot.extensions import limiter

    app = build_probe_app(RATELIMIT_STORAGE_URI="redis://127.0.0.1:9/0", REDIS_URL="redis://127.0.0.1:9/0")
    client = app.test_client()
    try:
        statuses = [r.status_code for r in hit(client, 3, remote="198.51.100.77")]
        assert statuses == [200, 200, 429]  # counted in process memory while Redis is away
        assert client.get("/api/probe/ip").status_code == 200
        assert limiter._storage_dead
    finally:
        build_probe_app()  # bind the shared limiter to a live storage again
        limiter._storage_dead = False


def test_polling_random_session_ids_is_limited_per_address(build_probe_app):
    from flask_migrate import upgrade

    app = build_probe_app(RATE_LIMIT_POLL_ADDRESS="5/minute")
    with app.app_context():
        upgrade()
    client = app.test_client()
    whole_window_ahead(app, "RATE_LIMIT_POLL_ADDRESS")
    statuses = [client.get(f"/api/chat/poll/guess-{n}", environ_base={"REMOTE_ADDR": "198.51.100.90"}).status_code
                for n in range(6)]
    assert statuses == [404] * 5 + [429]


def test_flask_limiter_never_runs_on_the_endpoints_that_count_their_own_limits(client, monkeypatch):
    from flask import request
    from flask_limiter import Limiter

    reached = []
    original = Limiter.context

    def context(self):
        reached.append(request.endpoint)
        return original.fget(self)

    monkeypatch.setattr(Limiter, "context", property(context))
    chat = client.post("/api/chat", json={"message": "Ciao"})
    assert chat.status_code in (200, 202) and "X-RateLimit-Limit" in chat.headers  # counted by visitor_limits
    poll = client.get(f"/api/chat/poll/{chat.json['sessionId']}")
    assert poll.status_code == 200 and "X-RateLimit-Limit" in poll.headers
    assert reached == []
    client.get("/api/health")
    assert reached and set(reached) == {"health.get_health"}  # everything else still goes through Flask-Limiter
