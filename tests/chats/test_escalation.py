"""Escalation: assign at once, queue honestly, or offer a ticket; fairness and queue order."""
from datetime import datetime, timedelta

import pytest

from lucine_chatbot.chats import assignment, escalation
from lucine_chatbot.extensions import db
from lucine_chatbot.models import AnalyticsEvent, ChatStatus, OperatorChat, QueueEntry, QueueStatus, utcnow

NOW = datetime(2026, 12, 10, 18, 0)  # 19:00 in Rome


def events_of(kind):
    return db.session.query(AnalyticsEvent).filter_by(type=kind).all()


def kinds(messages):
    return [m.meta["kind"] for m in messages]


def busy(make, op, chats=1):
    for _ in range(chats):
        chat = make.chat(status="WITH_OPERATOR", operator_id=op.id)
        db.session.add(OperatorChat(session_id=chat.id, operator_id=op.id))
    db.session.flush()


@pytest.fixture
def capacity_one(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CHATS_PER_OPERATOR", 1)


def test_nobody_online_offers_a_ticket_with_the_expected_reply_time(make):
    chat = make.chat(language="en")
    messages = escalation.request_operator(chat, "typed_request", now=NOW)
    assert kinds(messages) == ["no_operator"]
    assert [a["action"] for a in messages[0].meta["smartActions"]] == ["request_ticket", "continue_ai"]
    assert "10 December at 23:00" in messages[0].body  # 4 h from 19:00 Rome
    assert chat.status == ChatStatus.ACTIVE
    assert len(events_of("escalation_request")) == 1 and len(events_of("escalation_failed")) == 1


def test_outside_operator_hours_offers_a_ticket_even_with_someone_online(make, app, monkeypatch):
    monkeypatch.setitem(app.config, "OPERATOR_HOURS", "17:00-23:00")
    make.operator(is_online=True)
    chat = make.chat()
    messages = escalation.request_operator(chat, "typed_request", now=datetime(2026, 12, 10, 9, 0))
    assert kinds(messages) == ["outside_hours"]
    assert "10 dicembre alle 21:00" in messages[0].body  # opens 17:00, +4 working hours
    assert chat.status == ChatStatus.ACTIVE


def test_online_operator_with_capacity_gets_the_chat_at_once(make):
    op = make.operator(is_online=True, display_name="Giulia")
    chat = make.chat()
    messages = escalation.request_operator(chat, "unsure", now=NOW)
    assert kinds(messages) == ["operator_joined"] and "Giulia" in messages[0].body
    assert chat.status == ChatStatus.WITH_OPERATOR and chat.operator_id == op.id
    assert db.session.query(OperatorChat).filter_by(session_id=chat.id, ended_at=None).one().operator_id == op.id
    assert op.last_assigned_at == NOW
    assert len(events_of("operator_connected")) == 1


def test_assignment_prefers_the_operator_with_fewest_open_chats(make):
    loaded = make.operator(is_online=True)
    idle = make.operator(is_online=True)
    busy(make, loaded, 2)
    chat = make.chat()
    escalation.request_operator(chat, "typed_request", now=NOW)
    assert chat.operator_id == idle.id


def test_assignment_ties_go_round_robin_by_least_recent_assignment(make):
    first, second = make.operator(is_online=True), make.operator(is_online=True)
    owners = []
    for minute in range(4):
        chat = make.chat()
        escalation.request_operator(chat, "typed_request", now=NOW + timedelta(minutes=minute))
        owners.append(chat.operator_id)
        assignment.end_stint(chat, NOW + timedelta(minutes=minute), "test")
    assert owners == [first.id, second.id, first.id, second.id]


def test_offline_and_inactive_operators_are_never_assigned(make):
    make.operator(is_online=False)
    make.operator(is_online=True, is_active=False)
    chat = make.chat()
    assert kinds(escalation.request_operator(chat, "typed_request", now=NOW)) == ["no_operator"]


def test_when_everyone_is_full_the_chat_queues_with_position_and_wait(make, capacity_one):
    op = make.operator(is_online=True)
    busy(make, op)
    first, second = make.chat(), make.chat()
    escalation.request_operator(first, "typed_request", now=NOW)
    messages = escalation.request_operator(second, "typed_request", now=NOW + timedelta(seconds=1))
    assert kinds(messages) == ["queue_position"] and messages[0].meta["position"] == 2
    assert second.status == ChatStatus.WAITING_OPERATOR
    assert escalation.queue_position(first)["position"] == 1
    assert escalation.queue_position(second) == {"position": 2, "estimatedWaitMinutes": 6}


def test_queue_is_ordered_by_priority_then_arrival(make, capacity_one):
    busy(make, make.operator(is_online=True))
    early, late, urgent = make.chat(), make.chat(), make.chat()
    escalation.request_operator(early, "r", now=NOW)
    escalation.request_operator(late, "r", now=NOW + timedelta(seconds=5))
    escalation.request_operator(urgent, "r", now=NOW + timedelta(seconds=9), priority=3)
    assert [escalation.queue_position(c)["position"] for c in (urgent, early, late)] == [1, 2, 3]
    assert [e.session_id for e in assignment.waiting_entries(10)] == [urgent.id, early.id, late.id]


def test_a_full_queue_offers_a_ticket_at_once(make, app, monkeypatch, capacity_one):
    monkeypatch.setitem(app.config, "QUEUE_MAX_LENGTH", 1)
    busy(make, make.operator(is_online=True))
    escalation.request_operator(make.chat(), "r", now=NOW)
    chat = make.chat()
    assert kinds(escalation.request_operator(chat, "r", now=NOW)) == ["queue_full"]
    assert chat.status == ChatStatus.ACTIVE


def test_asking_again_while_waiting_or_with_an_operator_adds_nothing(make, capacity_one):
    op = make.operator(is_online=True)
    assigned, waiting = make.chat(), make.chat()
    escalation.request_operator(assigned, "r", now=NOW)
    escalation.request_operator(waiting, "r", now=NOW)
    assert escalation.request_operator(assigned, "r", now=NOW) == []
    assert escalation.request_operator(waiting, "r", now=NOW) == []
    assert db.session.query(QueueEntry).count() == 1 and assigned.operator_id == op.id


def test_continue_ai_while_waiting_leaves_the_queue(make, capacity_one):
    busy(make, make.operator(is_online=True))
    chat = make.chat()
    escalation.request_operator(chat, "r", now=NOW)
    messages = escalation.cancel_request(chat, now=NOW)
    assert kinds(messages) == ["continue_ai"] and chat.status == ChatStatus.ACTIVE
    assert db.session.query(QueueEntry).one().status == QueueStatus.CANCELLED
    assert escalation.queue_position(chat) is None


def test_visitor_ending_an_operator_chat_resolves_it_and_frees_the_slot_for_the_queue(make, capacity_one):
    op = make.operator(is_online=True)
    talking, waiting = make.chat(), make.chat()
    escalation.request_operator(talking, "r", now=NOW)
    escalation.request_operator(waiting, "r", now=NOW)
    messages = escalation.end_chat_by_visitor(talking, now=NOW)
    assert kinds(messages) == ["goodbye", "rating_request"]
    assert talking.status == ChatStatus.RESOLVED and talking.operator_id is None
    assert waiting.status == ChatStatus.WITH_OPERATOR and waiting.operator_id == op.id
    assert db.session.query(QueueEntry).filter_by(session_id=waiting.id).one().status == QueueStatus.ASSIGNED


def test_ending_a_chat_the_ai_still_handles_does_nothing(make):
    chat = make.chat()
    assert escalation.end_chat_by_visitor(chat) == []
    assert chat.status == ChatStatus.ACTIVE


def test_claiming_a_chat_someone_else_holds_is_a_conflict(make):
    first, second = make.operator(is_online=True), make.operator(is_online=True)
    chat = make.chat(status="WAITING_OPERATOR")
    assignment.assign(chat, first, utcnow(), "take")
    with pytest.raises(assignment.ChatAlreadyTaken):
        assignment.assign(chat, second, utcnow(), "take")


def test_claiming_beyond_capacity_is_a_conflict(make, capacity_one):
    op = make.operator(is_online=True)
    busy(make, op)
    with pytest.raises(assignment.OperatorAtCapacity):
        assignment.assign(make.chat(status="WAITING_OPERATOR"), op, utcnow(), "take")


@pytest.mark.parametrize("status", ["RESOLVED", "NOT_RESOLVED", "CANCELLED", "IDLE"])
def test_a_closed_or_quiet_chat_asking_again_reopens_and_gets_an_operator(make, status):
    op = make.operator(is_online=True)
    chat = make.chat(status=status)
    assert kinds(escalation.request_operator(chat, "visitor_request", now=NOW)) == ["operator_joined"]
    assert chat.status == ChatStatus.WITH_OPERATOR and chat.operator_id == op.id


def test_an_ended_chat_cannot_ask_for_an_operator(make):
    make.operator(is_online=True)
    chat = make.chat(status="ENDED")
    assert escalation.request_operator(chat, "visitor_request", now=NOW) == []
