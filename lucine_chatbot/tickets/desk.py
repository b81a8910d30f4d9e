"""The operators' side of tickets: list, read (audited), update status/priority/assignee, notes, and the sweep's
escalation of overdue tickets."""
from lucine_chatbot.extensions import db
from lucine_chatbot.insights import events
from lucine_chatbot.models import (
    AuditLog,
    Message,
    Operator,
    Priority,
    Sender,
    Ticket,
    TicketNote,
    TicketStatus,
    utcnow,
)
from lucine_chatbot.notifications import outbox
from lucine_chatbot.platform.clock import iso
from lucine_chatbot.platform.database import get_or_404
from lucine_chatbot.platform.errors import ValidationError
from lucine_chatbot.push import hooks as push
from lucine_chatbot.tickets import sla
from lucine_chatbot.tickets.state_machine import change_ticket_status


def get_ticket(ticket_id):
    return get_or_404(Ticket, ticket_id, "This ticket does not exist.")


def list_tickets(status=None, priority=None, breached=None, page=1, per_page=20):
    """(tickets, total), newest first."""
    query = db.session.query(Ticket)
    if status:
        query = query.filter(Ticket.status == TicketStatus(status))
    if priority:
        query = query.filter(Ticket.priority == Priority(priority))
    if breached is not None:
        query = query.filter(Ticket.sla_breached.is_(bool(breached)))
    total = query.count()
    rows = query.order_by(Ticket.created_at.desc(), Ticket.id.desc()).offset((page - 1) * per_page) \
        .limit(per_page).all()
    return rows, total


def read_ticket(ticket_id, operator, ip_address=None):
    """A ticket holds a visitor's contact: every operator read is audited. Commits."""
    ticket = get_ticket(ticket_id)
    db.session.add(AuditLog(operator_id=operator.id, action="read_ticket", target_type="ticket",
                            target_id=str(ticket.id), ip_address=ip_address, details={"number": ticket.number}))
    db.session.commit()
    return ticket


def change_priority(ticket, priority):
    ticket.priority = Priority(priority)
    if not ticket.sla_breached:
        ticket.due_at = sla.due_at(ticket.priority, ticket.created_at)


def assign(ticket, operator_id):
    if operator_id is not None and db.session.get(Operator, operator_id) is None:
        raise ValidationError("No such operator.", fields={"assignedTo": "unknown operator id"})
    ticket.assigned_to_id = operator_id


def update_ticket(ticket_id, operator, changes, now=None):
    """Apply `changes` (keys among status, priority, assigned_to); commits.

    :raise InvalidTicketTransition: 409.  :raise ValidationError: unknown assignee (422).
    """
    now = now or utcnow()
    ticket = get_ticket(ticket_id)
    if "priority" in changes and changes["priority"]:
        change_priority(ticket, changes["priority"])
    if "assigned_to" in changes:
        assign(ticket, changes["assigned_to"])
    if "status" in changes and changes["status"]:
        change_ticket_status(ticket, changes["status"], operator.id, now)
    ticket.updated_at = now
    db.session.commit()
    return ticket


def add_note(ticket_id, operator, text, is_public=False, now=None):
    """An operator's note; a public one also reaches the visitor (chat + their contact channel). Commits."""
    now = now or utcnow()
    ticket = get_ticket(ticket_id)
    note = TicketNote(ticket_id=ticket.id, operator_id=operator.id, note=text, is_public=is_public, created_at=now)
    db.session.add(note)
    ticket.updated_at = now
    if is_public and ticket.session is not None:
        db.session.add(Message(session_id=ticket.session_id, sender=Sender.OPERATOR, body=text,
                               operator_id=operator.id, created_at=now,
                               meta={"kind": "ticket_reply", "ticketNumber": ticket.number,
                                     "operatorName": operator.display_name, "sentAt": iso(now)}))
        ticket.session.last_activity_at = now
    if is_public:
        db.session.flush()
        outbox.add("public_note", noteId=note.id)
    db.session.commit()
    return note


def escalate_overdue(now):
    """Sweep rule: an unresolved ticket past due becomes ESCALATED once, one priority step up, admins alerted.

    Commits itself (one short transaction); the alerts are owed in it (outbox), so they exist exactly when the
    escalation does.
    """
    overdue = (db.session.query(Ticket).filter(
        Ticket.status.in_([TicketStatus.OPEN, TicketStatus.IN_PROGRESS, TicketStatus.WAITING_USER]),
        Ticket.sla_breached.is_(False),
        Ticket.due_at < now).order_by(Ticket.id).limit(200).with_for_update(skip_locked=True).all())
    for ticket in overdue:
        previous = str(ticket.priority)
        ticket.status, ticket.priority = TicketStatus.ESCALATED, Priority(sla.raise_priority(ticket.priority))
        ticket.sla_breached, ticket.breached_at, ticket.updated_at = True, now, now
        events.record("ticket_sla_breached", ticket.session, ticketNumber=ticket.number, dueAt=iso(ticket.due_at),
                      previousPriority=previous, priority=str(ticket.priority))
        push.ticket_overdue(ticket)
        outbox.add("breach_alert", ticketId=ticket.id)
    db.session.commit()
    return len(overdue)
