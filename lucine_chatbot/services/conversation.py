"""The visitor's side of a conversation (SPEC §2): messages, widget actions, polling, AI replies."""
import logging
import secrets
from contextlib import contextmanager
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from ..errors import BadRequest, Conflict, NotFound, ValidationError
from ..extensions import db
from ..models import (AnalyticsEvent, ChatSession, ChatStatus, InternalNote, Message, OperatorChat, QueueEntry,
                      Sender, utcnow)
from . import assistant, automated_texts, events, retention, state_machine, visitor_write, without_transaction
from .assistant import text as assistant_text
from .assistant.gate import is_human_request

logger = logging.getLogger(__name__)
ACTIONS = ("request_operator", "continue_ai", "end_chat")


@dataclass
class Outcome:
    """What a visitor request produced: the session, whether it is new, the messages it created."""

    session: ChatSession
    new_session: bool = False
    messages: list = field(default_factory=list)


def escalation():
    """The escalation service (owned by the operators side), imported late to keep the layers apart."""
    from . import escalation as module

    return module


# --- sessions ----------------------------------------------------------------------------------


def find_session(public_id):
    if not public_id:
        return None
    return db.session.query(ChatSession).filter_by(public_id=public_id).one_or_none()


def require_session(public_id):
    session = find_session(public_id)
    if session is None:
        raise NotFound("Unknown session.")
    return session


def open_session(public_id, language=None, now=None):
    """The visitor's session, or a new one (server-generated id) when unknown or ENDED; not flushed yet."""
    session = find_session(public_id)
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


def system_message(session, key, now, **params):
    return add_message(session, Sender.SYSTEM, automated_texts.render(key, session.language, **params), now,
                       meta={"kind": key})


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
        escalation().request_operator(session, "visitor_request", now=now)
    else:
        to_human(session, status, now)
    db.session.commit()
    if session.ai_pending:
        _enqueue_reply(user)
        db.session.expire_all()
    return Outcome(session, new, messages_since(session, user.id - 1))


def _to_the_assistant(session, new, user):
    """The common case, written in one statement on PostgreSQL (session, message and events together,
    services/visitor_write.py; else one flush) and one commit, and answered from what was written instead of
    reading it back (docs/performance.md)."""
    if visitor_write.applies(session, user):
        visitor_write.write(session, user)
    with _keeping_state():
        db.session.commit()
    if _enqueue_reply(user) is not None:
        return Outcome(session, new, [user])
    db.session.expire_all()  # the reply was written inline, by this process: show it too
    return Outcome(session, new, messages_since(session, user.id - 1))


def _enqueue_reply(user):
    from ..jobs import dispatch
    from ..jobs.ai_reply import generate_reply

    return dispatch.enqueue(generate_reply, user.id)


@contextmanager
def _keeping_state():
    """Commit without expiring the session's objects: nothing else wrote them, so reading them back is waste."""
    session = db.session()
    previous, session.expire_on_commit = session.expire_on_commit, False
    try:
        yield
    finally:
        session.expire_on_commit = previous


def to_human(session, status, now):
    """A message while a human is involved never reaches the AI; WAITING_CLIENT wakes the chat up."""
    session.last_visitor_message_at = now
    escalation().visitor_wrote(session)
    if status == ChatStatus.WAITING_CLIENT:
        state_machine.change_status(session, ChatStatus.WITH_OPERATOR, reason="visitor_returned", now=now)
        events.record("chat_reactivated", session, operator_id=session.operator_id)
        system_message(session, "chat_reactivated", now)


def messages_since(session, after_id):
    query = db.session.query(Message).filter(Message.session_id == session.id)
    if after_id is not None:
        query = query.filter(Message.id > after_id)
    return query.order_by(Message.id).all()


def perform_action(public_id, action, now=None):
    """`request_operator`, `continue_ai` or `end_chat` from the widget's buttons; commits."""
    session, now = require_session(public_id), now or utcnow()
    before = db.session.query(sa.func.max(Message.id)).filter(Message.session_id == session.id).scalar()
    status = ChatStatus(session.status)
    if action == "request_operator" and status not in state_machine.HUMAN_STATUSES | {ChatStatus.ENDED}:
        escalation().request_operator(session, "visitor_request", now=now)
    elif action == "continue_ai" and status == ChatStatus.WAITING_OPERATOR:
        escalation().cancel_request(session)
    elif action == "continue_ai" and status in state_machine.AI_STATUSES:
        system_message(session, "continue_ai", now)
    elif action == "end_chat" and status != ChatStatus.ENDED:
        escalation().end_chat_by_visitor(session)
    db.session.commit()
    return Outcome(session, False, messages_since(session, before or 0))


