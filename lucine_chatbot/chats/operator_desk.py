"""What an operator does with a chat: take it, reply, transfer it; and the sweep's no-reply requeue."""
import logging
from datetime import timedelta

from flask import current_app

from lucine_chatbot.chats import assignment, lookup, messages, state_machine
from lucine_chatbot.extensions import db
from lucine_chatbot.insights import events
from lucine_chatbot.models import (
    ChatSession,
    ChatStatus,
    InternalNote,
    Message,
    Operator,
    OperatorChat,
    QueueEntry,
    QueueStatus,
    Sender,
    utcnow,
)
from lucine_chatbot.platform.database import get_or_404
from lucine_chatbot.platform.errors import Conflict, Forbidden, ValidationError
from lucine_chatbot.push import hooks as push

logger = logging.getLogger(__name__)
PRIORITY_LABELS = {0: "LOW", 1: "MEDIUM", 2: "HIGH", 3: "URGENT"}
REQUEUE_PRIORITY = 2  # a chat an operator dropped goes ahead of new arrivals


class ChatClosed(Conflict):
    message = "This chat is closed."


class NotYourChat(Forbidden):
    message = "This chat is assigned to another operator."


NO_SUCH_CHAT = "No chat with this id."


def get_operator(operator_id):
    return get_or_404(Operator, operator_id, "No operator with this id.")


def ensure_open(session):
    if session.status in state_machine.CLOSED_STATUSES:
        raise ChatClosed()


def ensure_may_handle(session, operator):
    """The owner handles a chat; admins may step into any."""
    if session.operator_id != operator.id and not operator.is_admin:
        raise NotYourChat()


@lookup.retried_once
def take_chat(operator_id, public_id, now=None):
    """Atomically give a waiting (or AI-side) chat to the caller; 409 when taken, closed or at capacity."""
    now = now or utcnow()
    session = lookup.get(public_id, for_change=True, message=NO_SUCH_CHAT)
    operator = get_operator(operator_id)
    ensure_open(session)
    assignment.assign(session, operator, now, via="take")
    db.session.commit()
    return session


@lookup.retried_once
def send_message(operator_id, public_id, text, now=None):
    """An OPERATOR message from the owner (or an admin); records the first response of the stint."""
    now = now or utcnow()
    limit = current_app.config["MAX_MESSAGE_LENGTH"]
    if len(text) > limit:
        raise ValidationError(f"A message has at most {limit} characters.", fields={"message": "too long"})
    session = lookup.get(public_id, for_change=True, message=NO_SUCH_CHAT)
    operator = get_operator(operator_id)
    ensure_open(session)
    ensure_may_handle(session, operator)
    message = Message(session=session, sender=Sender.OPERATOR, body=text, operator_id=operator.id,
                      created_at=now, meta={"operatorName": operator.display_name, "operatorId": operator.id})
    db.session.add(message)
    session.last_operator_message_at = now
    session.last_activity_at = now
    db.session.query(OperatorChat).filter(
        OperatorChat.session_id == session.id, OperatorChat.ended_at.is_(None),
        OperatorChat.operator_id == operator.id, OperatorChat.first_response_at.is_(None),
    ).update({"first_response_at": now})
    db.session.commit()
    return message


@lookup.retried_once
def transfer_chat(operator_id, public_id, to_operator_id, reason=None, now=None):
    """Hand an operator chat to another online operator with room; noted internally, told to the visitor."""
    now = now or utcnow()
    session = lookup.get(public_id, for_change=True, message=NO_SUCH_CHAT)
    actor = get_operator(operator_id)
    target = get_operator(to_operator_id)
    ensure_open(session)
    ensure_may_handle(session, actor)
    if session.operator_id is None or session.status not in assignment.OPERATOR_SIDE_STATUSES:
        raise Conflict("Only a chat an operator is handling can be transferred.")
    if target.id == session.operator_id:
        raise Conflict("The chat is already assigned to this operator.")
    source = db.session.get(Operator, session.operator_id)
    assignment.assign(session, target, now, via="transfer", from_operator_id=source.id, require_online=True)
    note = f"Chat trasferita da {source.display_name} a {target.display_name}" + (f": {reason}" if reason else ".")
    db.session.add(InternalNote(session_id=session.id, operator_id=actor.id, content=note, created_at=now))
    events.record("chat_transferred", session, operator_id=actor.id, fromOperatorId=source.id,
                  toOperatorId=target.id, reason=reason)
    db.session.flush()
    assignment.drain_queue(now)
    db.session.commit()
    return session


