"""Tickets from visitors and from chats: numbers, contact validation, SLA due time, resume token, side effects."""
from datetime import datetime, timedelta

import pytest

from lucine_chatbot.chats.state_machine import InvalidTransition
from lucine_chatbot.extensions import db
from lucine_chatbot.models import (
    AnalyticsEvent,
    ChatSession,
    ChatStatus,
    InternalNote,
    Message,
    OperatorChat,
    QueueEntry,
    QueueStatus,
    Ticket,
)
from lucine_chatbot.platform.errors import BadRequest, NotFound, ValidationError
from lucine_chatbot.schemas.tickets import ticket_out
from lucine_chatbot.tickets import intake

NOW = datetime(2026, 12, 10, 15, 0)
TICKET_FIELDS = {"id", "ticketNumber", "status", "priority", "subject", "description", "contactMethod", "email",
                 "phone", "sessionId", "assignedTo", "createdAt", "updatedAt", "dueAt", "resolvedAt",
                 "slaBreached", "notes"}


def event_types():
    return [e.type for e in db.session.query(AnalyticsEvent).order_by(AnalyticsEvent.id)]


def test_visitor_ticket_gets_a_number_a_hashed_token_and_a_due_time(make):
    chat = make.chat(language="en")
    ticket, token = intake.create_ticket_from_visitor("Can I change my slot?", "EMAIL", email="Ana@Example.com",
                                                       session_public_id=chat.public_id, now=NOW)
    assert ticket.number.startswith("TKT-") and len(ticket.number) == 10
    assert ticket.resume_token_hash == intake.hash_token(token) and token not in ticket.resume_token_hash
    assert len(token) >= 40
    assert ticket.due_at == NOW + timedelta(hours=4) and str(ticket.priority) == "MEDIUM"
    assert ticket.email == "Ana@example.com" and ticket.session_id == chat.id and ticket.language == "en"
    assert "ticket_created" in event_types()


def test_visitor_ticket_tells_the_visitor_in_the_chat_when_to_expect_a_reply(make):
    chat = make.chat(language="it")
    ticket, _ = intake.create_ticket_from_visitor("Orari?", "EMAIL", email="a@example.com",
                                                   session_public_id=chat.public_id, now=NOW)
    system = db.session.query(Message).filter_by(session_id=chat.id, sender="SYSTEM").one()
    assert system.meta["kind"] == "ticket_created" and system.meta["ticketNumber"] == ticket.number
    assert ticket.number in system.body and "{" not in system.body


def test_visitor_ticket_without_a_chat_opens_one_for_the_resume_link(make):
    ticket, _ = intake.create_ticket_from_visitor("Ciao", "WHATSAPP", phone="+39 333 123-4567", now=NOW)
    assert ticket.session is not None and ticket.phone == "+393331234567"


def test_subject_defaults_to_the_first_line_of_the_description(make):
    ticket, _ = intake.create_ticket_from_visitor("Parcheggio camper\nQuanto costa?", "EMAIL",
                                                   email="a@example.com", now=NOW)
    assert ticket.subject == "Parcheggio camper"


@pytest.mark.parametrize("method, contact, error, field", [
    ("EMAIL", {}, BadRequest, "email"),
    ("EMAIL", {"email": "not-an-email"}, ValidationError, "email"),
    ("WHATSAPP", {"email": "a@example.com"}, BadRequest, "phone"),
    ("PHONE", {"phone": "333 1234567"}, ValidationError, "phone"),
    ("WHATSAPP", {"phone": "+12"}, ValidationError, "phone"),
    ("FAX", {"phone": "+393331234567"}, ValidationError, "contactMethod"),
])
def test_contact_is_required_and_validated_for_the_chosen_method(make, method, contact, error, field):
    with pytest.raises(error) as excinfo:
        intake.create_ticket_from_visitor("Aiuto", method, now=NOW, **contact)
    assert field in excinfo.value.fields
    assert db.session.query(Ticket).count() == 0


def test_visitor_who_leaves_a_message_leaves_the_queue(make):
    chat = make.chat(status="WAITING_OPERATOR")
    db.session.add(QueueEntry(session_id=chat.id))
    db.session.flush()
    intake.create_ticket_from_visitor("Aiuto", "EMAIL", email="a@example.com", session_public_id=chat.public_id,
                                       now=NOW)
    assert db.session.get(ChatSession, chat.id).status == ChatStatus.ACTIVE
    assert db.session.query(QueueEntry).one().status == QueueStatus.CANCELLED


def test_ticket_numbers_are_unique(make):
    numbers = {intake.create_ticket_from_visitor("x", "EMAIL", email="a@example.com", now=NOW)[0].number
               for _ in range(20)}
    assert len(numbers) == 20


def chat_with_operator(make, operator, messages=7):
    chat = make.chat(status="WITH_OPERATOR", operator_id=operator.id)
    db.session.add(OperatorChat(session_id=chat.id, operator_id=operator.id))
    for n in range(messages):
        make.message(chat, body=f"message {n}", sender="USER" if n % 2 == 0 else "OPERATOR")
    return chat


def test_ticket_from_chat_carries_the_last_five_messages_and_resolves_the_chat(make, operator):
    chat = chat_with_operator(make, operator)
    ticket = intake.create_ticket_from_chat(chat.public_id, operator, "Rimborso", description="Vuole rimborso",
                                             priority="HIGH", now=NOW)
    assert ticket.description.startswith("Vuole rimborso")
    assert "message 6" in ticket.description and "message 2" in ticket.description
    assert "message 1" not in ticket.description
    assert ticket.due_at == NOW + timedelta(hours=2) and ticket.created_by_id == operator.id
    assert db.session.get(ChatSession, chat.id).status == ChatStatus.RESOLVED
    assert ticket.number in db.session.query(InternalNote).filter_by(session_id=chat.id).one().content
    assert db.session.query(OperatorChat).one().ended_at == NOW
    assert {"ticket_from_chat", "ticket_created", "chat_status_changed"} <= set(event_types())


def test_ticket_from_an_unknown_chat_is_404(operator):
    with pytest.raises(NotFound):
        intake.create_ticket_from_chat("nope", operator, "x")


def test_ticket_from_an_ended_chat_is_409(make, operator):
    chat = make.chat(status="ENDED")
    with pytest.raises(InvalidTransition):
        intake.create_ticket_from_chat(chat.public_id, operator, "x")


def test_ticket_from_chat_validates_an_optional_contact(make, operator):
    chat = chat_with_operator(make, operator)
    with pytest.raises(ValidationError):
        intake.create_ticket_from_chat(chat.public_id, operator, "x", contact_method="EMAIL", email="bad")


def test_ticket_out_has_exactly_the_api_fields(make, operator):
    chat = chat_with_operator(make, operator)
    ticket = intake.create_ticket_from_chat(chat.public_id, operator, "Oggetto", contact_method="EMAIL",
                                             email="v@example.com", now=NOW)
    out = ticket_out(ticket)
    assert set(out) == TICKET_FIELDS
    assert out["sessionId"] == chat.public_id and out["dueAt"].endswith("Z") and out["notes"] == []


def test_ticket_from_an_already_resolved_chat_does_not_say_goodbye_twice(make, operator):
    chat = make.chat(status="RESOLVED")
    intake.create_ticket_from_chat(chat.public_id, operator, "Dopo la chat", now=NOW)
    kinds = [m.meta.get("kind") for m in db.session.query(Message).filter_by(session_id=chat.id)]
    assert kinds == ["ticket_created"] and "chat_resolved" not in event_types()
