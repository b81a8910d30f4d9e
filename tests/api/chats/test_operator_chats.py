"""The queue, taking, answering and transferring chats over HTTP."""
from datetime import timedelta

import pytest

from lucine_chatbot.extensions import db
from lucine_chatbot.models import (
    AnalyticsEvent,
    ChatStatus,
    InternalNote,
    Message,
    OperatorChat,
    QueueEntry,
    Sender,
    utcnow,
)
from tests.support import factories


def queued(make, priority=1, minutes_ago=0, body="Aiuto"):
    chat = make.chat(status="WAITING_OPERATOR")
    make.message(chat, body)
    db.session.add(QueueEntry(session_id=chat.id, priority=priority,
                              enqueued_at=utcnow() - timedelta(minutes=minutes_ago)))
    db.session.flush()
    return chat


def take(client, chat, headers):
    return client.post("/api/operators/take-chat", json={"sessionId": chat.public_id}, headers=headers)


def test_pending_chats_come_in_queue_order_with_position_and_last_message(client, make, operator_headers):
    old = queued(make, minutes_ago=5, body="prima")
    new = queued(make, minutes_ago=1, body="dopo")
    urgent = queued(make, priority=3, body="urgente")
    chats = client.get("/api/operators/pending-chats", headers=operator_headers).get_json()["chats"]
    assert [c["sessionId"] for c in chats] == [urgent.public_id, old.public_id, new.public_id]
    assert [c["queuePosition"] for c in chats] == [1, 2, 3]
    assert chats[1]["lastMessage"] == "prima" and chats[1]["messageCount"] == 1
    assert chats[0]["priority"] == "URGENT" and chats[1]["waitingSince"].endswith("Z")


def test_taking_a_waiting_chat_assigns_it_and_tells_the_visitor(client, make, operator, operator_headers):
    chat = queued(make)
    response = take(client, chat, operator_headers)
    assert response.status_code == 200
    assert response.get_json()["status"] == "WITH_OPERATOR" and response.get_json()["operator"]["id"] == operator.id
    joined = db.session.query(Message).filter_by(session_id=chat.id, sender=Sender.SYSTEM).one()
    assert joined.meta["kind"] == "operator_joined" and operator.display_name in joined.body
    assert db.session.query(QueueEntry).filter_by(session_id=chat.id).one().status == "ASSIGNED"


def test_taking_a_chat_someone_else_has_is_409(client, make, operator_headers):
    chat = queued(make)
    take(client, chat, factories.auth_headers(make.operator()))
    assert take(client, chat, operator_headers).status_code == 409


def test_taking_a_closed_chat_is_409(client, make, operator_headers):
    assert take(client, make.chat(status="RESOLVED"), operator_headers).status_code == 409


def test_taking_beyond_capacity_is_409(client, make, app, monkeypatch, operator_headers):
    monkeypatch.setitem(app.config, "MAX_CHATS_PER_OPERATOR", 1)
    take(client, queued(make), operator_headers)
    assert take(client, queued(make), operator_headers).status_code == 409


def test_an_offline_operator_may_still_take_a_chat(client, make):
    offline = make.operator(is_online=False)
    assert take(client, queued(make), factories.auth_headers(offline)).status_code == 200


def test_taking_an_unknown_chat_is_404(client, operator_headers):
    response = client.post("/api/operators/take-chat", json={"sessionId": "nope"}, headers=operator_headers)
    assert response.status_code == 404


def test_the_owners_reply_reaches_the_visitor_and_counts_as_first_response(client, make, operator,
                                                                         operator_headers):
    chat = queued(make)
    take(client, chat, operator_headers)
    response = client.post("/api/operators/send-message", json={"sessionId": chat.public_id, "message": "Eccomi"},
                           headers=operator_headers)
    message = response.get_json()["message"]
    assert response.status_code == 201 and message["sender"] == "OPERATOR"
    assert message["metadata"]["operatorName"] == operator.display_name
    assert db.session.query(OperatorChat).filter_by(session_id=chat.id).one().first_response_at is not None
    assert chat.last_operator_message_at is not None


def test_replying_to_a_closed_chat_is_409(client, make, admin_headers):
    chat = make.chat(status="ENDED")
    response = client.post("/api/operators/send-message", json={"sessionId": chat.public_id, "message": "Hi"},
                           headers=admin_headers)
    assert response.status_code == 409


def test_a_reply_over_the_length_limit_is_422(client, make, operator_headers):
    chat = queued(make)
    take(client, chat, operator_headers)
    response = client.post("/api/operators/send-message",
                           json={"sessionId": chat.public_id, "message": "x" * 1001}, headers=operator_headers)
    assert response.status_code == 422


def test_transfer_hands_the_chat_over_with_a_note_and_a_visitor_message(client, make, operator_headers):
    target = make.operator(is_online=True, display_name="Luca")
    chat = queued(make)
    take(client, chat, operator_headers)
    response = client.post("/api/operators/transfer", headers=operator_headers,
                           json={"sessionId": chat.public_id, "toOperatorId": target.id, "reason": "tedesco"})
    assert response.status_code == 200 and chat.operator_id == target.id
    assert "tedesco" in db.session.query(InternalNote).filter_by(session_id=chat.id).one().content
    last = db.session.query(Message).filter_by(session_id=chat.id).order_by(Message.id.desc()).first()
    assert last.meta["kind"] == "operator_transferred" and "Luca" in last.body
    stints = db.session.query(OperatorChat).filter_by(session_id=chat.id).order_by(OperatorChat.id).all()
    assert [s.ended_at is None for s in stints] == [False, True] and stints[1].operator_id == target.id
    assert db.session.query(AnalyticsEvent).filter_by(type="chat_transferred").count() == 1


@pytest.mark.parametrize("target_state", ["offline", "full", "inactive"])
def test_transfer_to_an_unavailable_operator_is_409(client, make, app, monkeypatch, operator_headers,
                                                    target_state):
    monkeypatch.setitem(app.config, "MAX_CHATS_PER_OPERATOR", 1)
    target = make.operator(is_online=target_state != "offline", is_active=target_state != "inactive")
    if target_state == "full":
        take(client, queued(make), factories.auth_headers(target))
    chat = queued(make)
    take(client, chat, operator_headers)
    response = client.post("/api/operators/transfer", headers=operator_headers,
                           json={"sessionId": chat.public_id, "toOperatorId": target.id})
    assert response.status_code == 409
    assert chat.status == ChatStatus.WITH_OPERATOR


def test_transfer_to_an_unknown_operator_is_404(client, make, operator_headers):
    chat = queued(make)
    take(client, chat, operator_headers)
    response = client.post("/api/operators/transfer", headers=operator_headers,
                           json={"sessionId": chat.public_id, "toOperatorId": 999999})
    assert response.status_code == 404


def test_transfer_frees_a_slot_that_the_queue_fills(client, make, app, monkeypatch, operator, operator_headers):
    monkeypatch.setitem(app.config, "MAX_CHATS_PER_OPERATOR", 1)
    target = make.operator(is_online=True)
    chat = queued(make)
    take(client, chat, operator_headers)
    waiting = queued(make)
    client.post("/api/operators/transfer", headers=operator_headers,
                json={"sessionId": chat.public_id, "toOperatorId": target.id})
    assert waiting.operator_id == operator.id and waiting.status == ChatStatus.WITH_OPERATOR
