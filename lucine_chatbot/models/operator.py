"""Operators, revoked tokens and the audit log of who read what."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lucine_chatbot.extensions import db
from lucine_chatbot.models.base import JSONType, StrEnum, enum_column, utcnow


class Role(StrEnum):
    OPERATOR = "OPERATOR"
    ADMIN = "ADMIN"


class Operator(db.Model):
    __tablename__ = "operator"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    email: Mapped[str | None] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    display_name: Mapped[str] = mapped_column(sa.String(120))
    password_hash: Mapped[str] = mapped_column(sa.String(128))
    role: Mapped[Role] = mapped_column(enum_column(Role, "operator_role"), default=Role.OPERATOR)
    is_active: Mapped[bool] = mapped_column(default=True)
    is_online: Mapped[bool] = mapped_column(default=False, index=True)
    last_seen_at: Mapped[datetime | None]
    last_assigned_at: Mapped[datetime | None]
    # Tokens issued (JWT `iat`) before this are refused: set by a password or role change and a deactivation.
    tokens_valid_after: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    @property
    def is_admin(self):
        return self.role == Role.ADMIN


class RevokedToken(db.Model):
    __tablename__ = "revoked_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    jti: Mapped[str] = mapped_column(sa.String(64), unique=True)
    operator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("operator.id", ondelete="CASCADE"))
    expires_at: Mapped[datetime] = mapped_column(index=True)
    revoked_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditLog(db.Model):
    __tablename__ = "audit_log"
    __table_args__ = (sa.Index("ix_audit_log_created_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    operator_id: Mapped[int | None] = mapped_column(sa.ForeignKey("operator.id", ondelete="SET NULL"),
                                                    index=True)
    action: Mapped[str] = mapped_column(sa.String(40))
    target_type: Mapped[str] = mapped_column(sa.String(40))
    target_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    ip_address: Mapped[str | None] = mapped_column(sa.String(64))
    details: Mapped[dict] = mapped_column(JSONType, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    operator = relationship("Operator")
