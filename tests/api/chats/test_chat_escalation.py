"""The chat API hands visitors to humans through chats/escalation.py: typed requests and widget actions."""
import pytest

from lucine_chatbot.extensions import db
from lucine_chatbot.models import AnalyticsEvent, ChatSession
from tests.support.assistant_helpers import kb, say  # noqa: F401  (fixture)


def action(client, session_id, name):
    return client.post("/api/chat", json={"action": name, "sessionId": session_id})


@pytest.mark.parametrize("message", ["Voglio parlare con un operatore", "Posso parlare con una persona vera?",
                                     "I want to talk to a human please", "Ich möchte mit einem Mitarbeiter sprechen"])
def test_a_typed_request_for_a_human_escalates_without_the_ai(client, run_jobs, kb, operator, message):
    response = client.post("/api/chat", json={"message": message})
    assert response.status_code == 200 and response.json["pending"] is False
    assert run_jobs() == 0
    assert response.json["status"] == "WITH_OPERATOR"
    assert "BOT" not in [m["sender"] for m in response.json["messages"]]
    assert db.session.query(AnalyticsEvent).filter_by(
        type="escalation_request", session_public_id=response.json["sessionId"]).count() == 1


def test_with_nobody_online_a_typed_request_offers_a_ticket(client, kb):
    data = client.post("/api/chat", json={"message": "operatore per favore"}).json
    system = data["messages"][-1]
    assert data["status"] == "ACTIVE" and system["sender"] == "SYSTEM"
    assert [a["action"] for a in system["metadata"]["smartActions"]] == ["request_ticket", "continue_ai"]


def test_the_request_operator_button_queues_and_the_poll_shows_the_position(client, run_jobs, kb, make, app):
    busy = make.operator(is_online=True)
    app.config["MAX_CHATS_PER_OPERATOR"], saved = 0, app.config["MAX_CHATS_PER_OPERATOR"]
    try:
        _, first = say(client, run_jobs, "Ho un problema con il mio ordine")
        response = action(client, first["sessionId"], "request_operator")
        assert response.status_code == 200 and response.json["status"] == "WAITING_OPERATOR"
        assert response.json["messages"][-1]["metadata"]["kind"] == "queue_position"
        poll = client.get(f"/api/chat/poll/{first['sessionId']}").json
        assert poll["queue"]["position"] == 1 and poll["queue"]["estimatedWaitMinutes"] >= 1
        assert busy.id and poll["operator"] is None
    finally:
        app.config["MAX_CHATS_PER_OPERATOR"] = saved


def test_a_message_while_waiting_goes_to_the_queue_not_the_ai(client, run_jobs, make):
    chat = make.chat(status="WAITING_OPERATOR")
    response = client.post("/api/chat", json={"message": "Quanto costa?", "sessionId": chat.public_id})
    assert [m["sender"] for m in response.json["messages"]] == ["USER"] and run_jobs() == 0


def test_continue_ai_while_waiting_leaves_the_queue(client, kb, make, app):
    make.operator(is_online=True)
    app.config["MAX_CHATS_PER_OPERATOR"], saved = 0, app.config["MAX_CHATS_PER_OPERATOR"]
    try:
        chat = make.chat()
        assert action(client, chat.public_id, "request_operator").json["status"] == "WAITING_OPERATOR"
        response = action(client, chat.public_id, "continue_ai")
        assert response.json["status"] == "ACTIVE"
        assert response.json["messages"][-1]["metadata"]["kind"] == "continue_ai"
        assert client.get(f"/api/chat/poll/{chat.public_id}").json["queue"] is None
    finally:
        app.config["MAX_CHATS_PER_OPERATOR"] = saved


def test_end_chat_with_an_operator_resolves_and_asks_for_a_rating(client, kb, operator):
    data = client.post("/api/chat", json={"message": "voglio un operatore"}).json
    assert data["status"] == "WITH_OPERATOR"
    response = action(client, data["sessionId"], "end_chat")
    assert response.json["status"] == "RESOLVED"
    kinds = [m["metadata"].get("kind") for m in response.json["messages"]]
    assert "goodbye" in kinds and "rating_request" in kinds
    rating = client.post(f"/api/chat/{data['sessionId']}/rating", json={"rating": 5})
    assert rating.status_code == 201


def test_after_end_chat_the_visitor_talks_to_the_ai_again(client, run_jobs, kb, operator):
    data = client.post("/api/chat", json={"message": "voglio un operatore"}).json
    action(client, data["sessionId"], "end_chat")
    _, again = say(client, run_jobs, "Quali sono gli orari di apertura?", session_id=data["sessionId"])
    assert again["newSession"] is False and again["status"] == "ACTIVE" and "17:30" in again["reply"]
    assert db.session.query(ChatSession).filter_by(public_id=data["sessionId"]).one().ai_pending is False
