"""POST /api/chat, poll, rating and erasure exactly as API.md, on both backends."""
import pytest

from lucine_chatbot.extensions import db
from lucine_chatbot.models import AnalyticsEvent, ChatSession, Message, OperatorChat, Ticket
from tests.conftest import TEST_REDIS_URL
from tests.support.assistant_helpers import kb, say  # noqa: F401  (fixture)
from tests.support.rate_windows import whole_window_ahead


def test_first_message_creates_a_session_and_gets_a_grounded_reply(client, run_jobs, kb):
    status, data = say(client, run_jobs, "Quanto costa il biglietto intero?")
    assert status == (202 if TEST_REDIS_URL else 200)
    assert data["newSession"] is True and len(data["sessionId"]) >= 32
    assert data["status"] == "ACTIVE" and data["pending"] is False
    assert "9" in data["reply"] and data["smartActions"] == []
    bot = [m for m in data["messages"] if m["sender"] == "BOT"][-1]
    assert bot["metadata"]["provider"] == "offline" and bot["metadata"]["sources"][0]["title"]
    assert "latencyMs" in bot["metadata"] and bot["metadata"]["model"]


def test_inline_reply_comes_back_in_the_same_response(client, kb):
    if TEST_REDIS_URL:
        pytest.skip("inline backend only")
    data = client.post("/api/chat", json={"message": "Dove si parcheggia?"}).get_json()
    assert [m["sender"] for m in data["messages"]] == ["USER", "BOT"]
    assert data["reply"] == data["messages"][-1]["message"]


@pytest.mark.redis_only
def test_with_a_worker_the_post_is_202_and_the_poll_shows_the_reply(client, run_jobs, kb):
    response = client.post("/api/chat", json={"message": "Si possono portare i cani?"})
    assert response.status_code == 202 and response.json["pending"] is True
    session_id, user_id = response.json["sessionId"], response.json["messages"][0]["id"]
    assert client.get(f"/api/chat/poll/{session_id}").json["pending"] is True
    assert run_jobs() == 1
    polled = client.get(f"/api/chat/poll/{session_id}?after={user_id}").json
    assert polled["pending"] is False and [m["sender"] for m in polled["messages"]] == ["BOT"]


def test_a_client_chosen_or_unknown_session_id_gets_a_new_session(client, run_jobs, kb):
    status, data = say(client, run_jobs, "Ciao, che orari fate?", session_id="my-own-id")
    assert data["newSession"] is True and data["sessionId"] != "my-own-id"
    assert db.session.query(ChatSession).filter_by(public_id="my-own-id").count() == 0


def test_an_ended_session_gets_a_new_session(client, run_jobs, kb, make):
    ended = make.chat(status="ENDED")
    _, data = say(client, run_jobs, "Ciao", session_id=ended.public_id)
    assert data["newSession"] is True and data["sessionId"] != ended.public_id


def test_the_same_session_continues(client, run_jobs, kb):
    _, first = say(client, run_jobs, "Quali sono gli orari?")
    _, second = say(client, run_jobs, "E il parcheggio?", session_id=first["sessionId"])
    assert second["newSession"] is False and second["sessionId"] == first["sessionId"]


def test_an_empty_message_is_400_and_an_overlong_one_422(client, app):
    assert client.post("/api/chat", json={"message": "   "}).status_code == 400
    assert client.post("/api/chat", json={}).status_code == 400
    too_long = "a" * (app.config["MAX_MESSAGE_LENGTH"] + 1)
    response = client.post("/api/chat", json={"message": too_long})
    assert response.status_code == 422 and response.json["error"]["code"] == "VALIDATION_ERROR"


def test_unknown_fields_and_actions_are_rejected(client):
    assert client.post("/api/chat", json={"message": "hi", "admin": True}).status_code == 422
    assert client.post("/api/chat", json={"action": "hack", "sessionId": "x"}).status_code == 422
    assert client.post("/api/chat", json={"action": "continue_ai", "sessionId": "nope"}).status_code == 404


def test_the_visitor_language_is_detected_and_kept(client, run_jobs, kb):
    _, data = say(client, run_jobs, "Hello, where can I park my car?")
    assert data["language"] == "en" and "P1" in data["reply"]
    _, data = say(client, run_jobs, "ok", session_id=data["sessionId"])
    assert db.session.query(ChatSession).filter_by(public_id=data["sessionId"]).one().language == "en"


def test_the_widget_language_hint_is_kept_when_detection_is_unsure(client, run_jobs, kb):
    _, data = say(client, run_jobs, "P5?", language="de")
    assert data["language"] == "de"
    _, data = say(client, run_jobs, "Ciao, quali sono gli orari di apertura?", session_id=data["sessionId"])
    assert data["language"] == "it"


def test_german_questions_are_answered_in_german(client, run_jobs, kb):
    _, data = say(client, run_jobs, "Darf ich meinen Hund mitbringen?")
    assert data["language"] == "de" and "Leine" in data["reply"]


def test_an_unanswerable_question_offers_the_operator_buttons(client, run_jobs, kb):
    _, data = say(client, run_jobs, "Accettate i bitcoin come pagamento del parcheggio auto?")
    _, data = say(client, run_jobs, "ci sono i bagni chimici?")
    assert [a["action"] for a in data["smartActions"]] == ["request_operator", "continue_ai"]
    assert data["smartActions"][0] == {"action": "request_operator", "text": "SÌ, CHIAMA OPERATORE",
                                       "type": "primary"}
    bot = [m for m in data["messages"] if m["sender"] == "BOT"][-1]
    assert bot["metadata"]["escalationReason"]


