"""Who gets which push, saying what: each alert re-loaded by id when its job runs, and sent only while it is
still true (the chat still assigned to her, still waiting, the ticket still past its SLA)."""
import sqlalchemy as sa

from lucine_chatbot.chats import assignment
from lucine_chatbot.extensions import db
from lucine_chatbot.models import ChatSession, ChatStatus, Message, Operator, PushSubscription, Sender, Ticket
from lucine_chatbot.operators import presence
from lucine_chatbot.push.subscriptions import CHAT_ASSIGNED, CHAT_WAITING, SLA_BREACHED, VISITOR_MESSAGE

EXCERPT_LENGTH = 100


def subscriptions_for(operator_ids, event):
    """Subscriptions of these operators that want `event` (filtered here: JSON containment differs by dialect)."""
    if not operator_ids:
        return []
    rows = db.session.query(PushSubscription).filter(PushSubscription.operator_id.in_(operator_ids)).all()
    return [row for row in rows if event in (row.events or [])]


def chat_url(session):
    return f"/dashboard/chats/{session.public_id}"


def excerpt(session):
    body = db.session.query(Message.body).filter(Message.session_id == session.id, Message.sender == Sender.USER) \
        .order_by(Message.id.desc()).limit(1).scalar()
    body = " ".join((body or "").split())
    return body if len(body) <= EXCERPT_LENGTH else body[:EXCERPT_LENGTH - 1] + "…"


def chat_payload(session, title):
    return {"title": title, "body": excerpt(session) or "Un visitatore chiede un operatore.",
            "url": chat_url(session), "tag": f"chat-{session.public_id}"}


def assigned_alert(session_id, operator_id):
    """(payload, subscriptions) for a chat still assigned to her, else None."""
    session = db.session.get(ChatSession, session_id)
    if (session is None or session.operator_id != operator_id
            or session.status not in assignment.OPERATOR_SIDE_STATUSES):
        return None
    return chat_payload(session, "Chat assegnata a te"), subscriptions_for([operator_id], CHAT_ASSIGNED)


def free_operator_ids():
    """Online, active operators below MAX_CHATS_PER_OPERATOR."""
    counts = assignment.open_counts_subquery()
    rows = (db.session.query(Operator.id).outerjoin(counts, counts.c.operator_id == Operator.id)
            .filter(Operator.is_online.is_(True), Operator.is_active.is_(True),
                    sa.func.coalesce(counts.c.n, 0) < assignment.capacity()).all())
    return [row.id for row in rows]


def waiting_alert(session_id):
    """(payload, subscriptions) while the chat still waits in the queue, for everyone who could take it."""
    session = db.session.get(ChatSession, session_id)
    if session is None or session.operator_id is not None or session.status != ChatStatus.WAITING_OPERATOR:
        return None
    return (chat_payload(session, "Chat in coda: puoi prenderla"),
            subscriptions_for(free_operator_ids(), CHAT_WAITING))


def visitor_message_alert(session_id):
    """(payload, subscriptions) for the chat's operator, unless a dashboard tab of hers is visible."""
    session = db.session.get(ChatSession, session_id)
    operator = session.operator if session is not None else None
    if operator is None or presence.dashboard_visible(operator.id):
        return None
    return (chat_payload(session, "Nuovo messaggio del visitatore"),
            subscriptions_for([operator.id], VISITOR_MESSAGE))


def overdue_alert(ticket_id):
    """(payload, subscriptions) for the active admins while the ticket is still past its SLA."""
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None or not ticket.sla_breached or ticket.resolved_at is not None:
        return None
    admins = [row.id for row in db.session.query(Operator.id).filter(Operator.role == "ADMIN",
                                                                     Operator.is_active.is_(True))]
    payload = {"title": f"Ticket {ticket.number} oltre lo SLA", "body": (ticket.subject or "")[:EXCERPT_LENGTH],
               "url": f"/dashboard/tickets?breached=true&id={ticket.id}", "tag": f"ticket-{ticket.id}"}
    return payload, subscriptions_for(admins, SLA_BREACHED)
