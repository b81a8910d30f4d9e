"""The visitor's side of a conversation: messages, widget actions, rating and erasure (polling: polling.py;
the assistant's replies: replies.py)."""
import logging
import secrets
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app

from lucine_chatbot.assistant import text as assistant_text
from lucine_chatbot.assistant.gate import is_human_request
from lucine_chatbot.chats import escalation, lookup, messages, state_machine
from lucine_chatbot.chats.visitor import visitor_write
from lucine_chatbot.extensions import db
from lucine_chatbot.insights import events, retention
from lucine_chatbot.models import (
    AnalyticsEvent,
    ChatSession,
    ChatStatus,
    InternalNote,
    Message,
    OperatorChat,
    QueueEntry,
    Sender,
    utcnow,
)
from lucine_chatbot.platform import dispatch
from lucine_chatbot.platform.database import keeping_state
from lucine_chatbot.platform.errors import BadRequest, Conflict, ValidationError

logger = logging.getLogger(__name__)


@dataclass
class Outcome:
    """What a visitor request produced: the session, whether it is new, the messages it created."""

    session: ChatSession
    new_session: bool = False
    messages: list = field(default_factory=list)


# --- sessions ----------------------------------------------------------------------------------


def open_session(public_id, language=None, now=None):
    """The visitor's session locked for the change (chats/lookup.py), or a new one (server-generated id) when
    unknown or ENDED; not flushed yet."""
    session = lookup.find(public_id, for_change=True)
    if session is not None and session.status != ChatStatus.ENDED:
        return session, False
    now = now or utcnow()
    session = ChatSession(public_id=secrets.token_urlsafe(24), status=ChatStatus.ACTIVE,
                          language=language or "it", created_at=now, last_activity_at=now,
                          status_changed_at=now, meta={"languageHint": True} if language else {})
    db.session.add(session)
    events.record("chat_started", session, language=session.language)
    return session, True


def remember_language(session, message):
    """Detect it/en/de from the message; once a detection was confident it is kept."""
    meta = dict(session.meta or {})
    if meta.get("languageConfirmed"):
        return
    language, confident = assistant_text.detect_language(message)
    if language and (confident or not meta.get("languageHint")):  # a guess never beats the widget's hint
        session.language = language
    if confident:
        meta["languageConfirmed"] = True
        session.meta = meta


def add_message(session, sender, body, now, flush=True, **fields):
    message = Message(session=session, sender=Sender(sender), body=body, created_at=now,
                      meta=fields.pop("meta", {}), **fields)
    db.session.add(message)
    session.last_activity_at = now
    if flush:
        db.session.flush()
    return message


# --- visitor messages --------------------------------------------------------------------------


def check_message(body):
    body = (body or "").strip()
    if not body:
        raise BadRequest("The message is empty.", fields={"message": "required"})
    limit = current_app.config["MAX_MESSAGE_LENGTH"]
    if len(body) > limit:
        raise ValidationError(f"The message is longer than {limit} characters.",
                              fields={"message": f"at most {limit} characters"})
    return body


@lookup.retried_once
def post_message(public_id, body, language=None, now=None):
    """Store the visitor's message and route it: to the assistant, to the human side, or reactivate.

    Commits, then (AI statuses) enqueues the reply job. The outcome's messages are those this request
    created, including a reply already produced inline.
    """
    body, now = check_message(body), now or utcnow()
    session, new = open_session(public_id, language, now)
    remember_language(session, body)
    user = add_message(session, Sender.USER, body, now, flush=False)
    events.record("chat_message", session, sender="USER", length=len(body))
    status = ChatStatus(session.status)
    if status in state_machine.AI_STATUSES and not is_human_request(body):
        state_machine.change_status(session, ChatStatus.ACTIVE, reason="visitor_message", now=now)
        session.ai_pending = True
        return _to_the_assistant(session, new, user)
    if status in state_machine.AI_STATUSES:
        escalation.request_operator(session, "visitor_request", now=now)
    else:
        to_human(session, status, now)
    db.session.commit()
    if session.ai_pending:
        _enqueue_reply(user)
        db.session.expire_all()
    return Outcome(session, new, messages_since(session, user.id - 1))


