"""Who may call what: every operator-side endpoint against anonymous, operator, admin and non-owner callers."""
import pytest

from lucine_chatbot.extensions import db
from lucine_chatbot.models import CannedReply, OperatorChat
from tests.support import factories


def world():
    """An owner with a chat, another operator, a waiting chat and a canned reply."""
    owner = factories.operator(username="owner", is_online=True)
    other = factories.operator(username="other", is_online=True)
    owned = factories.chat(status="WITH_OPERATOR", operator_id=owner.id)
    db.session.add(OperatorChat(session_id=owned.id, operator_id=owner.id))
    waiting = factories.chat(status="WAITING_OPERATOR")
    reply = CannedReply(shortcut="ciao", title="Ciao", text="Ciao!", language="it")
    db.session.add(reply)
    db.session.flush()
    return {"owner": owner, "other": other, "owned": owned.public_id, "waiting": waiting.public_id,
            "reply": reply.id, "target": other.id}


# (method, path, body) — `{owned}` etc. are filled from world(); `None` body means no JSON.
ANY_OPERATOR = [
    ("GET", "/api/operators/me", None),
    ("POST", "/api/operators/status", {"isOnline": True}),
    ("GET", "/api/operators/pending-chats", None),
    ("GET", "/api/operators/online", None),
    ("POST", "/api/operators/take-chat", {"sessionId": "{waiting}"}),
    ("POST", "/api/operators/logout", None),
    ("POST", "/api/chat-management/add-note", {"sessionId": "{owned}", "content": "nota"}),
    ("GET", "/api/chat-management/history/{owned}", None),
    ("GET", "/api/chat-management/active-chats?filter=all", None),
    ("GET", "/api/canned-replies", None),
    ("GET", "/api/automated-texts", None),
]
OWNER_ONLY = [
    ("POST", "/api/operators/send-message", {"sessionId": "{owned}", "message": "Eccomi"}),
    ("POST", "/api/operators/transfer", {"sessionId": "{owned}", "toOperatorId": "{target}"}),
    ("POST", "/api/chat-management/update-status", {"sessionId": "{owned}", "status": "RESOLVED"}),
]
ADMIN_ONLY = [
    ("GET", "/api/operators", None),
    ("POST", "/api/operators", {"username": "newbie", "name": "New", "password": "long-enough-pw"}),
    ("PATCH", "/api/operators/{target}", {"displayName": "Renamed"}),
    ("GET", "/api/operators/audit", None),
    ("POST", "/api/canned-replies", {"shortcut": "orari", "title": "Orari", "text": "17:30–23:00"}),
    ("PATCH", "/api/canned-replies/{reply}", {"title": "Nuovo"}),
    ("DELETE", "/api/canned-replies/{reply}", None),
    ("PUT", "/api/automated-texts/greeting/it", {"text": "Ciao!"}),
]
EVERY_ENDPOINT = ANY_OPERATOR + OWNER_ONLY + ADMIN_ONLY


def fill(value, ids):
    if isinstance(value, str):
        if value.startswith("{") and value.endswith("}") and value[1:-1] in ids and value.count("{") == 1:
            return ids[value[1:-1]]
        return value.format(**ids)
    if isinstance(value, dict):
        return {k: fill(v, ids) for k, v in value.items()}
    return value


def call(client, endpoint, ids, headers=None):
    method, path, body = endpoint
    kwargs = {"headers": headers or {}}
    if body is not None:
        kwargs["json"] = fill(body, ids)
    return client.open(fill(path, ids), method=method, **kwargs)


def label(endpoint):
    return f"{endpoint[0]} {endpoint[1]}"


@pytest.mark.parametrize("endpoint", EVERY_ENDPOINT, ids=label)
def test_anonymous_callers_get_401(client, endpoint):
    ids = world()
    response = call(client, endpoint, ids)
    assert response.status_code == 401 and response.get_json()["error"]["code"] == "UNAUTHORIZED"


@pytest.mark.parametrize("endpoint", EVERY_ENDPOINT, ids=label)
def test_a_garbage_token_gets_401(client, endpoint):
    ids = world()
    assert call(client, endpoint, ids, {"Authorization": "Bearer not.a.token"}).status_code == 401


@pytest.mark.parametrize("endpoint", ADMIN_ONLY, ids=label)
def test_operators_get_403_on_admin_endpoints(client, endpoint):
    ids = world()
    response = call(client, endpoint, ids, factories.auth_headers(ids["owner"]))
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "FORBIDDEN"


@pytest.mark.parametrize("endpoint", ADMIN_ONLY, ids=label)
def test_admins_may_call_admin_endpoints(client, admin_headers, endpoint):
    ids = world()
    assert call(client, endpoint, ids, admin_headers).status_code in (200, 201, 204)


@pytest.mark.parametrize("endpoint", ANY_OPERATOR, ids=label)
def test_any_operator_may_call_operator_endpoints(client, endpoint):
    ids = world()
    assert call(client, endpoint, ids, factories.auth_headers(ids["other"])).status_code in (200, 201, 204)


@pytest.mark.parametrize("endpoint", OWNER_ONLY, ids=label)
def test_a_non_owner_gets_403_on_someone_elses_chat(client, endpoint):
    ids = world()
    ids["target"] = factories.operator(is_online=True).id
    response = call(client, endpoint, ids, factories.auth_headers(ids["other"]))
    assert response.status_code == 403


@pytest.mark.parametrize("endpoint", OWNER_ONLY, ids=label)
def test_the_owner_may_act_on_their_chat(client, endpoint):
    ids = world()
    assert call(client, endpoint, ids, factories.auth_headers(ids["owner"])).status_code in (200, 201)


@pytest.mark.parametrize("endpoint", OWNER_ONLY, ids=label)
def test_an_admin_may_act_on_any_chat(client, admin_headers, endpoint):
    ids = world()
    assert call(client, endpoint, ids, admin_headers).status_code in (200, 201)
