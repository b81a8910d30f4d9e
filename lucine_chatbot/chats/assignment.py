"""Who gets a chat: capacity, fair choice of operator, and the atomic claim that makes a take race-free.

The claim locks the operator row (capacity is counted under that lock) and then claims the chat with a
conditional UPDATE; on PostgreSQL a concurrent claimer blocks on the chat row and then sees it taken
(rowcount 0). The partial unique index `uq_operator_chat_open_session` is the last line of defence.
Nothing here commits: the use case that calls it does.
"""
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from lucine_chatbot.chats import lookup, messages, state_machine
from lucine_chatbot.content import automated_texts
from lucine_chatbot.extensions import db
from lucine_chatbot.insights import events
from lucine_chatbot.models import ChatSession, ChatStatus, Operator, OperatorChat, QueueEntry, QueueStatus, utcnow
from lucine_chatbot.platform.errors import Conflict
from lucine_chatbot.push import hooks as push

CLAIMABLE_STATUSES = (ChatStatus.ACTIVE, ChatStatus.IDLE, ChatStatus.WAITING_OPERATOR)
OPERATOR_SIDE_STATUSES = (ChatStatus.WITH_OPERATOR, ChatStatus.WAITING_CLIENT)
REQUEUED_REASON = "operator_requeued"


class ChatAlreadyTaken(Conflict):
    message = "Another operator already has this chat, or it is closed."


class OperatorAtCapacity(Conflict):
    message = "The operator already has as many open chats as allowed."


class OperatorUnavailable(Conflict):
    message = "The operator is offline or inactive."


def capacity():
    return current_app.config["MAX_CHATS_PER_OPERATOR"]


def open_chat_count(operator_id):
    return db.session.query(sa.func.count(OperatorChat.id)).filter(
        OperatorChat.operator_id == operator_id, OperatorChat.ended_at.is_(None)).scalar()


def open_counts_subquery():
    return (sa.select(OperatorChat.operator_id, sa.func.count(OperatorChat.id).label("n"))
            .where(OperatorChat.ended_at.is_(None)).group_by(OperatorChat.operator_id).subquery())


def candidates(exclude_id=None):
    """Online operators with room, fewest open chats first, then least recently assigned (round robin)."""
    counts = open_counts_subquery()
    load = sa.func.coalesce(counts.c.n, 0)
    query = (db.session.query(Operator).outerjoin(counts, counts.c.operator_id == Operator.id)
             .filter(Operator.is_online.is_(True), Operator.is_active.is_(True), load < capacity())
             .order_by(load, Operator.last_assigned_at.asc().nulls_first(), Operator.id))
    if exclude_id is not None:
        query = query.filter(Operator.id != exclude_id)
    return query.all()


def online_operators_query():
    return sa.select(sa.func.count(Operator.id)).where(Operator.is_online.is_(True), Operator.is_active.is_(True))


def online_count():
    return db.session.execute(online_operators_query()).scalar()


def lock_operator(operator_id):
    """Serialise every claim for one operator, so capacity is counted once per claim (no-op on SQLite); taken
    after the chat's lock, never before it (chats/lookup.py)."""
    return db.session.query(Operator).filter(Operator.id == operator_id).with_for_update() \
        .populate_existing().one()


def claim(session, operator, now, from_operator_id=None, require_online=False):
    """Give `session` to `operator` atomically or raise Conflict; returns the new OperatorChat.

    Without `from_operator_id` the chat must be unowned and waiting/AI-side; with it, it must still be
    with that operator (a transfer or a requeue to someone else).
    """
    operator = lock_operator(operator.id)
    if require_online and not (operator.is_online and operator.is_active):
        raise OperatorUnavailable()
    if open_chat_count(operator.id) >= capacity():
        raise OperatorAtCapacity()
    db.session.flush()
    owner = ChatSession.operator_id.is_(None) if from_operator_id is None \
        else ChatSession.operator_id == from_operator_id
    statuses = CLAIMABLE_STATUSES if from_operator_id is None else OPERATOR_SIDE_STATUSES
    result = db.session.execute(
        sa.update(ChatSession).where(ChatSession.id == session.id, owner, ChatSession.status.in_(statuses))
        .values(operator_id=operator.id)
        .execution_options(synchronize_session=False, poll_sessions=[session.public_id]))
    if result.rowcount != 1:
        raise ChatAlreadyTaken()
    if from_operator_id is not None:
        close_open_stints(session.id, now, "transferred")
    db.session.refresh(session)
    return open_stint(session, operator, now)


