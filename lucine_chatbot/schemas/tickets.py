"""Request models of the tickets API (API.md § Tickets)."""
from typing import Literal

from pydantic import Field

from lucine_chatbot.schemas import ApiModel

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
