"""Operators' devices subscribed to Web Push, and the alerts each device wants."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lucine_chatbot.extensions import db
from lucine_chatbot.models.base import JSONType, utcnow

# The longest endpoint we store: FCM's are ~200 characters, WNS's ~400; the unique index still fits a btree page.
ENDPOINT_LENGTH = 2048


class PushSubscription(db.Model):
    """One browser's PushSubscription (RFC 8030 endpoint + RFC 8291 keys); it belongs to whoever subscribed it
    last on that device."""

    __tablename__ = "push_subscription"

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int] = mapped_column(sa.ForeignKey("operator.id", ondelete="CASCADE"), index=True)
    endpoint: Mapped[str] = mapped_column(sa.String(ENDPOINT_LENGTH), unique=True)
    p256dh: Mapped[str] = mapped_column(sa.String(128))
    auth: Mapped[str] = mapped_column(sa.String(64))
    events: Mapped[list] = mapped_column(JSONType, default=list)
    device: Mapped[str | None] = mapped_column(sa.String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_success_at: Mapped[datetime | None]

    operator = relationship("Operator")
