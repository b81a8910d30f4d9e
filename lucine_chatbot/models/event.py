"""Analytics events: one row per thing that happened, written in the transaction that made it happen."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lucine_chatbot.extensions import db
from lucine_chatbot.models.base import JSONType, utcnow

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


class AnalyticsEvent(db.Model):
    __tablename__ = "analytics_event"
    __table_args__ = (
        sa.Index("ix_analytics_event_type_created_at", "type", "created_at"),
        sa.Index("ix_analytics_event_created_at", "created_at"),
        sa.Index("ix_analytics_event_session_public_id", "session_public_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    type: Mapped[str] = mapped_column(sa.String(40))
    session_public_id: Mapped[str | None] = mapped_column(sa.String(64))
    operator_id: Mapped[int | None]
    data: Mapped[dict] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
