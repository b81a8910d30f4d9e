"""The sweep rules for silent visitors, long queue waits and overdue tickets, with time passed in (no sleeping)."""
from datetime import datetime, timedelta

from lucine_chatbot.chats import sweep
from lucine_chatbot.extensions import db
from lucine_chatbot.models import (
    AnalyticsEvent,
    ChatSession,
    ChatStatus,
    Message,
    QueueEntry,
    QueueStatus,
    Ticket,
    TicketStatus,
)
from lucine_chatbot.tickets import intake

NOW = datetime(2026, 12, 12, 18, 0)


def events_of(kind):
    return db.session.query(AnalyticsEvent).filter_by(type=kind).all()


def system_messages(chat, kind):
    return [m for m in db.session.query(Message).filter_by(session_id=chat.id, sender="SYSTEM")
            if m.meta.get("kind") == kind]


def operator_chat(make, operator, operator_said, visitor_said):
    return make.chat(status="WITH_OPERATOR", operator_id=operator.id, last_activity_at=operator_said,
                     last_operator_message_at=operator_said, last_visitor_message_at=visitor_said)


def test_visitor_silent_after_the_operator_spoke_gets_asked_if_still_there(make, operator):
    chat = operator_chat(make, operator, NOW - timedelta(seconds=601), NOW - timedelta(seconds=700))
    assert sweep.sweep(NOW)["await_client"] == 1
    assert db.session.get(ChatSession, chat.id).status == ChatStatus.WAITING_CLIENT
    [message] = system_messages(chat, "still_there")
    assert message.body and "{" not in message.body


def test_visitor_who_answered_the_operator_is_not_waited_for(make, operator):
    chat = operator_chat(make, operator, NOW - timedelta(seconds=900), NOW - timedelta(seconds=800))
    sweep.sweep(NOW)
    assert db.session.get(ChatSession, chat.id).status == ChatStatus.WITH_OPERATOR


def test_operator_who_spoke_recently_keeps_the_chat_with_operator(make, operator):
    chat = operator_chat(make, operator, NOW - timedelta(seconds=599), None)
    sweep.sweep(NOW)
    assert db.session.get(ChatSession, chat.id).status == ChatStatus.WITH_OPERATOR


def test_still_there_is_asked_once(make, operator):
    chat = operator_chat(make, operator, NOW - timedelta(seconds=601), None)
    sweep.sweep(NOW)
    sweep.sweep(NOW + timedelta(seconds=60))
    assert len(system_messages(chat, "still_there")) == 1


def queued_chat(make, waited_seconds):
    chat = make.chat(status="WAITING_OPERATOR", last_activity_at=NOW - timedelta(seconds=waited_seconds))
    db.session.add(QueueEntry(session_id=chat.id, enqueued_at=NOW - timedelta(seconds=waited_seconds)))
    db.session.flush()
    return chat


def test_a_long_queue_wait_offers_a_ticket_once(make):
    chat = queued_chat(make, 301)
    sweep.sweep(NOW)
    sweep.sweep(NOW + timedelta(seconds=60))
    [offer] = system_messages(chat, "queue_timeout")
    assert [a["action"] for a in offer.meta["smartActions"]] == ["request_ticket", "continue_ai"]
    entry = db.session.query(QueueEntry).one()
    assert entry.ticket_offered_at == NOW and entry.status == QueueStatus.WAITING
    assert len(events_of("queue_timeout")) == 1
    assert db.session.get(ChatSession, chat.id).status == ChatStatus.WAITING_OPERATOR


def test_a_short_queue_wait_is_left_alone(make):
    chat = queued_chat(make, 299)
    sweep.sweep(NOW)
    assert system_messages(chat, "queue_timeout") == []


def overdue_ticket(priority="MEDIUM", status="OPEN", overdue_by=timedelta(minutes=1)):
    ticket, _ = intake.create_ticket_from_visitor("Aiuto", "EMAIL", email="a@example.com",
                                                   now=NOW - timedelta(days=1))
    ticket.priority, ticket.status, ticket.due_at = priority, status, NOW - overdue_by
    db.session.commit()
    return ticket


def test_an_overdue_ticket_is_escalated_once_with_priority_raised(make):
    ticket = overdue_ticket(priority="MEDIUM")
    assert sweep.sweep(NOW)["escalate_overdue"] == 1
    sweep.sweep(NOW + timedelta(hours=1))
    ticket = db.session.get(Ticket, ticket.id)
    assert ticket.status == TicketStatus.ESCALATED and str(ticket.priority) == "HIGH"
    assert ticket.sla_breached and ticket.breached_at == NOW
    [event] = events_of("ticket_sla_breached")
    assert event.data["ticketNumber"] == ticket.number and event.data["previousPriority"] == "MEDIUM"


def test_urgent_stays_urgent_when_breached(make):
    ticket = overdue_ticket(priority="URGENT")
    sweep.sweep(NOW)
    assert str(db.session.get(Ticket, ticket.id).priority) == "URGENT"


def test_resolved_or_not_yet_due_tickets_are_not_escalated(make):
    resolved = overdue_ticket(status="RESOLVED")
    pending = overdue_ticket(overdue_by=timedelta(minutes=-5))
    sweep.sweep(NOW)
    assert db.session.get(Ticket, resolved.id).status == TicketStatus.RESOLVED
    assert db.session.get(Ticket, pending.id).status == TicketStatus.OPEN
    assert events_of("ticket_sla_breached") == []
