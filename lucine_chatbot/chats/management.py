"""Operators manage chats: status through the state machine, internal notes, audited history, the live lists."""
import sqlalchemy as sa

from lucine_chatbot.chats import assignment, escalation, lookup, messages, state_machine
from lucine_chatbot.chats.operator_desk import NO_SUCH_CHAT, ensure_may_handle, get_operator
from lucine_chatbot.extensions import db
from lucine_chatbot.insights import events
from lucine_chatbot.models import ChatSession, ChatStatus, InternalNote, Operator, OperatorChat, Ticket, utcnow
from lucine_chatbot.operators import audit
from lucine_chatbot.platform.errors import ValidationError
from lucine_chatbot.tickets import intake

CLOSING_STATUSES = (ChatStatus.RESOLVED, ChatStatus.NOT_RESOLVED, ChatStatus.CANCELLED, ChatStatus.ENDED)
SETTABLE_STATUSES = frozenset(CLOSING_STATUSES + (ChatStatus.WAITING_CLIENT, ChatStatus.WITH_OPERATOR))
ACTIVE_LIST_LIMIT = 200
FILTERS = ("assigned", "unassigned", "waiting", "all")


def ensure_may_manage(session, operator):
    """A chat someone owns is theirs (and admins'); an unowned chat any operator may manage."""
    if session.operator_id is not None:
        ensure_may_handle(session, operator)


@lookup.retried_once
def update_status(operator_id, public_id, status, notes=None, now=None):
    """Change status via the state machine; closing ends the operator stint and says goodbye. Commits.

    :raise InvalidTransition: 409.  :raise Forbidden: someone else's chat.
    """
    now = now or utcnow()
    session = lookup.get(public_id, for_change=True, message=NO_SUCH_CHAT)
    operator = get_operator(operator_id)
    status = ChatStatus(status)
    if status not in SETTABLE_STATUSES:
        raise ValidationError(f"Operators cannot set the status {status}.", fields={"status": "not settable"})
    ensure_may_manage(session, operator)
    previous = ChatStatus(session.status)
    if status != previous:
        apply_status(session, previous, status, operator, now)
    if notes:
        add_internal_note(session, operator, notes, now)
    db.session.commit()
    return session, previous


def apply_status(session, previous, status, operator, now):
    if not state_machine.can_change(previous, status):
        raise state_machine.InvalidTransition(f"A chat cannot go from {previous} to {status}.")
    if status in CLOSING_STATUSES:
        escalation.close_chat(session, status, now, reason="operator", operator_id=operator.id)
    elif status == ChatStatus.WITH_OPERATOR and session.operator_id is None:
        raise state_machine.InvalidTransition("Take the chat first: it has no operator.")
    else:
        state_machine.change_status(session, status, reason="operator", operator_id=operator.id, now=now)


def add_internal_note(session, operator, content, now):
    note = InternalNote(session_id=session.id, operator_id=operator.id, content=content, created_at=now)
    db.session.add(note)
    events.record("internal_note_added", session, operator_id=operator.id, noteLength=len(content))
    return note


def add_note(operator_id, public_id, content, now=None):
    """An internal note (never shown to the visitor); any operator may add one. Commits."""
    now = now or utcnow()
    note = add_internal_note(lookup.get(public_id, message=NO_SUCH_CHAT), get_operator(operator_id), content, now)
    db.session.commit()
    return note


def history(operator_id, public_id, ip_address=None, before=None):
    """Everything about one chat for an operator, its messages a page at a time (the newest, or those before
    message `before`); the read is audited. Commits the audit entry."""
    session = lookup.get(public_id, message=NO_SUCH_CHAT)
    audit.record_read(operator_id, session.public_id, "view_history", ip_address)
    db.session.commit()
    messages, has_more = lookup.transcript(session.id, before)
    notes = db.session.query(InternalNote).filter(InternalNote.session_id == session.id) \
        .order_by(InternalNote.id).all()
    stints = db.session.query(OperatorChat).filter(OperatorChat.session_id == session.id) \
        .order_by(OperatorChat.id).all()
    operator_ids = list(dict.fromkeys(s.operator_id for s in stints if s.operator_id))
    operators = [db.session.get(Operator, op_id) for op_id in operator_ids]
    chat_tickets = db.session.query(Ticket).filter(Ticket.session_id == session.id).order_by(Ticket.id).all()
    return {"session": session, "messages": messages, "hasMore": has_more, "notes": notes, "stints": stints,
            "operators": operators, "tickets": chat_tickets}


def filter_condition(name, operator_id):
    return {
        "assigned": sa.and_(ChatSession.operator_id == operator_id,
                            ChatSession.status.in_(assignment.OPERATOR_SIDE_STATUSES)),
        "unassigned": ChatSession.status == ChatStatus.WAITING_OPERATOR,
        "waiting": ChatSession.status == ChatStatus.WAITING_CLIENT,
        "all": ChatSession.status.in_(state_machine.OPEN_STATUSES),
    }[name]


def active_chats(operator_id, filter_name="all"):
    """The chats of one filter (newest activity first) and the counts of all four (one grouped query)."""
    conditions = {name: filter_condition(name, operator_id) for name in FILTERS}
    counts_row = db.session.query(*[sa.func.count(sa.case((cond, 1))) for cond in conditions.values()]) \
        .select_from(ChatSession).filter(ChatSession.status.in_(state_machine.OPEN_STATUSES)).one()
    sessions = db.session.query(ChatSession).filter(conditions[filter_name]) \
        .order_by(ChatSession.last_activity_at.desc()).limit(ACTIVE_LIST_LIMIT).all()
    counts, last = messages.summaries([s.id for s in sessions])
    operators = {op.id: op for op in db.session.query(Operator).filter(
        Operator.id.in_({s.operator_id for s in sessions if s.operator_id}))} if sessions else {}
    chats = [{"session": s, "operator": operators.get(s.operator_id), "messageCount": counts.get(s.id, 0),
              "lastMessage": last.get(s.id)} for s in sessions]
    return chats, dict(zip(FILTERS, counts_row))


def create_ticket(operator_id, public_id, subject, now=None, **fields):
    """Turn the chat into a ticket; the tickets service resolves the chat (freeing the slot) and commits."""
    operator = get_operator(operator_id)
    ensure_may_manage(lookup.get(public_id, message=NO_SUCH_CHAT), operator)
    return intake.create_ticket_from_chat(public_id, operator, subject, now=now, **fields)