def _to_the_assistant(session, new, user):
    """The common case, written in one statement on PostgreSQL (session, message and events together,
    chats/visitor/visitor_write.py; else one flush) and one commit, and answered from what was written instead of
    reading it back (docs/performance.md)."""
    if visitor_write.applies(session, user):
        visitor_write.write(session, user)
    with keeping_state():
        db.session.commit()
    if _enqueue_reply(user) is not None:
        return Outcome(session, new, [user])
    db.session.expire_all()  # the reply was written inline, by this process: show it too
    return Outcome(session, new, messages_since(session, user.id - 1))


def _enqueue_reply(user):
    return dispatch.enqueue("generate_reply", user.id)


def to_human(session, status, now):
    """A message while a human is involved never reaches the AI; WAITING_CLIENT wakes the chat up."""
    session.last_visitor_message_at = now
    escalation.visitor_wrote(session)
    if status == ChatStatus.WAITING_CLIENT:
        state_machine.change_status(session, ChatStatus.WITH_OPERATOR, reason="visitor_returned", now=now)
        events.record("chat_reactivated", session, operator_id=session.operator_id)
        messages.system_message(session, "chat_reactivated", now)


def messages_since(session, after_id):
    query = db.session.query(Message).filter(Message.session_id == session.id)
    if after_id is not None:
        query = query.filter(Message.id > after_id)
    return query.order_by(Message.id).all()


@lookup.retried_once
def perform_action(public_id, action, now=None):
    """`request_operator`, `continue_ai` or `end_chat` from the widget's buttons; commits."""
    session, now = lookup.get(public_id, for_change=True), now or utcnow()
    before = db.session.query(sa.func.max(Message.id)).filter(Message.session_id == session.id).scalar()
    status = ChatStatus(session.status)
    if action == "request_operator" and status not in state_machine.HUMAN_STATUSES | {ChatStatus.ENDED}:
        escalation.request_operator(session, "visitor_request", now=now)
    elif action == "continue_ai" and status == ChatStatus.WAITING_OPERATOR:
        escalation.cancel_request(session)
    elif action == "continue_ai" and status in state_machine.AI_STATUSES:
        messages.system_message(session, "continue_ai", now)
        session.last_activity_at = now
    elif action == "end_chat" and status != ChatStatus.ENDED:
        escalation.end_chat_by_visitor(session)
    db.session.commit()
    return Outcome(session, False, messages_since(session, before or 0))


# --- rating and erasure ------------------------------------------------------------------------


def rate(public_id, rating, comment=None, now=None):
    """CSAT for the latest operator stint. :raise Conflict: no operator chat, or already rated."""
    session = lookup.get(public_id)
    stint = (db.session.query(OperatorChat).filter_by(session_id=session.id)
             .order_by(OperatorChat.assigned_at.desc(), OperatorChat.id.desc()).first())
    if stint is None:
        raise Conflict("There is no operator chat to rate.")
    if stint.rating is not None:
        raise Conflict("This chat has already been rated.")
    stint.rating, stint.rating_comment, stint.rated_at = rating, comment or None, now or utcnow()
    events.record("chat_rated", session, operator_id=stint.operator_id, rating=rating)
    db.session.commit()
    return stint


def erase(public_id, now=None):
    """The visitor's right to erasure: content and PII go, counts stay; the session id stops existing."""
    session, now = lookup.get(public_id, for_change=True), now or utcnow()
    counts = {"messages": db.session.query(Message).filter_by(session_id=session.id).delete()}
    db.session.query(InternalNote).filter_by(session_id=session.id).delete()
    db.session.query(QueueEntry).filter_by(session_id=session.id).delete()
    db.session.query(OperatorChat).filter_by(session_id=session.id).update(
        {"rating_comment": None, "ended_at": sa.func.coalesce(OperatorChat.ended_at, now)},
        synchronize_session=False)
    counts["tickets"] = retention.erase_ticket_pii(session.id)
    db.session.query(AnalyticsEvent).filter_by(session_public_id=session.public_id).delete()
    session.public_id = f"erased-{secrets.token_urlsafe(24)}"
    session.meta, session.operator_id, session.ai_pending = {}, None, False
    state_machine.change_status(session, ChatStatus.ENDED, reason="erased", now=now)  # under the new id
    events.record("data_deleted", None, **counts)
    db.session.commit()