# --- polling -----------------------------------------------------------------------------------


def poll(public_id, after=None):
    """The session (with its operator) and the messages after `after`, in one indexed query, without a
    transaction when it is the request's first (services.without_transaction). Always what the database
    holds, even when this ORM session already has the row from an earlier write."""
    reading_alone = without_transaction()
    newer = Message.session_id == ChatSession.id
    if after is not None:
        newer = sa.and_(newer, Message.id > after)
    rows = (db.session.query(ChatSession, Message).outerjoin(Message, newer)
            .options(joinedload(ChatSession.operator)).filter(ChatSession.public_id == public_id)
            .order_by(Message.id).populate_existing().all())
    if not rows:
        raise NotFound("Unknown session.")
    session = rows[0][0]
    queue = None
    if session.status == ChatStatus.WAITING_OPERATOR:
        queue = escalation().queue_position(session)
    if reading_alone:  # end the read: the connection goes back to the pool, out of autocommit, at once
        with _keeping_state():
            db.session.commit()
    return session, [message for _, message in rows if message is not None], queue


# --- the assistant's reply (run by jobs/ai_reply.py) -------------------------------------------


def history_before(message, limit):
    """The newest `limit` messages before `message`, oldest first, as (sender, body)."""
    rows = (db.session.query(Message.sender, Message.body)
            .filter(Message.session_id == message.session_id, Message.id < message.id,
                    Message.sender.in_([Sender.USER, Sender.BOT, Sender.OPERATOR]))
            .order_by(Message.id.desc()).limit(limit).all())
    return [(Sender(sender), body) for sender, body in reversed(rows)]


def answer_message(message_id, now=None, offline_only=False):
    """Write the assistant's reply to one USER message, once; skip when a human is now involved."""
    user = (db.session.query(Message).options(joinedload(Message.session))
            .filter(Message.id == message_id).one_or_none())
    if user is None or user.sender != Sender.USER or _already_answered(user):
        return None
    session = user.session
    if session.status in state_machine.HUMAN_STATUSES:
        return _stop_pending(session)
    question = assistant.Question(user.body, session.language,
                                  history_before(user, current_app.config["AI_HISTORY_MESSAGES"]), now)
    result = assistant.reply(question, offline_only=offline_only)
    # Lock the session (a human may have taken it meanwhile) and learn whether the visitor wrote again.
    newer = sa.exists().where(Message.session_id == session.id, Message.sender == Sender.USER,
                              Message.id > user.id)
    session, still_pending = (db.session.query(ChatSession, newer).filter(ChatSession.id == session.id)
                              .with_for_update(of=ChatSession).populate_existing().one())
    if session.status in state_machine.HUMAN_STATUSES:
        return _stop_pending(session)
    return _store_reply(session, user, result, now or utcnow(), still_pending)


def _already_answered(user):
    return db.session.query(Message.id).filter(Message.reply_to_id == user.id).first() is not None


def _stop_pending(session):
    session.ai_pending = False
    db.session.commit()
    return None


def _store_reply(session, user, result, now, still_pending):
    bot = Message(session_id=session.id, sender=Sender.BOT, body=result.text, created_at=now,
                  meta=assistant.metadata(result, session.language), reply_to_id=user.id)
    db.session.add(bot)
    session.last_activity_at = now
    session.ai_pending = bool(still_pending)  # the visitor's newer message has its own job
    events.record("ai_response", session, provider=result.provider, model=result.model,
                  latencyMs=result.latency_ms, confident=result.confident,
                  sources=[s["id"] for s in result.sources], escalationReason=result.escalation_reason)
    if result.error:
        events.record("ai_error", session, provider=result.fallback_from, error=result.error)
    try:
        db.session.commit()
    except sa.exc.IntegrityError:  # another run of this job replied first (reply_to_id is unique)
        db.session.rollback()
        return None
    return bot


# --- rating and erasure ------------------------------------------------------------------------


def rate(public_id, rating, comment=None, now=None):
    """CSAT for the latest operator stint. :raise Conflict: no operator chat, or already rated."""
    session = require_session(public_id)
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
    session, now = require_session(public_id), now or utcnow()
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
