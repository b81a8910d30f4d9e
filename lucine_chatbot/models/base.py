"""Shared column helpers: UTC time, JSON that is JSONB on PostgreSQL, enum columns stored as text."""
import enum
from datetime import datetime, timezone

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def utcnow():
    """Naive UTC: the same on SQLite and PostgreSQL; serialisers add the `Z`."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def enum_column(enum_cls, name):
    """A VARCHAR enum with a named CHECK constraint: portable, and new values need no type migration."""
    return sa.Enum(
        enum_cls, name=name, native_enum=False, create_constraint=True,
        length=max(len(m.value) for m in enum_cls), values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


class StrEnum(str, enum.Enum):
    def __str__(self):
        return self.value
