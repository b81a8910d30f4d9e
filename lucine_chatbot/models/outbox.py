"""The notification outbox: what a use case promised to send, written in its own commit, marked when sent."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lucine_chatbot.extensions import db
from lucine_chatbot.models.base import JSONType, StrEnum, enum_column, utcnow
from lucine_chatbot.models.event import BigId


class OutboxStatus(StrEnum):
    PENDING = "PENDING"  # not sent yet (first attempt to come, or a retry after a failure)
    DELIVERED = "DELIVERED"  # sent: never again
    SKIPPED = "SKIPPED"  # nothing to send (no channel configured, recipient erased, SMS cap reached)
    FAILED = "FAILED"  # gave up after the last retry


class OutboxMessage(db.Model):
    """One notification to deliver. `payload` holds ids (never a resume token nor a contact address)."""

    __tablename__ = "outbox_message"
    __table_args__ = (
        sa.Index("ix_outbox_message_status_next_attempt_at", "status", "next_attempt_at"),
        sa.Index("ix_outbox_message_channel_delivered_at", "channel", "delivered_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    payload: Mapped[dict] = mapped_column(JSONType, default=dict)
    status: Mapped[OutboxStatus] = mapped_column(enum_column(OutboxStatus, "outbox_status"),
                                                 default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    channel: Mapped[str | None] = mapped_column(sa.String(20))  # what carried it: email, sms, whatsapp, webhook
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None]  # a worker is sending it until then; past it, the claim lapsed
    delivered_at: Mapped[datetime | None]
