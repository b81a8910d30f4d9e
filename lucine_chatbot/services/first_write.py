"""A new visitor's first message written in one PostgreSQL statement (docs/performance.md).

Every conversation starts with the same three writes: the session, the visitor's message (which needs the
session's id) and their analytics events. Through the ORM that is a unit-of-work flush of two objects and an
INSERT per table, with BEGIN and COMMIT around them: a third of the request's CPU and five round trips.
PostgreSQL takes them as one statement with data-modifying CTEs:

    WITH s AS (INSERT INTO chat_session … RETURNING id),
         m AS (INSERT INTO chat_message (session_id, …) SELECT s.id, … FROM s RETURNING session_id, id),
         e0 AS (INSERT INTO analytics_event … VALUES (…)), e1 AS (…)
    SELECT m.session_id, m.id FROM m

One statement is atomic by itself, so when nothing else used the transaction it runs in autocommit mode: one
round trip. The rows come from the ORM objects the use case built (column defaults applied the way a flush
would); the objects go back into the ORM session as rows just loaded, with the ids the statement returned,
and the request answers from them. Anything else in the transaction, another dialect, or a savepoint, and
the caller lets the ORM write: the same rows either way (tests/services/test_first_write.py).
"""
import functools

import sqlalchemy as sa
from sqlalchemy.orm import make_transient_to_detached

from ..extensions import db
from ..models import AnalyticsEvent, ChatSession, Message
from . import events, without_transaction

_statements = {}  # number of events → the statement; built once per process from the tables' columns


def applies(session, message):
    """True when the transaction holds exactly this new session and its message, on PostgreSQL."""
    orm_session = db.session()
    return (orm_session.get_bind().dialect.name == "postgresql" and not orm_session.in_nested_transaction()
            and len(orm_session.new) == 2 and session in orm_session.new and message in orm_session.new
            and not orm_session.dirty and not orm_session.deleted)


def write(session, message):
    """Insert `session`, `message` and the transaction's pending events in one statement; sets their ids.

    Call only when `applies()`; the caller commits. The two objects are then persistent, as if just loaded.
    """
    orm_session = db.session()
    rows = orm_session.info.pop(events.PENDING_KEY, None) or []
    values = {**_row(session, "s_"), **_row(message, "m_", skip=("session_id",))}
    for index, row in enumerate(rows):
        values.update({f"e{index}_{key}": value for key, value in row.items()})
    orm_session.expunge(message)
    orm_session.expunge(session)
    without_transaction()  # when the statement is the transaction's only one
    try:
        session.id, message.id = orm_session.execute(_statement(len(rows)), values).one()
    except BaseException:
        orm_session.info[events.PENDING_KEY] = rows + orm_session.info.get(events.PENDING_KEY, [])
        raise
    message.session_id = session.id
    make_transient_to_detached(session)  # back in the ORM session, as rows just loaded: nothing to flush
    make_transient_to_detached(message)
    orm_session.add(session)  # and the message with it (save-update cascade)


def _row(obj, prefix, skip=()):
    """The object's column values as a flush would insert them: what was set, else the column's default."""
    values = {}
    for column in _columns(type(obj).__table__, skip):
        key = column.key
        if key not in obj.__dict__ and column.default is not None:
            default = column.default
            setattr(obj, key, default.arg(None) if default.is_callable else default.arg)
        values[prefix + key] = obj.__dict__.get(key)
    return values


@functools.cache
def _columns(table, skip=()):
    columns = [c for c in table.columns if not c.primary_key and c.key not in skip]
    if any(c.server_default is not None for c in columns):  # _row would write NULL where the server fills in
        raise NotImplementedError(f"{table.name}: a server default needs handling in first_write._row")
    return columns


def _statement(event_count):
    statement = _statements.get(event_count)
    if statement is None:
        statement = _statements[event_count] = _build(event_count)
    return statement


def _bound(table, prefix, skip=()):
    return {c.key: sa.bindparam(prefix + c.key, type_=c.type) for c in _columns(table, skip)}


def _build(event_count):
    sessions, messages, event_table = ChatSession.__table__, Message.__table__, AnalyticsEvent.__table__
    s = sa.insert(sessions).values(_bound(sessions, "s_")).returning(sessions.c.id).cte("s")
    message_values = _bound(messages, "m_", skip=("session_id",))
    m = (sa.insert(messages)
         .from_select(["session_id", *message_values], sa.select(s.c.id, *message_values.values()))
         .returning(messages.c.session_id, messages.c.id).cte("m"))
    query = sa.select(m.c.session_id, m.c.id)
    for index in range(event_count):  # one CTE per row: a multi-row VALUES is compiled again at every call
        query = query.add_cte(sa.insert(event_table).values(_bound(event_table, f"e{index}_")).cte(f"e{index}"))
    return query
