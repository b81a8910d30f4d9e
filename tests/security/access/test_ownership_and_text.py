"""Operators act only on their own chats; markup and SQL-looking text are data, stored and returned verbatim."""
import pytest

from lucine_chatbot.extensions import db
from lucine_chatbot.models import AuditLog
from tests.support import factories

from ..conftest import assert_json_error, require_route

HOSTILE = ["<script>alert('x')</script>", "<img src=x onerror=alert(1)>", "'; DROP TABLE chat_message; --",
           "\" OR 1=1 --", "{{7*7}} ${7*7} #{7*7}", "../../etc/passwd", "\u202egnp.exe", "🎄 Buon Natale 🎅🏽",
           "javascript:alert(1)", "Robert'); DELETE FROM operator;--"]
SQLI = "' OR '1'='1' --"


@pytest.fixture
def other_operator():
    return factories.operator(username="op-other", is_online=True)


@pytest.fixture
def their_chat(other_operator):
    chat = factories.chat(status="WITH_OPERATOR", operator_id=other_operator.id)
    factories.message(chat, "Ciao, mi serve aiuto")
    return chat


@pytest.mark.parametrize("path,body", [
    ("/api/operators/send-message", {"message": "Sono io ora"}),
    ("/api/operators/transfer", {"toOperatorId": 0}),
    ("/api/chat-management/update-status", {"status": "RESOLVED"}),
])
def test_an_operator_cannot_act_on_another_operators_chat(client, app, operator_headers, their_chat, path, body):
    require_route(app, path, "POST")
    if "toOperatorId" in body:
        body = {"toOperatorId": factories.operator(username="op-third", is_online=True).id}
    response = client.post(path, json={"sessionId": their_chat.public_id, **body}, headers=operator_headers)
    assert_json_error(response, 403, "FORBIDDEN")


def test_an_admin_may_step_into_any_chat(client, app, admin_headers, their_chat):
    require_route(app, "/api/operators/send-message", "POST")
    response = client.post("/api/operators/send-message", json={"sessionId": their_chat.public_id,
                                                                "message": "Intervengo io"}, headers=admin_headers)
    assert response.status_code == 201


def test_reading_another_operators_chat_is_audited(client, app, operator, operator_headers, their_chat):
    require_route(app, f"/api/chat-management/history/{their_chat.public_id}")
    assert client.get(f"/api/chat-management/history/{their_chat.public_id}",
                      headers=operator_headers).status_code == 200
    assert db.session.query(AuditLog).filter_by(operator_id=operator.id,
                                                target_id=their_chat.public_id).count() >= 1


@pytest.mark.parametrize("text", HOSTILE)
def test_operator_text_comes_back_exactly_as_written(client, app, operator, operator_headers, text):
    require_route(app, "/api/operators/send-message", "POST")
    chat = factories.chat(status="WITH_OPERATOR", operator_id=operator.id)
    sent = client.post("/api/operators/send-message", json={"sessionId": chat.public_id, "message": text},
                       headers=operator_headers)
    assert sent.status_code == 201 and sent.mimetype == "application/json"
    assert sent.json["message"]["message"] == text
    note = client.post("/api/chat-management/add-note", json={"sessionId": chat.public_id, "content": text},
                       headers=operator_headers)
    assert note.json["note"]["content"] == text
    history = client.get(f"/api/chat-management/history/{chat.public_id}", headers=operator_headers).json
    assert history["messages"][-1]["message"] == text and history["internalNotes"][-1]["content"] == text


@pytest.mark.parametrize("text", HOSTILE)
def test_visitor_ticket_text_comes_back_exactly_as_written(client, admin_headers, text):
    created = client.post("/api/tickets", json={"subject": text, "description": text, "contactMethod": "PHONE",
                                                "phone": "+39 333 123 4567"})
    assert created.status_code == 201, created.get_data(as_text=True)
    listed = client.get("/api/tickets", headers=admin_headers).json["tickets"]
    assert [t for t in listed if t["ticketNumber"] == created.json["ticketNumber"]][0]["description"] == text


@pytest.mark.parametrize("path", [
    f"/api/tickets?status={SQLI}", f"/api/tickets?priority={SQLI}", f"/api/tickets?page={SQLI}",
    f"/api/chat-management/active-chats?filter={SQLI}", f"/api/analytics/timeseries?metric={SQLI}",
    f"/api/analytics/stats?date={SQLI}", f"/api/analytics/events?since={SQLI}",
    f"/api/analytics/events?type={SQLI}",
])
def test_sql_in_an_enumerated_or_typed_query_parameter_is_a_422(client, app, admin_headers, path):
    require_route(app, path.split("?")[0])
    assert_json_error(client.get(path, headers=admin_headers), 422, "VALIDATION_ERROR")


@pytest.mark.parametrize("path", [f"/api/analytics/events?sessionId={SQLI}",
                                  f"/api/chat-management/history/{SQLI}", f"/api/tickets/resume/{SQLI}",
                                  f"/api/knowledge?q={SQLI}", f"/api/knowledge?category={SQLI}"])
def test_sql_in_a_free_text_parameter_matches_nothing(client, app, admin_headers, path):
    require_route(app, path.split("?")[0])
    response = client.get(path, headers=admin_headers)
    assert response.status_code in (200, 404), response.get_data(as_text=True)
    if response.status_code == 200:
        assert not any(response.json.get(key) for key in ("events", "items"))
