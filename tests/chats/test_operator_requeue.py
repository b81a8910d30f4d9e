"""An operator who does not answer in time loses the chat to the queue or to a colleague (sweep rule)."""
from datetime import datetime, timedelta

from lucine_chatbot.chats import escalation, operator_desk, sweep
from lucine_chatbot.extensions import db
from lucine_chatbot.models import ChatStatus, InternalNote, Message, OperatorChat, QueueEntry, Sender

NOW = datetime(2026, 12, 10, 18, 0)


def assigned(make, op, at):
    chat = make.chat(last_activity_at=at)
    escalation.request_operator(chat, "typed_request", now=at)
    assert chat.operator_id == op.id
    return chat


def system_kinds(chat):
    return [m.meta["kind"] for m in db.session.query(Message).filter_by(session_id=chat.id, sender=Sender.SYSTEM)
            .order_by(Message.id)]


def test_a_silent_operator_sends_the_chat_back_to_the_queue_with_a_note(make):
    silent = make.operator(is_online=True)
    chat = assigned(make, silent, NOW)
    sweep.sweep(NOW + timedelta(seconds=181))
    assert chat.status == ChatStatus.WAITING_OPERATOR and chat.operator_id is None
    assert system_kinds(chat) == ["operator_joined", "operator_requeued"]
    assert "180 s" in db.session.query(InternalNote).filter_by(session_id=chat.id).one().content
    entry = db.session.query(QueueEntry).filter_by(session_id=chat.id, status="WAITING").one()
    assert entry.priority == operator_desk.REQUEUE_PRIORITY
    assert db.session.query(OperatorChat).filter_by(session_id=chat.id).one().end_reason == "operator_requeued"


def test_a_silent_operators_chat_goes_to_another_online_operator_when_one_has_room(make):
    silent = make.operator(is_online=True)
    chat = assigned(make, silent, NOW)
    colleague = make.operator(is_online=True)
    sweep.sweep(NOW + timedelta(seconds=181))
    assert chat.status == ChatStatus.WITH_OPERATOR and chat.operator_id == colleague.id
    assert system_kinds(chat) == ["operator_joined", "operator_requeued", "operator_joined"]


def test_an_operator_who_answered_or_is_within_time_keeps_the_chat(make):
    op = make.operator(is_online=True)
    answered = assigned(make, op, NOW)
    operator_desk.send_message(op.id, answered.public_id, "Eccomi", now=NOW + timedelta(seconds=60))
    recent = assigned(make, op, NOW + timedelta(seconds=100))
    sweep.sweep(NOW + timedelta(seconds=200))
    assert answered.operator_id == op.id and recent.operator_id == op.id


def test_the_reply_timeout_is_a_setting(make, app, monkeypatch):
    monkeypatch.setitem(app.config, "OPERATOR_REPLY_TIMEOUT_SECONDS", 30)
    op = make.operator(is_online=True)
    chat = assigned(make, op, NOW)
    sweep.sweep(NOW + timedelta(seconds=31))
    assert chat.status == ChatStatus.WAITING_OPERATOR


def test_the_sweep_drains_the_queue_when_capacity_freed_elsewhere(make, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CHATS_PER_OPERATOR", 1)
    op = make.operator(is_online=True)
    first = assigned(make, op, NOW)
    operator_desk.send_message(op.id, first.public_id, "Eccomi", now=NOW)
    waiting = make.chat()
    escalation.request_operator(waiting, "typed_request", now=NOW)
    db.session.query(OperatorChat).filter_by(session_id=first.id).update({"ended_at": NOW})
    sweep.sweep(NOW + timedelta(seconds=10))
    assert waiting.operator_id == op.id
