"""Sign-in, sign-out, availability and admin management of operators over HTTP."""
import time
from datetime import timedelta

import pytest

from lucine_chatbot.extensions import db
from lucine_chatbot.models import AnalyticsEvent, ChatStatus, Operator, QueueEntry, RevokedToken, utcnow
from tests.support import factories


def login(client, username, password=factories.DEFAULT_PASSWORD, ip="10.0.0.1"):
    return client.post("/api/operators/login", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": ip})


def bearer(response):
    return {"Authorization": f"Bearer {response.get_json()['token']}"}


def test_login_returns_an_eight_hour_token_and_the_public_operator(client, operator):
    response = login(client, "op-test")
    body = response.get_json()
    assert response.status_code == 200 and body["expiresIn"] == 28800
    assert body["operator"]["username"] == "op-test" and "passwordHash" not in body["operator"]
    assert client.get("/api/operators/me", headers=bearer(response)).get_json()["id"] == operator.id
    assert db.session.query(AnalyticsEvent).filter_by(type="operator_login").count() == 1


def test_unknown_user_and_wrong_password_get_the_same_401(client, operator):
    unknown = login(client, "nobody")
    wrong = login(client, "op-test", "wrong-password")
    assert unknown.status_code == wrong.status_code == 401
    assert unknown.get_json() == wrong.get_json()


def test_an_inactive_account_cannot_sign_in(client, make):
    make.operator(username="gone", is_active=False)
    assert login(client, "gone").status_code == 401


def test_the_sixth_login_a_minute_for_one_username_is_rate_limited(client, operator):
    codes = [login(client, "op-test", "wrong-password").status_code for _ in range(6)]
    assert codes == [401] * 5 + [429]
    assert login(client, "op-test", ip="10.0.0.2").status_code == 200  # another client is not locked out
    assert login(client, "someone-else").status_code == 401  # nor another username from this client


def test_one_ip_is_limited_across_usernames(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMIT_LOGIN_IP", "3/minute")
    codes = [login(client, f"user{n}").status_code for n in range(4)]
    assert codes == [401, 401, 401, 429]


def test_a_rate_limited_login_is_json_with_retry_after(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMIT_LOGIN", "1/minute")
    login(client, "x")
    response = login(client, "x")
    assert response.status_code == 429 and response.get_json()["error"]["code"] == "RATE_LIMITED"
    assert response.headers["Retry-After"]


def test_logout_revokes_the_token_and_takes_the_operator_offline(client, operator):
    headers = bearer(login(client, "op-test"))
    assert client.post("/api/operators/logout", headers=headers).status_code == 204
    assert db.session.query(RevokedToken).count() == 1
    assert db.session.get(Operator, operator.id).is_online is False
    refused = client.get("/api/operators/me", headers=headers)
    assert refused.status_code == 401 and "revoked" in refused.get_json()["error"]["message"]


def test_going_online_takes_waiting_chats_up_to_capacity(client, make, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CHATS_PER_OPERATOR", 2)
    op = make.operator(is_online=False)
    chats = [make.chat(status="WAITING_OPERATOR") for _ in range(3)]
    for chat in chats:
        db.session.add(QueueEntry(session_id=chat.id))
    db.session.flush()
    response = client.post("/api/operators/status", json={"isOnline": True}, headers=factories.auth_headers(op))
    assert response.status_code == 200 and response.get_json()["isOnline"] is True
    assert [c.status for c in chats] == [ChatStatus.WITH_OPERATOR, ChatStatus.WITH_OPERATOR,
                                         ChatStatus.WAITING_OPERATOR]


def test_going_offline_keeps_current_chats(client, operator, operator_headers):
    response = client.post("/api/operators/status", json={"isOnline": False}, headers=operator_headers)
    assert response.get_json()["isOnline"] is False


def test_admin_creates_lists_and_edits_operators(client, admin_headers):
    created = client.post("/api/operators", headers=admin_headers, json={
        "username": "maria", "email": "maria@example.test", "name": "Maria Rossi", "password": "lungapassword",
        "role": "OPERATOR"})
    assert created.status_code == 201
    operator_id = created.get_json()["operator"]["id"]
    listed = client.get("/api/operators", headers=admin_headers).get_json()["operators"]
    assert "maria" in [op["username"] for op in listed] and all("passwordHash" not in op for op in listed)
    edited = client.patch(f"/api/operators/{operator_id}", headers=admin_headers,
                          json={"displayName": "Maria", "role": "ADMIN"})
    assert edited.get_json()["operator"]["displayName"] == "Maria"
    assert edited.get_json()["operator"]["role"] == "ADMIN"


def test_creating_a_duplicate_username_is_409_and_a_short_password_422(client, admin_headers, operator):
    duplicate = client.post("/api/operators", headers=admin_headers,
                            json={"username": "op-test", "name": "X", "password": "lungapassword"})
    short = client.post("/api/operators", headers=admin_headers,
                        json={"username": "fresh", "name": "X", "password": "short"})
    assert duplicate.status_code == 409 and short.status_code == 422


def test_deactivation_refuses_the_operators_next_request_and_frees_their_chats(client, admin_headers, make):
    op = make.operator(is_online=True)
    headers = factories.auth_headers(op)
    chat = make.chat(status="WAITING_OPERATOR")
    client.post("/api/operators/take-chat", json={"sessionId": chat.public_id}, headers=headers)
    assert client.patch(f"/api/operators/{op.id}", headers=admin_headers,
                        json={"isActive": False}).status_code == 200
    assert client.get("/api/operators/me", headers=headers).status_code == 401
    assert chat.status == ChatStatus.WAITING_OPERATOR and chat.operator_id is None
    assert login(client, op.username).status_code == 401


def test_password_reset_replaces_the_old_password(client, admin_headers, operator):
    client.patch(f"/api/operators/{operator.id}", headers=admin_headers, json={"password": "brand-new-secret"})
    assert login(client, "op-test").status_code == 401
    assert login(client, "op-test", "brand-new-secret").status_code == 200


def test_editing_an_unknown_operator_is_404(client, admin_headers):
    assert client.patch("/api/operators/999999", headers=admin_headers, json={"name": "X"}).status_code == 404


def test_operators_see_online_colleagues_with_their_load(client, make, operator, operator_headers):
    make.operator(username="away", is_online=False)
    make.operator(username="gone", is_online=True, is_active=False)
    listed = client.get("/api/operators/online", headers=operator_headers).get_json()["operators"]
    assert [(op["username"], op["openChats"], op["hasCapacity"]) for op in listed] == [("op-test", 0, True)]


def test_the_last_active_admin_cannot_be_demoted_or_deactivated(client, admin, admin_headers):
    assert client.patch(f"/api/operators/{admin.id}", headers=admin_headers,
                        json={"isActive": False}).status_code == 409
    assert client.patch(f"/api/operators/{admin.id}", headers=admin_headers,
                        json={"role": "OPERATOR"}).status_code == 409
    deputy = factories.operator(role="ADMIN")
    assert client.patch(f"/api/operators/{deputy.id}", headers=admin_headers,
                        json={"role": "OPERATOR"}).status_code == 200


def test_nulls_in_an_operator_edit_change_nothing(client, admin_headers, operator):
    response = client.patch(f"/api/operators/{operator.id}", headers=admin_headers,
                            json={"name": None, "displayName": None, "role": None, "isActive": None})
    assert response.status_code == 200 and response.get_json()["operator"]["name"] == operator.name



def test_a_username_taken_between_check_and_commit_is_a_409_not_a_500(client, admin_headers, monkeypatch):
    """Two admins create the same username at once: the loser's commit hits the unique index."""
    from lucine_chatbot.operators import accounts

    original = accounts.create_operator

    def create_then_twin(username, password, **fields):
        operator = original(username, password, **fields)
        accounts.db.session.add(accounts.Operator(username=username, name="Twin", display_name="Twin",
                                                    password_hash="x"))
        return operator

    monkeypatch.setattr(accounts, "create_operator", create_then_twin)
    response = client.post("/api/operators", headers=admin_headers,
                           json={"username": "twin", "email": "twin@example.com", "name": "Twin",
                                 "password": "long-enough-pw", "role": "OPERATOR"})
    assert response.status_code == 409 and response.json["error"]["code"] == "CONFLICT"


@pytest.mark.parametrize("change", [{"password": "a-brand-new-password"}, {"role": "ADMIN"}, {"isActive": False}],
                         ids=["password reset", "role change", "deactivation"])
def test_a_password_reset_role_change_or_deactivation_revokes_the_tokens_issued_before_it(
        client, make, admin_headers, change, monkeypatch):
    operator = make.operator(username="revoked-op")
    old = factories.auth_headers(operator)
    assert client.get("/api/operators/me", headers=old).status_code == 200
    a_second_later = utcnow().replace(microsecond=0) + timedelta(seconds=1)  # tokens carry whole seconds
    monkeypatch.setattr("lucine_chatbot.operators.accounts.utcnow", lambda: a_second_later)
    response = client.patch(f"/api/operators/{operator.id}", json=change, headers=admin_headers)
    assert response.status_code == 200, response.json
    refused = client.get("/api/operators/me", headers=old)
    assert refused.status_code == 401 and refused.json["error"]["code"] == "UNAUTHORIZED"
    if change != {"isActive": False}:
        time.sleep(max(0.0, (a_second_later - utcnow()).total_seconds()) + 0.05)  # a token issued after works
        fresh = factories.auth_headers(db.session.get(Operator, operator.id))
        assert client.get("/api/operators/me", headers=fresh).status_code == 200


def test_a_name_change_keeps_the_operators_tokens(client, make, admin_headers):
    operator = make.operator(username="renamed-op")
    old = factories.auth_headers(operator)
    assert client.patch(f"/api/operators/{operator.id}", json={"displayName": "Nuovo nome"},
                        headers=admin_headers).status_code == 200
    assert client.get("/api/operators/me", headers=old).status_code == 200
