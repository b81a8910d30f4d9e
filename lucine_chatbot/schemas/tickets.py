"""Request models of the tickets API (the API contract, /api/openapi.json)."""
from typing import Literal

from pydantic import Field

from lucine_chatbot.platform.clock import iso
from lucine_chatbot.schemas import ApiModel
from lucine_chatbot.schemas.common import operator_out

ContactMethodName = Literal["EMAIL", "WHATSAPP", "PHONE"]
TicketStatusName = Literal["OPEN", "IN_PROGRESS", "WAITING_USER", "RESOLVED", "CLOSED", "ESCALATED"]
PriorityName = Literal["LOW", "MEDIUM", "HIGH", "URGENT"]
TEXT_MAX = 4000


class TicketCreate(ApiModel):
    """A visitor's ticket; the contact for the chosen method is required and validated by the service."""

    session_id: str | None = Field(None, max_length=64)
    subject: str | None = Field(None, max_length=200)
    description: str = Field(min_length=1, max_length=TEXT_MAX)
    contact_method: ContactMethodName
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=32)
    language: Literal["it", "en", "de"] | None = None


class TicketQuery(ApiModel):
    status: TicketStatusName | None = None
    priority: PriorityName | None = None
    breached: bool | None = None
    page: int = Field(1, ge=1)
    per_page: int = Field(20, ge=1, le=100)


class TicketUpdate(ApiModel):
    """Only the fields sent change; `assignedTo: null` unassigns."""

    status: TicketStatusName | None = None
    priority: PriorityName | None = None
    assigned_to: int | None = None


class TicketNoteCreate(ApiModel):
    note: str = Field(min_length=1, max_length=TEXT_MAX)
    is_public: bool = False


def note_out(note):
    return {"id": note.id, "note": note.note, "isPublic": note.is_public, "operator": operator_out(note.operator),
            "createdAt": iso(note.created_at)}


def ticket_out(ticket):
    """The API's Ticket object."""
    return {
        "id": ticket.id, "ticketNumber": ticket.number, "status": str(ticket.status),
        "priority": str(ticket.priority), "subject": ticket.subject, "description": ticket.description,
        "contactMethod": str(ticket.contact_method) if ticket.contact_method else None, "email": ticket.email,
        "phone": ticket.phone, "sessionId": ticket.session.public_id if ticket.session else None,
        "assignedTo": operator_out(ticket.assigned_to), "createdAt": iso(ticket.created_at),
        "updatedAt": iso(ticket.updated_at), "dueAt": iso(ticket.due_at), "resolvedAt": iso(ticket.resolved_at),
        "slaBreached": ticket.sla_breached, "notes": [note_out(n) for n in ticket.notes],
    }
