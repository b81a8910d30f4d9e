"""The assistant's reply to a visitor message (jobs/ai_reply.py; the poll and the sweep past the deadline): once,
by its deadline, never while a human is involved, and offline when the LLM has no time or budget left."""
import logging
import time
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload

from lucine_chatbot import assistant
from lucine_chatbot.chats import state_machine
from lucine_chatbot.chats.visitor import drafts
from lucine_chatbot.extensions import db
from lucine_chatbot.insights import events
from lucine_chatbot.models import ChatSession, Message, Sender, utcnow

logger = logging.getLogger(__name__)
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
    row = (db.session.query(Message, _answered(message_id)).options(joinedload(Message.session))
           .filter(Message.id == message_id).one_or_none())
    user, answered = row if row is not None else (None, True)
    if user is None or user.sender != Sender.USER or answered:
        return None
    session = user.session
    if session.status in state_machine.HUMAN_STATUSES:
        return _stop_pending(session)
    user_id, session_id, public_id = user.id, session.id, session.public_id
    question = assistant.Question(user.body, session.language,
                                  history_before(user, current_app.config["AI_HISTORY_MESSAGES"]), now)
    left = (reply_due(user.created_at) - (now or utcnow())).total_seconds() - FALLBACK_RESERVE_SECONDS
    spent = llm_budget_spent(session)
    draft = drafts.Writer(public_id, user_id)
    result = assistant.reply(question, offline_only=offline_only or spent or left < MIN_LLM_SECONDS,
                             deadline=time.monotonic() + left, on_text=draft, before_network=db.session.commit)
    if spent and result.confident:  # the offline answer stands, and a human is offered beside it
        result.confident, result.escalation_reason = False, "ai_budget"
    bot = _store_reply(session_id, user_id, result, now or utcnow())
    if draft.written_at:
        drafts.clear(public_id)  # after the commit: a poll now finds the message
    return bot


LLM_REPLIES_KEY = "llmReplies"  # in the session's meta: LLM answers this chat has had


def llm_budget_spent(session):
    """The chat has had AI_MAX_REPLIES_PER_CHAT answers from the LLM: the rest are offline (cost abuse)."""
    return assistant.provider_name() != "offline" and \
        (session.meta or {}).get(LLM_REPLIES_KEY, 0) >= current_app.config["AI_MAX_REPLIES_PER_CHAT"]


def answer_overdue(session_id, now=None):
    """A poll found the chat's reply past its deadline (the worker is dead or far behind, or lost the job): the
    offline assistant answers the newest visitor message now. Whoever comes second, the job's late LLM result
    or another poll, finds it answered and writes nothing."""
    latest = newest_visitor_message(session_id, Message.id)
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


def _answered(user_id):
    """Whether a reply to message `user_id` exists: a column of the query that reads what it needs anyway."""
    reply = sa.orm.aliased(Message)
    return sa.exists().where(reply.reply_to_id == user_id)


def _stop_pending(session):
    session.ai_pending = False
    db.session.commit()
    return None


def _store_reply(session_id, user_id, result, now):
    """Lock the chat (a human may have taken it, the deadline's offline answer may be there) and learn whether
    the visitor wrote again, then write the reply; a late one is dropped."""
    newer = sa.exists().where(Message.session_id == session_id, Message.sender == Sender.USER,
                              Message.id > user_id)
    session, still_pending, answered = (
        db.session.query(ChatSession, newer, _answered(user_id)).filter(ChatSession.id == session_id)
        .with_for_update(of=ChatSession).populate_existing().one())
    if session.status in state_machine.HUMAN_STATUSES:
        return _stop_pending(session)
    if answered:
        db.session.rollback()
        logger.info("dropped a late reply to message %s (%s): it was answered already", user_id, result.provider)
        return None
    bot = Message(session_id=session_id, sender=Sender.BOT, body=result.text, created_at=now,
                  meta=assistant.metadata(result, session.language), reply_to_id=user_id)
    db.session.add(bot)
    session.last_activity_at = now
    session.ai_pending = bool(still_pending)  # the visitor's newer message has its own job
    if result.provider != "offline":
        meta = dict(session.meta or {})
        session.meta = {**meta, LLM_REPLIES_KEY: meta.get(LLM_REPLIES_KEY, 0) + 1}
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


def newest_visitor_message(session_id, column):
    return (db.session.query(column).filter(Message.session_id == session_id, Message.sender == Sender.USER)
            .order_by(Message.id.desc()).limit(1).scalar())