def open_stint(session, operator, now):
    stint = OperatorChat(session_id=session.id, operator_id=operator.id, assigned_at=now)
    db.session.add(stint)
    try:
        db.session.flush()
    except IntegrityError:
        raise ChatAlreadyTaken() from None
    operator.last_assigned_at = now
    return stint


def end_stint(session, now, reason):
    """Close the chat's open operator stint (if any) and detach the operator; returns the operator id."""
    operator_id = session.operator_id
    close_open_stints(session.id, now, reason)
    session.operator_id = None
    return operator_id


def close_open_stints(session_id, now, reason):
    db.session.query(OperatorChat).filter(
        OperatorChat.session_id == session_id, OperatorChat.ended_at.is_(None)
    ).update({"ended_at": now, "end_reason": reason})


def mark_queue_entry(session, status, now, operator_id=None):
    values = {"status": status, "ended_at": now}
    if status == QueueStatus.ASSIGNED:
        values.update(assigned_at=now, operator_id=operator_id)
    db.session.query(QueueEntry).filter(
        QueueEntry.session_id == session.id, QueueEntry.status == QueueStatus.WAITING
    ).update(values)


def assign(session, operator, now, via, from_operator_id=None, require_online=False):
    """Claim and announce: status WITH_OPERATOR, queue entry ASSIGNED, SYSTEM `operator_joined`, event."""
    claim(session, operator, now, from_operator_id=from_operator_id, require_online=require_online)
    mark_queue_entry(session, QueueStatus.ASSIGNED, now, operator.id)
    state_machine.change_status(session, ChatStatus.WITH_OPERATOR, reason=via, operator_id=operator.id, now=now)
    session.last_activity_at = now
    events.record("operator_connected", session, operator_id=operator.id, via=via)
    key = "operator_transferred" if from_operator_id else "operator_joined"
    push.chat_assigned(session, operator, via)
    end_chat = automated_texts.smart_action("end_chat", session.language, "secondary")
    return [messages.system_message(session, key, now, smart_actions=[end_chat],
                           meta={"operatorName": operator.display_name, "operatorId": operator.id},
                           operatorName=operator.display_name)]


def assign_to_first_available(session, now, via, exclude_id=None, from_operator_id=None):
    """Try the fair order of online operators; returns the messages, or None when nobody could take it."""
    for operator in candidates(exclude_id=exclude_id):
        try:
            return assign(session, operator, now, via, from_operator_id=from_operator_id, require_online=True)
        except (OperatorAtCapacity, OperatorUnavailable):
            continue
    return None


def waiting_entries(limit):
    """Queue order: priority (higher first), then arrival; rows other drainers hold are skipped."""
    return (db.session.query(QueueEntry).filter(QueueEntry.status == QueueStatus.WAITING)
            .order_by(QueueEntry.priority.desc(), QueueEntry.enqueued_at, QueueEntry.id)
            .limit(limit).with_for_update(skip_locked=True).all())


def drain_queue(now=None, operator=None):
    """Hand waiting chats to operators with free capacity (to `operator` only, when given)."""
    now = now or utcnow()
    assigned = []
    for entry in waiting_entries(limit=capacity() * max(online_count(), 1)):
        session = lookup.lock(entry.session_id, skip_locked=True)  # the chat before the operator (lookup.py)
        if session is None:  # a visitor or an operator is changing it right now: the next drain takes it
            continue
        skipped = dropped_by(entry)
        if operator is not None and operator.id == skipped:
            continue
        try:
            if operator is not None:
                messages = assign(session, operator, now, "queue", require_online=True)
            else:
                messages = assign_to_first_available(session, now, "queue", exclude_id=skipped)
        except OperatorAtCapacity:
            break
        except (ChatAlreadyTaken, OperatorUnavailable):
            continue
        if messages is None:
            if skipped is None:
                break
            continue
        assigned.append(session)
    return assigned


def dropped_by(entry):
    """The operator who let a requeued chat go unanswered: the queue does not hand it straight back."""
    if entry.reason != REQUEUED_REASON:
        return None
    return db.session.query(OperatorChat.operator_id).filter(
        OperatorChat.session_id == entry.session_id, OperatorChat.end_reason == REQUEUED_REASON
    ).order_by(OperatorChat.id.desc()).limit(1).scalar()