def pending_chats():
    """Waiting chats in queue order, with their last message and message count (three queries)."""
    rows = (db.session.query(QueueEntry, ChatSession).join(ChatSession, ChatSession.id == QueueEntry.session_id)
            .filter(QueueEntry.status == QueueStatus.WAITING)
            .order_by(QueueEntry.priority.desc(), QueueEntry.enqueued_at, QueueEntry.id).all())
    ids = [session.id for _, session in rows]
    counts, last = messages.summaries(ids)
    return [{"sessionId": session.public_id, "status": str(session.status), "waitingSince": entry.enqueued_at,
             "priority": PRIORITY_LABELS.get(entry.priority, "MEDIUM"), "lastMessage": last.get(session.id),
             "messageCount": counts.get(session.id, 0), "queuePosition": index, "language": session.language,
             "reason": entry.reason}
            for index, (entry, session) in enumerate(rows, start=1)]


def requeue_unanswered(now):
    """Sweep rule: an assigned operator silent for OPERATOR_REPLY_TIMEOUT_SECONDS loses the chat."""
    cutoff = now - timedelta(seconds=current_app.config["OPERATOR_REPLY_TIMEOUT_SECONDS"])
    stints = (db.session.query(OperatorChat).join(ChatSession, ChatSession.id == OperatorChat.session_id)
              .filter(OperatorChat.ended_at.is_(None), OperatorChat.first_response_at.is_(None),
                      OperatorChat.assigned_at < cutoff, ChatSession.status == ChatStatus.WITH_OPERATOR)
              .order_by(OperatorChat.id).limit(200).with_for_update(of=ChatSession, skip_locked=True).all())
    seconds = current_app.config["OPERATOR_REPLY_TIMEOUT_SECONDS"]
    for stint in stints:
        silent = db.session.get(Operator, stint.operator_id) if stint.operator_id else None
        name = silent.display_name if silent else "L'operatore"
        requeue(db.session.get(ChatSession, stint.session_id), stint.operator_id, now,
                note=f"{name} non ha risposto entro {seconds} s: chat rimessa in coda.")
    return len(stints)


def release_chats_of(operator, now=None, reason="operator_deactivated"):
    """An operator who can no longer work hands every open chat back (deactivation). The caller locked the chats
    she had (`lookup.lock_operator_chats`) before changing her row; writing the row now waits for any claim in
    flight, and the chats are read again after it, so one assigned a moment ago is released too."""
    now = now or utcnow()
    db.session.flush()
    sessions = lookup.lock_operator_chats(operator.id, assignment.OPERATOR_SIDE_STATUSES)
    for session in sessions:
        requeue(session, operator.id, now, note=f"{operator.display_name} non è più attivo: chat rimessa in coda.")
    return len(sessions)


def requeue(session, previous_operator_id, now, note):
    """End the stint, note why, tell the visitor, then give the chat to someone else or queue it first."""
    assignment.end_stint(session, now, assignment.REQUEUED_REASON)
    db.session.add(InternalNote(session_id=session.id, operator_id=None, created_at=now, content=note))
    messages.system_message(session, "operator_requeued", now)
    state_machine.change_status(session, ChatStatus.WAITING_OPERATOR, reason=assignment.REQUEUED_REASON, now=now)
    db.session.flush()
    if assignment.assign_to_first_available(session, now, via="requeue", exclude_id=previous_operator_id):
        return
    db.session.add(QueueEntry(session_id=session.id, priority=REQUEUE_PRIORITY,
                              reason=assignment.REQUEUED_REASON, enqueued_at=now))
    push.chat_waiting(session)
