"""A visitor's message to the assistant written in one PostgreSQL statement (docs/performance.md).

Every message the assistant answers is the same few writes: the session (inserted for a new visitor, its
activity columns updated otherwise), the visitor's message (which needs the session's id) and its analytics
events. Through the ORM that is a unit-of-work flush and a statement per row, with BEGIN and COMMIT around
them: a third of the request's CPU, and five round trips for a new visitor. PostgreSQL takes them as one
statement with data-modifying CTEs:

    WITH s AS (INSERT INTO chat_session … RETURNING id),          -- or: UPDATE chat_session SET … WHERE id = …
         m AS (INSERT INTO chat_message (session_id, …) SELECT s.id, … FROM s RETURNING session_id, id),
         e0 AS (INSERT INTO analytics_event … VALUES (…)), e1 AS (…)
    SELECT m.session_id, m.id FROM m

One statement is atomic by itself, so when nothing else used the transaction (a new visitor) it runs in
autocommit mode: one round trip. A follow-up has read its session first, so the statement joins that
transaction: four round trips instead of six. The rows come from the ORM objects the use case built (column
defaults applied the way a flush would; for a loaded session, the columns it changed); the objects then
look as a flush leaves them, with the ids the statement returned, and the request answers from them. A
changed session's cached poll answer is invalidated at commit, as after a flush (poll_cache). Anything else
in the transaction, another dialect, or a savepoint, and the caller lets the ORM write: the same rows either
way (tests/chats/visitor/test_visitor_write.py).
"""
import functools

import sqlalchemy as sa
from sqlalchemy.orm import make_transient, make_transient_to_detached
from sqlalchemy.orm.attributes import get_history

from lucine_chatbot.chats.visitor import poll_cache
from lucine_chatbot.extensions import db
from lucine_chatbot.insights import events
from lucine_chatbot.models import AnalyticsEvent, ChatSession, Message
from lucine_chatbot.platform.database import without_transaction


def applies(session, message):
    """True when the transaction holds exactly this session (new, or loaded and changed) and its new message,
    on PostgreSQL, outside a savepoint."""
    orm_session = db.session()
    if orm_session.get_bind().dialect.name != "postgresql" or orm_session.in_nested_transaction():
        return False
    new, dirty = orm_session.new, orm_session.dirty
    if message not in new or orm_session.deleted:
        return False
    if session in new:
        return len(new) == 2 and not dirty
    return len(new) == 1 and len(dirty) == 1 and session in dirty


def write(session, message):
    """Write `session`, `message` and the transaction's pending events in one statement; sets the ids.

    Call only when `applies()`; the caller commits. Both objects are then persistent and unmodified, as after
    a flush.
    """
    orm_session = db.session()
    inserting = session in orm_session.new
    if inserting:
        changed, values = None, _row(session, "s_")
    else:
        changed = tuple(c.key for c in _columns(ChatSession.__table__)
                        if get_history(session, c.key).has_changes()) or ("last_activity_at",)
        values = {"s_id": session.id, **{f"s_{key}": session.__dict__[key] for key in changed}}
    values.update(_row(message, "m_", skip=("session_id",)))
    rows = orm_session.info.pop(events.PENDING_KEY, None) or []
    for index, row in enumerate(rows):
        values.update({f"e{index}_{key}": value for key, value in row.items()})
    orm_session.expunge(message)
    if inserting:
        orm_session.expunge(session)
        without_transaction()  # the statement is the transaction's only one
    try:
        with orm_session.no_autoflush:  # the statement writes the changed session itself
            session_id, message.id = orm_session.execute(_statement(changed, len(rows)), values).one()
    except BaseException:
        orm_session.info[events.PENDING_KEY] = rows + orm_session.info.get(events.PENDING_KEY, [])
        raise
    session.id = message.session_id = session_id
    if not inserting:
        make_transient(session)  # to be re-attached below with its history cleared, as a flush leaves it
        poll_cache.changed(orm_session, session.public_id)
    make_transient_to_detached(session)
    make_transient_to_detached(message)
    orm_session.add(session)
    orm_session.add(message)  # (a loaded session's unloaded `messages` would not cascade to it)


def _row(obj, prefix, skip=()):
    """The object's column values as a flush would insert them: what was set, else the column's default."""
    values = {}
    for column in _columns(type(obj).__table__, skip):
        key = column.key
        if key not in obj.__dict__:  # set, so the object is whole afterwards: reading it loads nothing
            default = column.default
            setattr(obj, key, None if default is None else default.arg(None) if default.is_callable else default.arg)
        values[prefix + key] = obj.__dict__.get(key)
    return values


@functools.cache
def _columns(table, skip=()):
    columns = [c for c in table.columns if not c.primary_key and c.key not in skip]
    if any(c.server_default is not None or c.onupdate is not None for c in columns):
        raise NotImplementedError(f"{table.name}: a server default or onupdate needs handling in visitor_write")
    return columns


def _bound(table, prefix, skip=()):
    return {c.key: sa.bindparam(prefix + c.key, type_=c.type) for c in _columns(table, skip)}


@functools.cache  # built once per process for each shape; SQLAlchemy then caches its compiled form
def _statement(changed, event_count):
    """The statement for inserting the session (`changed` None) or updating the `changed` columns of it."""
    sessions, messages, event_table = ChatSession.__table__, Message.__table__, AnalyticsEvent.__table__
    if changed is None:
        s = sa.insert(sessions).values(_bound(sessions, "s_")).returning(sessions.c.id).cte("s")
    else:
        assignments = {key: sa.bindparam(f"s_{key}", type_=sessions.c[key].type) for key in changed}
        s = (sa.update(sessions).where(sessions.c.id == sa.bindparam("s_id", type_=sessions.c.id.type))
             .values(assignments).returning(sessions.c.id).cte("s"))
    message_values = _bound(messages, "m_", skip=("session_id",))
    m = (sa.insert(messages)
         .from_select(["session_id", *message_values], sa.select(s.c.id, *message_values.values()))
         .returning(messages.c.session_id, messages.c.id).cte("m"))
    query = sa.select(m.c.session_id, m.c.id)
    for index in range(event_count):  # one CTE per row: a multi-row VALUES is compiled again at every call
        query = query.add_cte(sa.insert(event_table).values(_bound(event_table, f"e{index}_")).cte(f"e{index}"))
    return query
