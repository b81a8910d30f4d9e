"""Conversations: sessions, messages, internal notes, operator assignments and queue entries."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lucine_chatbot.extensions import db
from lucine_chatbot.models.base import JSONType, StrEnum, enum_column, utcnow


class ChatStatus(StrEnum):
    ACTIVE = "ACTIVE"
    IDLE = "IDLE"
    WAITING_OPERATOR = "WAITING_OPERATOR"
    WITH_OPERATOR = "WITH_OPERATOR"
    WAITING_CLIENT = "WAITING_CLIENT"
    RESOLVED = "RESOLVED"
    NOT_RESOLVED = "NOT_RESOLVED"
    CANCELLED = "CANCELLED"
    ENDED = "ENDED"


class Sender(StrEnum):
    USER = "USER"
    BOT = "BOT"
    OPERATOR = "OPERATOR"
    SYSTEM = "SYSTEM"


class QueueStatus(StrEnum):
    WAITING = "WAITING"
    ASSIGNED = "ASSIGNED"
    CANCELLED = "CANCELLED"
    ABANDONED = "ABANDONED"


class ChatSession(db.Model):
    __tablename__ = "chat_session"
    __table_args__ = (
        sa.Index("ix_chat_session_status_last_activity", "status", "last_activity_at"),
        sa.Index("ix_chat_session_operator_status", "operator_id", "status"),
        sa.Index("ix_chat_session_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(64), unique=True)
    status: Mapped[ChatStatus] = mapped_column(enum_column(ChatStatus, "chat_status"), default=ChatStatus.ACTIVE)
    language: Mapped[str] = mapped_column(sa.String(5), default="it")
    operator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("operator.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_visitor_message_at: Mapped[datetime | None]
    last_operator_message_at: Mapped[datetime | None]
    status_changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    ai_pending: Mapped[bool] = mapped_column(default=False)
    meta: Mapped[dict] = mapped_column(JSONType, default=dict)

    operator = relationship("Operator", foreign_keys=[operator_id])
    messages = relationship("Message", back_populates="session", order_by="Message.id",
                            cascade="all, delete-orphan", passive_deletes=True)


class Message(db.Model):
    __tablename__ = "chat_message"
    __table_args__ = (
        sa.Index("ix_chat_message_session_id_id", "session_id", "id"),
        sa.Index("ix_chat_message_created_at", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("chat_session.id", ondelete="CASCADE"))
    sender: Mapped[Sender] = mapped_column(enum_column(Sender, "message_sender"))
    body: Mapped[str] = mapped_column(sa.Text)
    meta: Mapped[dict] = mapped_column(JSONType, default=dict)
    operator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("operator.id", ondelete="SET NULL"))
    # The USER message a BOT message answers: unique, so a job that runs twice cannot reply twice.
    reply_to_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("chat_message.id", ondelete="CASCADE"), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    session = relationship("ChatSession", back_populates="messages")


class InternalNote(db.Model):
    __tablename__ = "internal_note"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("chat_session.id", ondelete="CASCADE"), index=True)
    operator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("operator.id", ondelete="SET NULL"))
    content: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    operator = relationship("Operator")


class OperatorChat(db.Model):
    """One operator's stint on a chat; at most one open (ended_at NULL) per session, enforced by the DB."""

    __tablename__ = "operator_chat"
    __table_args__ = (
        sa.Index("uq_operator_chat_open_session", "session_id", unique=True,
                 postgresql_where=sa.text("ended_at IS NULL"), sqlite_where=sa.text("ended_at IS NULL")),
        sa.Index("ix_operator_chat_operator_open", "operator_id", "ended_at"),
        sa.Index("ix_operator_chat_session_id", "session_id"),
        sa.CheckConstraint("rating IS NULL OR (rating BETWEEN 1 AND 5)", name="rating_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("chat_session.id", ondelete="CASCADE"))
    operator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("operator.id", ondelete="SET NULL"))
    assigned_at: Mapped[datetime] = mapped_column(default=utcnow)
    first_response_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(sa.String(40))
    rating: Mapped[int | None]
    rating_comment: Mapped[str | None] = mapped_column(sa.Text)
    rated_at: Mapped[datetime | None]

    operator = relationship("Operator")
    session = relationship("ChatSession")


class QueueEntry(db.Model):
    """A wait for a human; at most one WAITING entry per session (a session may queue many times)."""

    __tablename__ = "queue_entry"
    __table_args__ = (
        sa.Index("uq_queue_entry_waiting_session", "session_id", unique=True,
                 postgresql_where=sa.text("status = 'WAITING'"), sqlite_where=sa.text("status = 'WAITING'")),
        sa.Index("ix_queue_entry_status_priority_enqueued", "status", "priority", "enqueued_at"),
        sa.Index("ix_queue_entry_session_id", "session_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("chat_session.id", ondelete="CASCADE"))
    status: Mapped[QueueStatus] = mapped_column(enum_column(QueueStatus, "queue_status"),
                                                default=QueueStatus.WAITING)
    priority: Mapped[int] = mapped_column(sa.SmallInteger, default=1)  # 0 LOW .. 3 URGENT; higher first
    reason: Mapped[str | None] = mapped_column(sa.String(40))
    enqueued_at: Mapped[datetime] = mapped_column(default=utcnow)
    assigned_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    operator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("operator.id", ondelete="SET NULL"))
    ticket_offered_at: Mapped[datetime | None]

    session = relationship("ChatSession")
