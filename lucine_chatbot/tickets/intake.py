"""Tickets: created by visitors or from a chat, with an SLA due time in working hours and a resume token."""
import base64
import hashlib
import hmac
import logging
import re
import secrets

from email_validator import EmailNotValidError, validate_email
from flask import current_app

from lucine_chatbot.chats import assignment, escalation, lookup, messages, state_machine
from lucine_chatbot.extensions import db
from lucine_chatbot.insights import events
from lucine_chatbot.models import (
    ChatSession,
    ChatStatus,
    ContactMethod,
    InternalNote,
    Message,
    OperatorChat,
    Priority,
    QueueEntry,
    QueueStatus,
    Ticket,
    utcnow,
)
from lucine_chatbot.notifications import outbox, phone_limits
from lucine_chatbot.platform.clock import format_moment, iso
from lucine_chatbot.platform.errors import BadRequest, NotFound, ValidationError
from lucine_chatbot.tickets import sla

logger = logging.getLogger(__name__)

NUMBER_PREFIX = "TKT-"
NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud on the phone
NUMBER_LENGTH = 6
SUBJECT_MAX = 200
CHAT_EXCERPT_MESSAGES = 5
E164 = re.compile(r"^\+[1-9]\d{7,14}$")
PHONE_SEPARATORS = re.compile(r"[\s().\-/]")
PHONE_METHODS = (ContactMethod.WHATSAPP, ContactMethod.PHONE)