def test_a_message_to_a_human_never_reaches_the_ai(client, make, run_jobs):
    chat = make.chat(status="WITH_OPERATOR")
    response = client.post("/api/chat", json={"message": "Sei ancora lì?", "sessionId": chat.public_id})
    assert response.status_code == 200 and response.json["pending"] is False
    assert run_jobs() == 0
    assert [m["sender"] for m in response.json["messages"]] == ["USER"]
    assert db.session.get(ChatSession, chat.id).last_visitor_message_at is not None


def test_a_message_in_waiting_client_reactivates_the_operator_chat(client, make):
    chat = make.chat(status="WAITING_CLIENT")
    data = client.post("/api/chat", json={"message": "Sì, ci sono!", "sessionId": chat.public_id}).json
    assert data["status"] == "WITH_OPERATOR"
    system = data["messages"][-1]
    assert system["sender"] == "SYSTEM" and system["metadata"]["kind"] == "chat_reactivated"
    assert db.session.query(AnalyticsEvent).filter_by(type="chat_reactivated",
                                                     session_public_id=chat.public_id).count() == 1


def test_continue_ai_while_with_the_ai_just_says_so(client, run_jobs, kb):
    _, data = say(client, run_jobs, "Ciao")
    response = client.post("/api/chat", json={"action": "continue_ai", "sessionId": data["sessionId"]})
    assert response.status_code == 200 and response.json["messages"][-1]["metadata"]["kind"] == "continue_ai"


def test_poll_returns_messages_after_an_id_with_the_operator(client, make, operator):
    chat = make.chat(status="WITH_OPERATOR", operator_id=operator.id)
    first = make.message(chat, "uno")
    second = make.message(chat, "due", sender="OPERATOR", operator_id=operator.id)
    body = client.get(f"/api/chat/poll/{chat.public_id}?after={first.id}").json
    assert [m["id"] for m in body["messages"]] == [second.id]
    assert body["operator"]["displayName"] == operator.display_name and "passwordHash" not in body["operator"]
    assert body["status"] == "WITH_OPERATOR" and body["queue"] is None and body["pending"] is False
    assert len(client.get(f"/api/chat/poll/{chat.public_id}").json["messages"]) == 2
    assert client.get(f"/api/chat/poll/{chat.public_id}?after=junk").status_code == 400  # API.md: not a cursor


def test_poll_of_an_unknown_session_is_404(client):
    assert client.get("/api/chat/poll/unknown").status_code == 404


def test_the_poll_has_its_own_rate_limit_per_session(app, client, make):
    chat, other = make.chat(), make.chat()
    limit = int(app.config["RATE_LIMIT_POLL"].split("/")[0])
    whole_window_ahead(app, "RATE_LIMIT_POLL")
    statuses = [client.get(f"/api/chat/poll/{chat.public_id}").status_code for _ in range(limit + 1)]
    assert statuses[-1] == 429 and set(statuses[:-1]) == {200}
    assert client.get(f"/api/chat/poll/{other.public_id}").status_code == 200


def test_visitor_messages_are_rate_limited_per_ip(app, client):
    limit = int(app.config["RATE_LIMIT_CHAT"].split("/")[0])
    whole_window_ahead(app, "RATE_LIMIT_CHAT")
    statuses = [client.post("/api/chat", json={"message": ""}).status_code for _ in range(limit + 1)]
    assert statuses[-1] == 429
    assert client.post("/api/chat", json={"message": ""}, environ_base={"REMOTE_ADDR": "10.1.1.1"}).status_code == 400


def test_rating_an_operator_chat_is_201_then_409(client, make, operator):
    chat = make.chat(status="RESOLVED", operator_id=operator.id)
    db.session.add(OperatorChat(session_id=chat.id, operator_id=operator.id))
    db.session.flush()
    url = f"/api/chat/{chat.public_id}/rating"
    assert client.post(url, json={"rating": 6}).status_code == 422
    response = client.post(url, json={"rating": 5, "comment": "Bravissimi"})
    assert response.status_code == 201
    assert client.post(url, json={"rating": 4}).status_code == 409
    assert db.session.query(AnalyticsEvent).filter_by(type="chat_rated").count() == 1


def test_rating_without_an_operator_chat_is_409(client, make):
    assert client.post(f"/api/chat/{make.chat().public_id}/rating", json={"rating": 3}).status_code == 409


def test_delete_erases_the_conversation_and_forgets_the_id(client, make, operator):
    chat = make.chat(status="WITH_OPERATOR", operator_id=operator.id)
    make.message(chat, "la mia email è mario@example.com")
    db.session.add(OperatorChat(session_id=chat.id, operator_id=operator.id, rating=4, rating_comment="ok"))
    ticket = Ticket(number="TKT-ERASE1", subject="s", description="chiamami al 3331234567", email="m@example.com",
                    phone="+393331234567", session_id=chat.id, due_at=chat.created_at)
    db.session.add(ticket)
    db.session.flush()
    public_id = chat.public_id
    assert client.delete(f"/api/chat/{public_id}").status_code == 204
    assert client.get(f"/api/chat/poll/{public_id}").status_code == 404
    db.session.expire_all()
    assert db.session.query(Message).filter_by(session_id=chat.id).count() == 0
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.email is None and ticket.phone is None and "333" not in ticket.description
    assert db.session.query(OperatorChat).filter_by(session_id=chat.id).one().rating_comment is None
    assert db.session.query(AnalyticsEvent).filter_by(session_public_id=public_id).count() == 0
    assert db.session.query(AnalyticsEvent).filter_by(type="data_deleted").count() == 1
    assert client.delete(f"/api/chat/{public_id}").status_code == 404
