"""Content the system speaks from: knowledge items, automated texts, canned replies, calendar overrides."""
import datetime as dt
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lucine_chatbot.extensions import db
from lucine_chatbot.models.base import JSONType, StrEnum, enum_column, utcnow


class KnowledgeItem(db.Model):
    """One KB entry in one language; `slug` groups the it/en/de wordings of the same fact."""

    __tablename__ = "knowledge_item"
    __table_args__ = (
        sa.UniqueConstraint("slug", "language", name="uq_knowledge_item_slug_language"),
        sa.Index("ix_knowledge_item_active_language", "is_active", "language"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80))
    language: Mapped[str] = mapped_column(sa.String(5), default="it")
    category: Mapped[str] = mapped_column(sa.String(40), default="general")
    question: Mapped[str] = mapped_column(sa.Text)
    answer: Mapped[str] = mapped_column(sa.Text)
    keywords: Mapped[list] = mapped_column(JSONType, default=list)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AutomatedText(db.Model):
    __tablename__ = "automated_text"
    __table_args__ = (sa.UniqueConstraint("key", "language", name="uq_automated_text_key_language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(60))
    language: Mapped[str] = mapped_column(sa.String(5))
    text: Mapped[str] = mapped_column(sa.Text)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("operator.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class CannedReply(db.Model):
    __tablename__ = "canned_reply"
    __table_args__ = (sa.UniqueConstraint("shortcut", "language", name="uq_canned_reply_shortcut_language"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    shortcut: Mapped[str] = mapped_column(sa.String(40))
    title: Mapped[str] = mapped_column(sa.String(120))
    text: Mapped[str] = mapped_column(sa.Text)
    language: Mapped[str] = mapped_column(sa.String(5), default="it")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class DayStatus(StrEnum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"
    SOLD_OUT = "SOLD_OUT"
    CANCELLED = "CANCELLED"


class CalendarOverride(db.Model):
    """An operator's word on one evening (sold out, cancelled for weather…), beating the season plan."""

    __tablename__ = "calendar_override"

    id: Mapped[int] = mapped_column(primary_key=True)
    date: Mapped[dt.date] = mapped_column(unique=True)
    status: Mapped[DayStatus] = mapped_column(enum_column(DayStatus, "day_status"))
    note: Mapped[str | None] = mapped_column(sa.String(300))
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("operator.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SystemState(db.Model):
    """Small named values the system keeps: the last sweep time, the season calendar."""

    __tablename__ = "system_state"

    key: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    value: Mapped[dict] = mapped_column(JSONType, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