def hash_token(token):
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def resume_token(number, nonce):
    """The resume token of ticket `number`: HMAC-SHA256 of the number and a random nonce under SECRET_KEY, so the
    confirmation job derives it again from the outbox row (which keeps only the nonce, until it is sent) and
    the token itself is never stored, queued or logged. Same shape as `token_urlsafe(32)`: 43 characters."""
    message = f"ticket-resume:{number}:{nonce}".encode()
    digest = hmac.new(current_app.config["SECRET_KEY"].encode("utf-8"), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def resume_token_of(ticket, nonce):
    """The token whose hash `ticket` keeps, or None (no nonce, erased ticket, SECRET_KEY changed since)."""
    if not nonce or not ticket.resume_token_hash:
        return None
    token = resume_token(ticket.number, nonce)
    return token if hmac.compare_digest(hash_token(token), ticket.resume_token_hash) else None


def new_number():
    """`TKT-` + a short code; a collision (about 1 in 10⁹) draws again."""
    for _ in range(10):
        number = NUMBER_PREFIX + "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(NUMBER_LENGTH))
        if not db.session.query(Ticket.id).filter_by(number=number).first():
            return number
    raise RuntimeError("could not draw a free ticket number")


# --- contact validation -------------------------------------------------------------------------------------


def normalise_email(email):
    try:
        return validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValidationError("The email address is not valid.", fields={"email": str(exc)}) from None


def normalise_phone(phone):
    """E.164: `+`, then 8–15 digits; spaces, dots, dashes and brackets are tolerated and dropped."""
    compact = PHONE_SEPARATORS.sub("", phone or "")
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if not E164.match(compact):
        raise ValidationError("The phone number must be international, like +39 333 1234567.",
                              fields={"phone": "must be in international format: + and 8 to 15 digits"})
    return compact


def validate_contact(contact_method, email=None, phone=None):
    """(method, email, phone) normalised; the contact for the chosen method is required (400) and valid (422)."""
    try:
        method = ContactMethod(contact_method)
    except ValueError:
        raise ValidationError("Unknown contact method.",
                              fields={"contactMethod": "EMAIL, WHATSAPP or PHONE"}) from None
    email, phone = (email or "").strip() or None, (phone or "").strip() or None
    if method == ContactMethod.EMAIL and not email:
        raise BadRequest("An email address is needed to answer you.", fields={"email": "required for EMAIL"})
    if method in PHONE_METHODS and not phone:
        raise BadRequest("A phone number is needed to answer you.", fields={"phone": f"required for {method}"})
    email, phone = normalise_email(email) if email else None, normalise_phone(phone) if phone else None
    if method in PHONE_METHODS:
        refuse_unreachable_phone(phone)
    return method, email, phone


def refuse_unreachable_phone(phone):
    """A number we may not message (SMS_ALLOWED_COUNTRIES) is refused now, while the visitor can still leave an
    email, rather than accepted and never answered. :raise ValidationError: naming `phone` (422)."""
    if phone_limits.country_allowed(phone):
        return
    countries = ", ".join(phone_limits.allowed_countries())
    raise ValidationError("We can only send WhatsApp and SMS messages to some countries: please leave an email.",
                          fields={"phone": f"WhatsApp/SMS only to numbers of {countries}: please choose email"})


# --- creation ------------------------------------------------------------------------------------------------


def subject_from(description):
    first_line = description.strip().splitlines()[0] if description.strip() else ""
    return (first_line[:77] + "…") if len(first_line) > 80 else first_line or "Richiesta"


def new_session(language, now, source="ticket"):
    session = ChatSession(public_id=secrets.token_urlsafe(24), status=ChatStatus.ACTIVE, language=language,
                          created_at=now, last_activity_at=now, status_changed_at=now)
    db.session.add(session)
    db.session.flush()
    events.record("chat_started", session, source=source)
    return session


def build_ticket(session, description, subject, priority, contact, now, created_by_id=None):
    """Add the ticket, its hashed resume token and the visitor's confirmation (to the outbox, when there is a
    contact); returns (ticket, token). Does not commit."""
    method, email, phone = contact
    number, nonce = new_number(), secrets.token_urlsafe(16)
    token = resume_token(number, nonce)
    ticket = Ticket(number=number, subject=(subject or subject_from(description))[:SUBJECT_MAX],
                    description=description, priority=Priority(priority), contact_method=method, email=email,
                    phone=phone, language=session.language if session else "it",
                    session_id=session.id if session else None, created_by_id=created_by_id,
                    resume_token_hash=hash_token(token), created_at=now, updated_at=now,
                    due_at=sla.due_at(priority, now))
    db.session.add(ticket)
    db.session.flush()
    if email or phone:
        outbox.add("ticket_confirmation", ticketId=ticket.id, nonce=nonce)
    return ticket, token


def format_reply_by(due_at, language):
    """The due time as a visitor reads it (`25 novembre alle 18:30`), in the event's timezone."""
    return format_moment(due_at, language)


def tell_visitor_ticket_created(session, ticket, now):
    messages.system_message(session, "ticket_created", now,
                              meta={"ticketNumber": ticket.number, "expectedReplyBy": iso(ticket.due_at)},
                              ticketNumber=ticket.number,
                              expectedReplyBy=format_reply_by(ticket.due_at, session.language))
    session.last_activity_at = now


def leave_queue(session, now):
    """A visitor who leaves a message instead of waiting is no longer in the queue; the AI answers again."""
    assignment.mark_queue_entry(session, QueueStatus.CANCELLED, now)
    state_machine.change_status(session, ChatStatus.ACTIVE, reason="ticket", now=now)


@lookup.retried_once
def create_ticket_from_visitor(description, contact_method, email=None, phone=None, session_public_id=None,
                               subject=None, now=None, language=None):
    """A visitor leaves a message; returns (ticket, resume_token) and commits.

    :raise BadRequest: no description, or no contact for the chosen method (with `fields`).
    :raise ValidationError: an invalid email or phone (with `fields`).
    """
    now = now or utcnow()
    description = (description or "").strip()
    if not description:
        raise BadRequest("Please describe your request.", fields={"description": "required"})
    contact = validate_contact(contact_method, email, phone)
    session = lookup.find(session_public_id, for_change=True) or new_session(language or "it", now)
    if session.status == ChatStatus.WAITING_OPERATOR:
        leave_queue(session, now)
    ticket, token = build_ticket(session, description, subject, Priority.MEDIUM, contact, now)
    events.record("ticket_created", session, ticketNumber=ticket.number, priority=str(ticket.priority),
                  source="visitor", contactMethod=str(ticket.contact_method))
    tell_visitor_ticket_created(session, ticket, now)
    db.session.commit()
    return ticket, token


def chat_excerpt(session):
    """The last messages of the chat, oldest first, as plain text for the ticket description."""
    last = db.session.query(Message).filter_by(session_id=session.id).order_by(Message.id.desc()) \
        .limit(CHAT_EXCERPT_MESSAGES).all()
    return "\n".join(f"[{iso(m.created_at)}] {m.sender}: {m.body}" for m in reversed(last))


@lookup.retried_once
def create_ticket_from_chat(session_public_id, operator, subject, description=None, priority="MEDIUM",
                            contact_method=None, email=None, phone=None, now=None):
    """An operator turns a chat into a ticket: the chat's last messages go into it, the chat is RESOLVED.

    Commits; returns the ticket.
    :raise NotFound: unknown chat.  :raise InvalidTransition: the chat cannot be resolved (409).
    """
    now = now or utcnow()
    session = lookup.find(session_public_id, for_change=True)
    if session is None:
        raise NotFound("This chat does not exist.")
    if session.status != ChatStatus.RESOLVED and not state_machine.can_change(session.status, ChatStatus.RESOLVED):
        raise state_machine.InvalidTransition(f"A {session.status} chat cannot become a ticket.")
    contact = validate_contact(contact_method, email, phone) if contact_method else (None, None, None)
    try:
        priority = Priority(priority or Priority.MEDIUM)
    except ValueError:
        raise ValidationError("Unknown priority.", fields={"priority": "LOW, MEDIUM, HIGH or URGENT"}) from None
    parts = [(description or "").strip(), "--- Ultimi messaggi della chat ---\n" + chat_excerpt(session)]
    ticket, _ = build_ticket(session, "\n\n".join(p for p in parts if p), subject, priority, contact, now,
                             created_by_id=operator.id)
    db.session.add(InternalNote(session_id=session.id, operator_id=operator.id, created_at=now,
                                content=f"Ticket {ticket.number} creato da questa chat."))
    tell_visitor_ticket_created(session, ticket, now)
    if session.status != ChatStatus.RESOLVED:
        escalation.close_chat(session, ChatStatus.RESOLVED, now, reason="ticket", operator_id=operator.id)
    for kind in ("ticket_from_chat", "ticket_created"):
        events.record(kind, session, operator_id=operator.id, ticketNumber=ticket.number,
                      priority=str(ticket.priority), source="chat")
    db.session.commit()
    return ticket


# --- resuming -------------------------------------------------------------------------------------------

CHILD_TABLES = (Message, InternalNote, OperatorChat, QueueEntry, Ticket)


def revive(old, now):
    """An ENDED chat cannot reopen (the state machine says so): its history moves to a fresh session."""
    session = new_session(old.language if old else "it", now, source="ticket_resume")
    if old is not None:
        for model in CHILD_TABLES:
            db.session.query(model).filter(model.session_id == old.id).update(
                {"session_id": session.id}, synchronize_session=False)
        db.session.flush()
        db.session.expire_all()
        db.session.delete(db.session.get(ChatSession, old.id))
    return session


def resume_ticket(token, now=None):
    """The visitor's resume link: (ticket, session, messages); the session is usable by the widget again.

    Commits. :raise NotFound: unknown (or erased) token.
    """
    now = now or utcnow()
    ticket = db.session.query(Ticket).filter_by(resume_token_hash=hash_token(token or "")).first()
    if ticket is None:
        raise NotFound("This link is not valid any more.")
    session = ticket.session
    if session is None or session.status == ChatStatus.ENDED:
        session = revive(session, now)
        ticket = db.session.get(Ticket, ticket.id)
        ticket.session_id = session.id
    session.last_activity_at = now
    db.session.commit()
    return ticket, session, lookup.transcript(session.id)  # (the newest page, whether older messages exist)


# --- reading ---------------------------------------------------------------------------------------------
