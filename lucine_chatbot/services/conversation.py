"""The visitor's side of a conversation (SPEC §2): messages, widget actions, polling, AI replies."""
import logging
import secrets
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from ..errors import BadRequest, Conflict, NotFound, ValidationError
from ..extensions import db
from ..models import (AnalyticsEvent, ChatSession, ChatStatus, InternalNote, Message, OperatorChat, QueueEntry,
                      Sender, utcnow)
from . import (assistant, automated_texts, chats, drafts, events, retention, state_machine, visitor_write,
               without_transaction)
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


def open_session(public_id, language=None, now=None):
    """The visitor's session locked for the change (services/chats.py), or a new one (server-generated id) when
    unknown or ENDED; not flushed yet."""
    session = chats.find(public_id, for_change=True)
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


@chats.retried_once
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


@chats.retried_once
def perform_action(public_id, action, now=None):
    """`request_operator`, `continue_ai` or `end_chat` from the widget's buttons; commits."""
    session, now = chats.get(public_id, for_change=True), now or utcnow()
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


@dataclass
class PollView:
    """What a poll shows: the session (with its operator), the messages after the cursor, the queue position,
    and while a reply is pending, when it is due (naive UTC)."""

    session: ChatSession
    messages: list
    queue: dict | None
    due: object = None


def poll(public_id, after=None, now=None):
    """The session and the messages after `after`. A pending reply past its deadline is answered here, offline,
    before the poll answers: the visitor gets a reply whatever happened to its job (no worker needed)."""
    view = _read_poll(public_id, after)
    if view.due is not None and view.due <= (now or utcnow()):
        answer_overdue(view.session.id, now)
        view = _read_poll(public_id, after)
    return view


def _read_poll(public_id, after):
    """One indexed query (two while a reply is pending), without a transaction when it is the request's first
    (services.without_transaction). Always what the database holds, even when this ORM session already has the
    row from an earlier write."""
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
    queue, due = None, None
    if session.status == ChatStatus.WAITING_OPERATOR:
        queue = escalation().queue_position(session)
    if session.ai_pending:
        latest = _newest_visitor_message(session.id, Message.created_at)
        due = reply_due(latest) if latest is not None else None
    if reading_alone:  # end the read: the connection goes back to the pool, out of autocommit, at once
        with _keeping_state():
            db.session.commit()
    return PollView(session, [message for _, message in rows if message is not None], queue, due)


def _newest_visitor_message(session_id, column):
    return (db.session.query(column).filter(Message.session_id == session_id, Message.sender == Sender.USER)
            .order_by(Message.id.desc()).limit(1).scalar())


# --- the assistant's reply (jobs/ai_reply.py; the poll and the sweep past the deadline) ---------

FALLBACK_RESERVE_SECONDS = 3  # of the deadline, kept for the offline answer and its write after an LLM failure
MIN_LLM_SECONDS = 2  # with less than this left for the LLM, the offline assistant answers at once


def reply_due(created_at):
    """When the reply to a visitor message written at `created_at` must be there (AI_REPLY_DEADLINE_SECONDS)."""
    return created_at + timedelta(seconds=current_app.config["AI_REPLY_DEADLINE_SECONDS"])


def history_before(message, limit):
    """The newest `limit` messages before `message`, oldest first, as (sender, body)."""
    rows = (db.session.query(Message.sender, Message.body)
            .filter(Message.session_id == message.session_id, Message.id < message.id,
                    Message.sender.in_([Sender.USER, Sender.BOT, Sender.OPERATOR]))
            .order_by(Message.id.desc()).limit(limit).all())
    return [(Sender(sender), body) for sender, body in reversed(rows)]


