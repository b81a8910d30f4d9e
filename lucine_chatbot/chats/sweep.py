"""The sweep's inactivity rules. Each rule is one short transaction and safe to run concurrently."""
import logging
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from lucine_chatbot.chats import assignment, escalation, messages, operator_desk, recovery, state_machine
from lucine_chatbot.content import system_state
from lucine_chatbot.extensions import db
from lucine_chatbot.insights import events
from lucine_chatbot.models import ChatSession, ChatStatus, OperatorChat, QueueEntry, QueueStatus, utcnow
from lucine_chatbot.tickets import desk

logger = logging.getLogger(__name__)
BATCH_SIZE = 200
LAST_SWEEP_KEY = "last_sweep"


def lock_candidates(query):
    """Row-lock what this pass will change; rows another sweep holds are skipped, not waited for."""
    return query.order_by(ChatSession.id).limit(BATCH_SIZE).with_for_update(skip_locked=True).all()


def mark_idle(now):
    """ACTIVE chats quiet for IDLE_AFTER_SECONDS become IDLE."""
    cutoff = now - timedelta(seconds=current_app.config["IDLE_AFTER_SECONDS"])
    sessions = lock_candidates(db.session.query(ChatSession).filter(
        ChatSession.status == ChatStatus.ACTIVE, ChatSession.last_activity_at < cutoff))
    for session in sessions:
        state_machine.change_status(session, ChatStatus.IDLE, reason="inactivity", now=now)
    return len(sessions)


def human_owed_answer(session):
    """A visitor waited for a human who had not answered their last message."""
    if session.status == ChatStatus.WAITING_OPERATOR:
        return True
    if session.status != ChatStatus.WITH_OPERATOR or session.last_visitor_message_at is None:
        return False
    return session.last_operator_message_at is None or \
        session.last_operator_message_at < session.last_visitor_message_at


def end_inactive(now):
    """Any open chat with no activity for END_AFTER_SECONDS is ENDED; its queue entry and stint close."""
    cutoff = now - timedelta(seconds=current_app.config["END_AFTER_SECONDS"])
    sessions = lock_candidates(db.session.query(ChatSession).filter(
        ChatSession.status != ChatStatus.ENDED, ChatSession.last_activity_at < cutoff))
    for session in sessions:
        if human_owed_answer(session):
            events.record("chat_abandoned", session, operator_id=session.operator_id, status=str(session.status))
        events.record("chat_timeout", session, status=str(session.status))
        close_human_side(session, now, reason="timeout")
        state_machine.change_status(session, ChatStatus.ENDED, reason="inactivity", now=now)
    return len(sessions)


def close_human_side(session, now, reason):
    """End the open operator stint and any waiting queue entry of a chat that is closing."""
    db.session.query(OperatorChat).filter(
        OperatorChat.session_id == session.id, OperatorChat.ended_at.is_(None)
    ).update({"ended_at": now, "end_reason": reason}, synchronize_session=False)
    db.session.query(QueueEntry).filter(
        QueueEntry.session_id == session.id, QueueEntry.status == QueueStatus.WAITING
    ).update({"status": QueueStatus.ABANDONED, "ended_at": now}, synchronize_session=False)
    session.operator_id = None


def drain_queue(now):
    """Capacity freed by the rules above goes to the longest-waiting chats."""
    return len(assignment.drain_queue(now))


def await_client(now):
    """WITH_OPERATOR chats where the visitor has not answered the operator for WAITING_CLIENT_AFTER_SECONDS
    become WAITING_CLIENT, and the visitor is asked whether they are still there."""
    cutoff = now - timedelta(seconds=current_app.config["WAITING_CLIENT_AFTER_SECONDS"])
    sessions = lock_candidates(db.session.query(ChatSession).filter(
        ChatSession.status == ChatStatus.WITH_OPERATOR, ChatSession.last_operator_message_at < cutoff,
        sa.or_(ChatSession.last_visitor_message_at.is_(None),
               ChatSession.last_visitor_message_at < ChatSession.last_operator_message_at)))
    for session in sessions:
        state_machine.change_status(session, ChatStatus.WAITING_CLIENT, reason="visitor_silent", now=now)
        messages.system_message(session, "still_there", now)
    return len(sessions)


def offer_ticket_after_long_wait(now):
    """A queue wait beyond QUEUE_MAX_WAIT_SECONDS offers the visitor a ticket, once; they may keep waiting."""
    cutoff = now - timedelta(seconds=current_app.config["QUEUE_MAX_WAIT_SECONDS"])
    entries = (db.session.query(QueueEntry).filter(
        QueueEntry.status == QueueStatus.WAITING, QueueEntry.enqueued_at < cutoff,
        QueueEntry.ticket_offered_at.is_(None)).order_by(QueueEntry.id).limit(BATCH_SIZE)
        .with_for_update(skip_locked=True).all())
    for entry in entries:
        entry.ticket_offered_at = now
        session = db.session.get(ChatSession, entry.session_id)
        waited = int((now - entry.enqueued_at).total_seconds())
        events.record("queue_timeout", session, waitedSeconds=waited)
        escalation.offer_ticket(session, "queue_timeout", now, record_event=False)
    return len(entries)


RULES = [recovery.answer_stale_pending, mark_idle, await_client, end_inactive, operator_desk.requeue_unanswered,
         drain_queue, offer_ticket_after_long_wait, desk.escalate_overdue]


def sweep(now=None):
    """One pass of every rule, each in its own transaction; a failing rule does not stop the others."""
    now = now or utcnow()
    counts = {}
    for rule in RULES:
        try:
            counts[rule.__name__] = rule(now)
            db.session.commit()
        except Exception:
            db.session.rollback()
            logger.exception("sweep rule %s failed", rule.__name__)
            counts[rule.__name__] = None
    system_state.set_value(LAST_SWEEP_KEY, {"at": now.isoformat() + "Z", "counts": counts})
    db.session.commit()
    return counts
