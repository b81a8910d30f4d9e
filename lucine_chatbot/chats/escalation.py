"""A visitor asks for a human: assign at once, queue with an honest position, or offer a ticket.

None of these functions commits; each returns the Message rows it created so the chat API can return them.
"""
import math

import sqlalchemy as sa
from flask import current_app

from lucine_chatbot.chats import assignment, state_machine
from lucine_chatbot.chats.messages import system_message
from lucine_chatbot.content.automated_texts import smart_action
from lucine_chatbot.extensions import db
from lucine_chatbot.insights import events
from lucine_chatbot.models import ChatStatus, OperatorChat, QueueEntry, QueueStatus, utcnow
from lucine_chatbot.platform.clock import format_moment, iso
from lucine_chatbot.push import hooks as push
from lucine_chatbot.tickets import sla

TICKET_PRIORITY = "MEDIUM"
REOPENED_BY_REQUEST = (ChatStatus.RESOLVED, ChatStatus.NOT_RESOLVED, ChatStatus.CANCELLED)
DEFAULT_QUEUE_PRIORITY = 1
MINUTES_PER_CHAT = 3  # a rough, honest estimate of how long one waiting chat holds the line
def expected_reply_by(now):
    return sla.due_at(TICKET_PRIORITY, now)


def request_operator(session, reason, now=None, priority=DEFAULT_QUEUE_PRIORITY):
    """Assign at once, else queue, else offer a ticket; [] when the chat already waits for or has a human."""
    now = now or utcnow()
    if session.status in state_machine.HUMAN_STATUSES or session.status == ChatStatus.ENDED:
        return []
    events.record("escalation_request", session, reason=reason)
    session.last_activity_at = now
    if session.status in REOPENED_BY_REQUEST:
        state_machine.change_status(session, ChatStatus.ACTIVE, reason="escalation_request", now=now)
    if not sla.within_operator_hours(now):
        return offer_ticket(session, "outside_hours", now)
    if not assignment.online_count():
        return offer_ticket(session, "no_operator", now)
    try:
        messages = assignment.assign_to_first_available(session, now, via="request")
    except assignment.ChatAlreadyTaken:
        return []
    if messages is not None:
        return messages
    if waiting_count() >= current_app.config["QUEUE_MAX_LENGTH"]:
        return offer_ticket(session, "queue_full", now)
    return enqueue(session, reason, now, priority)


def visitor_wrote(session):
    """A visitor's message in a chat on the human side: her phone hears of it when no dashboard tab of hers is
    visible (push/hooks.py; sent after the commit)."""
    push.visitor_message(session)


def offer_ticket(session, key, now, record_event=True):
    """SYSTEM `key` (no_operator, outside_hours, queue_full, queue_timeout) with the ticket buttons."""
    expected = expected_reply_by(now)
    if record_event:
        events.record("escalation_failed", session, reason=key, expectedReplyBy=iso(expected))
    actions = [smart_action("request_ticket", session.language), smart_action("continue_ai", session.language,
                                                                              "secondary")]
    return [system_message(session, key, now, smart_actions=actions,
                           meta={"reason": key, "expectedReplyBy": iso(expected)},
                           expectedReplyBy=format_moment(expected, session.language))]


def enqueue(session, reason, now, priority=DEFAULT_QUEUE_PRIORITY):
    db.session.add(QueueEntry(session_id=session.id, priority=priority, reason=(reason or "")[:40] or None,
                              enqueued_at=now))
    state_machine.change_status(session, ChatStatus.WAITING_OPERATOR, reason=reason, now=now)
    db.session.flush()
    push.chat_waiting(session)
    return [queue_message(session, now)]


def queue_message(session, now):
    position = queue_position(session) or {"position": 1, "estimatedWaitMinutes": MINUTES_PER_CHAT}
    return system_message(
        session, "queue_position", now, smart_actions=[smart_action("continue_ai", session.language, "secondary")],
        meta={"position": position["position"], "waitMinutes": position["estimatedWaitMinutes"]},
        position=position["position"], waitMinutes=position["estimatedWaitMinutes"])


def waiting_count():
    return db.session.query(sa.func.count(QueueEntry.id)).filter(QueueEntry.status == QueueStatus.WAITING).scalar()


def queue_position(session):
    """`{"position", "estimatedWaitMinutes"}` of the chat's waiting entry, or None (two indexed queries)."""
    entry = db.session.query(QueueEntry.id, QueueEntry.priority, QueueEntry.enqueued_at).filter(
        QueueEntry.session_id == session.id, QueueEntry.status == QueueStatus.WAITING).first()
    if entry is None:
        return None
    ahead = sa.select(sa.func.count(QueueEntry.id)).where(
        QueueEntry.status == QueueStatus.WAITING, ahead_of(entry)).scalar_subquery()
    online = assignment.online_operators_query().scalar_subquery()
    count_ahead, online_count = db.session.execute(sa.select(ahead, online)).one()
    position = count_ahead + 1
    minutes = max(1, math.ceil(position * MINUTES_PER_CHAT / max(online_count, 1)))
    return {"position": position, "estimatedWaitMinutes": minutes}


def ahead_of(entry):
    """Entries served before `entry`: higher priority, or same priority and earlier arrival."""
    same_priority_earlier = sa.and_(
        QueueEntry.priority == entry.priority,
        sa.or_(QueueEntry.enqueued_at < entry.enqueued_at,
               sa.and_(QueueEntry.enqueued_at == entry.enqueued_at, QueueEntry.id < entry.id)))
    return sa.or_(QueueEntry.priority > entry.priority, same_priority_earlier)


def cancel_request(session, now=None):
    """The visitor chose continue_ai while waiting: leave the queue, back to the assistant."""
    now = now or utcnow()
    if session.status != ChatStatus.WAITING_OPERATOR:
        return []
    assignment.mark_queue_entry(session, QueueStatus.CANCELLED, now)
    state_machine.change_status(session, ChatStatus.ACTIVE, reason="continue_ai", now=now)
    session.last_activity_at = now
    return [system_message(session, "continue_ai", now)]


def end_chat_by_visitor(session, now=None):
    """The visitor's end_chat: the human side closes, RESOLVED, goodbye and (after an operator) rating."""
    now = now or utcnow()
    if session.status not in state_machine.HUMAN_STATUSES:
        return []
    return close_chat(session, ChatStatus.RESOLVED, now, reason="visitor_ended")


def close_chat(session, status, now, reason, operator_id=None):
    """End the operator stint and queue wait, change status, say goodbye, and give the freed slot away."""
    had_operator = session.operator_id is not None or has_open_stint(session)
    freed_operator_id = assignment.end_stint(session, now, reason)
    assignment.mark_queue_entry(session, QueueStatus.CANCELLED, now)
    state_machine.change_status(session, status, reason=reason, operator_id=operator_id, now=now)
    session.last_activity_at = now
    if status == ChatStatus.RESOLVED:
        events.record("chat_resolved", session, operator_id=operator_id or freed_operator_id, reason=reason)
    messages = [system_message(session, "goodbye", now)]
    if had_operator:
        messages.append(system_message(session, "rating_request", now))
    if freed_operator_id is not None:
        db.session.flush()
        assignment.drain_queue(now)
    return messages


def has_open_stint(session):
    return db.session.query(OperatorChat.id).filter(
        OperatorChat.session_id == session.id, OperatorChat.ended_at.is_(None)).first() is not None