def answer_message(message_id, now=None, offline_only=False):
    """Write the assistant's reply to one USER message, once, by its deadline; skip when a human is involved.

    No transaction stays open while the LLM writes: the question is read, that transaction ends once the prompt
    is built (`before_network`), and the reply is written in a second one that locks the chat and checks it
    again. The LLM gets what the deadline leaves (minus the fallback's reserve); with too little left (a late
    job, a long queue) the offline assistant answers at once. A streamed answer is shown growing (drafts).
    """
    user = (db.session.query(Message).options(joinedload(Message.session))
            .filter(Message.id == message_id).one_or_none())
    if user is None or user.sender != Sender.USER or _already_answered(user.id):
        return None
    session = user.session
    if session.status in state_machine.HUMAN_STATUSES:
        return _stop_pending(session)
    user_id, session_id, public_id = user.id, session.id, session.public_id
    question = assistant.Question(user.body, session.language,
                                  history_before(user, current_app.config["AI_HISTORY_MESSAGES"]), now)
    left = (reply_due(user.created_at) - (now or utcnow())).total_seconds() - FALLBACK_RESERVE_SECONDS
    draft = drafts.Writer(public_id, user_id)
    result = assistant.reply(question, offline_only=offline_only or left < MIN_LLM_SECONDS,
                             deadline=time.monotonic() + left, on_text=draft, before_network=db.session.commit)
    bot = _store_reply(session_id, user_id, result, now or utcnow())
    if draft.written_at:
        drafts.clear(public_id)  # after the commit: a poll now finds the message
    return bot


def answer_overdue(session_id, now=None):
    """A poll found the chat's reply past its deadline (the worker is dead or far behind, or lost the job): the
    offline assistant answers the newest visitor message now. Whoever comes second, the job's late LLM result
    or another poll, finds it answered and writes nothing."""
    latest = _newest_visitor_message(session_id, Message.id)
    if latest is None or answer_message(latest, now=now, offline_only=True) is None:
        settle_pending(session_id, latest or 0)
        return False
    logger.warning("answered message %s offline: its reply was past the deadline", latest)
    return True


def settle_pending(session_id, handled_id):
    """Handled (answered, or handed to a human): not pending, unless a newer visitor message came meanwhile."""
    newer = db.session.query(Message.id).filter(Message.session_id == session_id, Message.sender == Sender.USER,
                                                Message.id > handled_id).first()
    session = db.session.get(ChatSession, session_id, populate_existing=True)
    if session is not None and session.ai_pending and newer is None:
        session.ai_pending = False
    db.session.commit()


def _already_answered(user_id):
    return db.session.query(Message.id).filter(Message.reply_to_id == user_id).first() is not None


def _stop_pending(session):
    session.ai_pending = False
    db.session.commit()
    return None


def _store_reply(session_id, user_id, result, now):
    """Lock the chat (a human may have taken it, the deadline's offline answer may be there) and learn whether
    the visitor wrote again, then write the reply; a late one is dropped."""
    newer = sa.exists().where(Message.session_id == session_id, Message.sender == Sender.USER,
                              Message.id > user_id)
    session, still_pending = (db.session.query(ChatSession, newer).filter(ChatSession.id == session_id)
                              .with_for_update(of=ChatSession).populate_existing().one())
    if session.status in state_machine.HUMAN_STATUSES:
        return _stop_pending(session)
    if _already_answered(user_id):
        db.session.rollback()
        logger.info("dropped a late reply to message %s (%s): it was answered already", user_id, result.provider)
        return None
    bot = Message(session_id=session_id, sender=Sender.BOT, body=result.text, created_at=now,
                  meta=assistant.metadata(result, session.language), reply_to_id=user_id)
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
    except sa.exc.IntegrityError:  # another writer replied between our check and our insert (reply_to_id is unique)
        db.session.rollback()
        return None
    return bot


# --- rating and erasure ------------------------------------------------------------------------


def rate(public_id, rating, comment=None, now=None):
    """CSAT for the latest operator stint. :raise Conflict: no operator chat, or already rated."""
    session = chats.get(public_id)
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
    session, now = chats.get(public_id, for_change=True), now or utcnow()
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
