"""Floods against the real endpoints: each owner's limit holds and answers a JSON 429 with Retry-After."""
import pytest

from tests.support.factories import DEFAULT_PASSWORD
from tests.support.rate_windows import whole_window_ahead

from ..conftest import assert_json_error, require_route

TICKET = {"description": "Vorrei cambiare la data", "contactMethod": "EMAIL", "email": "ospite@lucinedinatale.it"}


def from_ip(ip):
    return {"REMOTE_ADDR": ip}


def login(client, username, password="wrong-password", ip="198.51.100.20"):
    return client.post("/api/operators/login", json={"username": username, "password": password},
                       environ_base=from_ip(ip))


def assert_rate_limited(response):
    assert_json_error(response, 429, "RATE_LIMITED")
    assert int(response.headers["Retry-After"]) > 0


def test_login_is_limited_per_address_and_username_even_for_the_right_password(client, app, operator):
    require_route(app, "/api/operators/login", "POST")
    assert [login(client, operator.username).status_code for _ in range(5)] == [401] * 5
    assert_rate_limited(login(client, operator.username, DEFAULT_PASSWORD))
    assert login(client, operator.username, DEFAULT_PASSWORD, ip="198.51.100.21").status_code == 200


def test_login_usernames_do_not_share_a_bucket_but_the_address_has_a_ceiling(client, app):
    require_route(app, "/api/operators/login", "POST")
    statuses = [login(client, f"guess{n}").status_code for n in range(31)]
    assert statuses[:30] == [401] * 30
    assert_rate_limited(login(client, "guess-final"))


def test_login_flood_cannot_be_dodged_with_case_or_spaces(client, app, operator):
    require_route(app, "/api/operators/login", "POST")
    for variant in (operator.username, operator.username.upper(), f" {operator.username} ", operator.username,
                    operator.username):
        login(client, variant)
    assert_rate_limited(login(client, operator.username))


def test_the_dashboard_form_has_the_same_per_account_login_limit(client, app, operator):
    def form_login(password="wrong-password"):
        return client.post("/dashboard/login", data={"username": operator.username, "password": password},
                           environ_base=from_ip("198.51.100.40"))

    assert [form_login().status_code for _ in range(5)] == [401] * 5
    assert form_login(DEFAULT_PASSWORD).status_code == 429


def test_one_account_guessed_from_many_addresses_is_stopped_and_audited_once(client, app, operator, admin,
                                                                          monkeypatch):
    from lucine_chatbot.extensions import db
    from lucine_chatbot.models import AuditLog

    monkeypatch.setitem(app.config, "RATE_LIMIT_LOGIN_ACCOUNT", "3/minute")  # Flask-Limiter: from the first hit
    statuses = [login(client, operator.username, ip=f"203.0.113.{n}").status_code for n in range(1, 6)]
    assert statuses == [401, 401, 401, 429, 429]
    assert login(client, admin.username, DEFAULT_PASSWORD, ip="203.0.113.9").status_code == 200  # others unaffected
    audits = db.session.query(AuditLog).filter_by(action="login_throttled").all()
    assert [(a.target_id, a.operator_id) for a in audits] == [(operator.username, operator.id)]


def test_ticket_creation_is_limited_per_address(client, app):
    limit = int(app.config["RATE_LIMIT_TICKET"].split("/")[0])
    statuses = [client.post("/api/tickets", json=TICKET, environ_base=from_ip("198.51.100.30")).status_code
                for _ in range(limit)]
    assert statuses == [201] * limit
    assert_rate_limited(client.post("/api/tickets", json=TICKET, environ_base=from_ip("198.51.100.30")))
    assert client.post("/api/tickets", json=TICKET, environ_base=from_ip("198.51.100.31")).status_code == 201


def test_visitor_messages_are_limited_per_address(client, app):
    require_route(app, "/api/chat", "POST")
    limit = int(app.config["RATE_LIMIT_CHAT"].split("/")[0])
    ip = from_ip("198.51.100.40")
    whole_window_ahead(app, "RATE_LIMIT_CHAT")
    statuses = [client.post("/api/chat", json={"message": f"ciao {n}"}, environ_base=ip).status_code
                for n in range(limit)]
    assert set(statuses) <= {200, 202}
    assert_rate_limited(client.post("/api/chat", json={"message": "ancora"}, environ_base=ip))


def test_polling_never_eats_the_message_budget_and_has_its_own_limit_per_session(client, app):
    require_route(app, "/api/chat", "POST")
    ip = from_ip("198.51.100.50")
    whole_window_ahead(app, "RATE_LIMIT_POLL")
    session_id = client.post("/api/chat", json={"message": "ciao"}, environ_base=ip).json["sessionId"]
    poll_limit = int(app.config["RATE_LIMIT_POLL"].split("/")[0])
    polls = [client.get(f"/api/chat/poll/{session_id}", environ_base=ip).status_code for _ in range(poll_limit)]
    assert polls == [200] * poll_limit
    assert_rate_limited(client.get(f"/api/chat/poll/{session_id}", environ_base=ip))
    assert client.post("/api/chat", json={"message": "sono ancora qui", "sessionId": session_id},
                       environ_base=ip).status_code in (200, 202)
    other = client.post("/api/chat", json={"message": "ciao"}, environ_base=ip).json["sessionId"]
    assert client.get(f"/api/chat/poll/{other}", environ_base=ip).status_code == 200


def test_forty_visitors_behind_one_address_all_poll_and_a_flood_from_it_is_still_stopped(client, app, make,
                                                                                       monkeypatch):
    ip = from_ip("198.51.100.60")  # a school trip on one Wi-Fi
    chats = [make.chat().public_id for _ in range(40)]
    whole_window_ahead(app, "RATE_LIMIT_POLL_ADDRESS")
    statuses = {client.get(f"/api/chat/poll/{chat}", environ_base=ip).status_code  # no cursor: the database
                for _ in range(8) for chat in chats}
    assert statuses == {200}, "320 polls of 40 visitors from one address in a minute"
    monkeypatch.setitem(app.config, "RATE_LIMIT_POLL_ADDRESS", "10/minute")
    whole_window_ahead(app, "RATE_LIMIT_POLL_ADDRESS")
    guesser = from_ip("198.51.100.61")
    flood = [client.get(f"/api/chat/poll/guess-{n}", environ_base=guesser).status_code for n in range(11)]
    assert flood == [404] * 10 + [429]  # guessing session ids from one address is still stopped


@pytest.mark.parametrize("path", ["/api/health", "/api/openapi.json"])
def test_health_and_the_contract_are_never_limited(client, path):
    assert all(client.get(path).status_code == 200 for _ in range(10))


def test_operator_endpoints_carry_the_default_limit(client, admin_headers, app):
    response = client.get("/api/tickets", headers=admin_headers)
    assert response.headers["X-RateLimit-Limit"] == app.config["RATE_LIMIT_DEFAULT"].split("/")[0]
