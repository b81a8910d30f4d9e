"""The one place a ticket's status changes: which moves are allowed, and what a move to or from done changes."""
from lucine_chatbot.insights import events
from lucine_chatbot.models import TicketStatus
from lucine_chatbot.platform.errors import Conflict
from lucine_chatbot.tickets import sla

T = TicketStatus
TRANSITIONS = {
    T.OPEN: {T.IN_PROGRESS, T.WAITING_USER, T.RESOLVED, T.CLOSED, T.ESCALATED},
    T.IN_PROGRESS: {T.OPEN, T.WAITING_USER, T.RESOLVED, T.CLOSED, T.ESCALATED},
    T.WAITING_USER: {T.OPEN, T.IN_PROGRESS, T.RESOLVED, T.CLOSED, T.ESCALATED},
    T.ESCALATED: {T.IN_PROGRESS, T.WAITING_USER, T.RESOLVED, T.CLOSED},
    T.RESOLVED: {T.OPEN, T.IN_PROGRESS, T.CLOSED},
    T.CLOSED: {T.OPEN},
}
DONE = frozenset({T.RESOLVED, T.CLOSED})
OPEN_TICKET_STATUSES = frozenset(T) - DONE


class InvalidTicketTransition(Conflict):
    """The ticket cannot go to that status from where it is (409)."""


def change_ticket_status(ticket, new_status, operator_id, now):
    new_status, previous = T(new_status), T(ticket.status)
    if new_status == previous:
        return
    if new_status not in TRANSITIONS[previous]:
        raise InvalidTicketTransition(f"A ticket cannot go from {previous} to {new_status}.")
    ticket.status = new_status
    if new_status in DONE and previous not in DONE:
        ticket.resolved_at = now
        events.record("ticket_resolved", ticket.session, operator_id=operator_id, ticketNumber=ticket.number,
                      status=str(new_status), breached=ticket.sla_breached)
    elif new_status not in DONE and previous in DONE:
        ticket.resolved_at = None
        ticket.due_at = sla.due_at(ticket.priority, now)  # a reopened ticket gets a fresh clock
