"""Tickets: what could not be solved live, with an SLA, and their notes."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lucine_chatbot.extensions import db
from lucine_chatbot.models.base import StrEnum, enum_column, utcnow


class TicketStatus(StrEnum):
    OPEN = "OPEN"
    IN_PROGRESS = "IN_PROGRESS"
    WAITING_USER = "WAITING_USER"
    RESOLVED = "RESOLVED"
    CLOSED = "CLOSED"
    ESCALATED = "ESCALATED"


class Priority(StrEnum):
    LOW = "LOW"
    MEDIUM = "MEDIUM"
    HIGH = "HIGH"
    URGENT = "URGENT"


class ContactMethod(StrEnum):
    EMAIL = "EMAIL"
    WHATSAPP = "WHATSAPP"
    PHONE = "PHONE"


class Ticket(db.Model):
    __tablename__ = "ticket"
    __table_args__ = (
        sa.Index("ix_ticket_status_due_at", "status", "due_at"),
        sa.Index("ix_ticket_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    status: Mapped[TicketStatus] = mapped_column(enum_column(TicketStatus, "ticket_status"),
                                                 default=TicketStatus.OPEN)
    priority: Mapped[Priority] = mapped_column(enum_column(Priority, "ticket_priority"), default=Priority.MEDIUM)
    subject: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text)
    contact_method: Mapped[ContactMethod | None] = mapped_column(enum_column(ContactMethod, "contact_method"))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    phone: Mapped[str | None] = mapped_column(sa.String(20))
    language: Mapped[str] = mapped_column(sa.String(5), default="it")
    session_id: Mapped[int | None] = mapped_column(sa.ForeignKey("chat_session.id", ondelete="SET NULL"),
                                                   index=True)
    assigned_to_id: Mapped[int | None] = mapped_column(sa.ForeignKey("operator.id", ondelete="SET NULL"))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("operator.id", ondelete="SET NULL"))
    resume_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    due_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    sla_breached: Mapped[bool] = mapped_column(default=False)
    breached_at: Mapped[datetime | None]

    session = relationship("ChatSession")
    assigned_to = relationship("Operator", foreign_keys=[assigned_to_id])
    notes = relationship("TicketNote", back_populates="ticket", order_by="TicketNote.id",
                         cascade="all, delete-orphan", passive_deletes=True)


class TicketNote(db.Model):
    __tablename__ = "ticket_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(sa.ForeignKey("ticket.id", ondelete="CASCADE"), index=True)
    operator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("operator.id", ondelete="SET NULL"))
    note: Mapped[str] = mapped_column(sa.Text)
    is_public: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    ticket = relationship("Ticket", back_populates="notes")
    operator = relationship("Operator")
