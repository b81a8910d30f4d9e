"""The poll's fast path: "nothing new" answered from Redis, without PostgreSQL (docs/performance.md).

An open widget polls every 3 s and almost every answer is "nothing new". After the database has answered a
poll, the answer for "nothing after message N" is kept in Redis, tagged with the session's version; every
commit that changes what a poll shows (a message, the session row, an operator's public fields) bumps that
version, so the next poll misses and asks the database again. A poll whose `after` is at least N, with the
version unchanged, gets the stored bytes.

Why it is never stale: the version is read *before* the database and bumped *after* the commit. A poll that
read the database just before a commit stores its answer under the old version, which the bump has already
made unreachable (or is about to). Writes the ORM cannot attribute to one session (bulk updates and deletes)
bump a global epoch that is part of every tag. The one gap is a bump lost to a Redis failure at that very
moment: entries expire after CACHE_TTL seconds, which bounds it.

The poll's own rate limit (per session, visitor_limits) is counted, and the assistant's answer being written
(chats/visitor/drafts.py) read, in the same round trip. A stored answer saying a reply is pending serves only until
that reply's deadline: then the database is asked, and the poll answers offline (conversation.poll).
Without Redis (the embedded default) there is no fast path and the caller uses the database every time.
"""
import math
import time
from dataclasses import dataclass
from datetime import timezone

import sqlalchemy as sa
from flask import has_app_context
from sqlalchemy.orm.util import identity_key

from lucine_chatbot.chats.visitor import drafts, visitor_limits
from lucine_chatbot.models import ChatSession, Message, Operator
from lucine_chatbot.platform import redis as shared_redis

PREFIX = "lucine:poll:"
EPOCH_KEY = PREFIX + "epoch"
CACHE_TTL = 120           # s; also the bound on staleness if a version bump is lost to a Redis failure
VERSION_TTL = 86400       # s; refreshed whenever an entry is stored, so it always outlives its entries
CHANGED_KEY, EPOCH_FLAG = "lucine_poll_changed", "lucine_poll_epoch"
# What the visitor sees of an operator (schemas.common.visitor_operator_out): changing anything else — her
# online flag at every sign-in and toggle included — is not a change, and invalidates no widget.
OPERATOR_FIELDS = ("name", "display_name")
SESSION_OPTION = "poll_sessions"  # execution option: the public ids a bulk statement changes


@dataclass
class Lookup:
    """One round trip's answer: the rate-limit window, the tag to store under, the stored answer if valid, and
    the assistant's answer so far while it is being written (chats/visitor/drafts.py)."""

    window: visitor_limits.Window
    tag: bytes
    body: bytes | None
    draft: dict | None = None


def version_key(public_id):
    return f"{PREFIX}v:{public_id}"


def entry_key(public_id):
    return f"{PREFIX}c:{public_id}"


def lookup(public_id, after, limit):
    """Count this poll against `limit` (per session) and fetch the stored answer; None without Redis."""
    conn = shared_redis.redis()
    if conn is None:
        return None
    try:
        window, (epoch, version, entry, draft) = visitor_limits.count_and_read(
            conn, limit, "poll", public_id, EPOCH_KEY, version_key(public_id), entry_key(public_id),
            drafts.key(public_id))
    except Exception:  # noqa: BLE001 (any Redis error: the poll still works from the database)
        shared_redis.failed("polling")
        return None
    tag = b"%d:%d" % (int(epoch or 0), int(version or 0))
    return Lookup(window, tag, _valid_body(entry, tag, after), drafts.decode(draft))


def _valid_body(entry, tag, after):
    """The stored answer, if it was stored under `tag`, covers `after` and its pending reply is not yet due (past
    the deadline the database must be asked: the poll answers it there)."""
    if entry is None or after is None:
        return None
    stored_tag, newest, due, body = entry.split(b"\n", 3)
    if stored_tag != tag or after < int(newest) or (int(due) and time.time() * 1000 >= int(due)):
        return None
    return body


def store(public_id, found, newest_id, body, due=None):
    """Keep `body` (the answer for "nothing after `newest_id`") under the tag read before the database; `due`
    (naive UTC) is the pending reply's deadline, after which the stored answer no longer serves (kept in ms)."""
    conn = shared_redis.redis()
    if conn is None or found is None:
        return
    try:
        pipe = conn.pipeline(transaction=False)
        due_ms = math.ceil(due.replace(tzinfo=timezone.utc).timestamp() * 1000) if due else 0
        entry = b"%s\n%d\n%d\n%s" % (found.tag, newest_id, due_ms, body)
        pipe.set(entry_key(public_id), entry, ex=CACHE_TTL)
        pipe.expire(version_key(public_id), VERSION_TTL)
        pipe.execute()
    except Exception:  # noqa: BLE001
        shared_redis.failed("storing a poll answer")


# --- invalidation: every commit that changes what a poll shows bumps a version -------------------------


def _changes(session):
    return session.info.setdefault(CHANGED_KEY, set())


def changed(orm_session, public_id):
    """The transaction changed what this session's poll shows without a flush (chats/visitor/visitor_write.py):
    bump its version at commit, as _after_flush would have arranged."""
    _changes(orm_session).add(public_id)


def _after_flush(session, _context):
    """Collect the sessions this flush changed. A session inserted by it needs no bump: no poll can have
    stored an answer for it (an unknown id is a 404, never stored), so a new visitor costs no round trip."""
    changed, created = _changes(session), session.new
    for obj in (*created, *session.dirty, *session.deleted):
        if isinstance(obj, ChatSession):
            if obj not in created:
                changed.add(obj.public_id)
        elif isinstance(obj, Message):
            owner = obj.__dict__.get("session") or session.identity_map.get(
                identity_key(ChatSession, obj.session_id))
            if owner is not None:
                if owner not in created:
                    changed.add(owner.public_id)
            else:  # its session is not loaded (unusual): invalidate everything rather than look it up
                session.info[EPOCH_FLAG] = True
        elif isinstance(obj, Operator) and obj not in created and _operator_changed(obj):
            session.info[EPOCH_FLAG] = True  # a new operator is on no widget yet


def _operator_changed(operator):
    state = sa.inspect(operator)
    return state.deleted or any(state.attrs[name].history.has_changes() for name in OPERATOR_FIELDS)


WATCHED_TABLES = frozenset({"chat_session", "chat_message", "operator"})


def _on_execute(state):
    """Bulk UPDATE/DELETE/INSERT through the session: the ids named in `poll_sessions`, or the epoch."""
    if not (state.is_update or state.is_delete or state.is_insert):
        return
    named = state.execution_options.get(SESSION_OPTION)
    if named:
        _changes(state.session).update(named)
        return
    table = getattr(state.statement, "table", None)
    if table is None or getattr(table, "name", None) in WATCHED_TABLES:
        state.session.info[EPOCH_FLAG] = True


def _after_commit(session):
    changed = session.info.pop(CHANGED_KEY, None)
    epoch = session.info.pop(EPOCH_FLAG, False)
    if not (changed or epoch) or not has_app_context():
        return
    bump(changed or (), epoch=epoch)


def bump(public_ids, epoch=False):
    """Make the stored answers of these sessions (of all sessions with `epoch`) unreachable."""
    conn = shared_redis.redis() if has_app_context() else None
    if conn is None:
        return
    try:
        pipe = conn.pipeline(transaction=False)
        for public_id in public_ids:
            pipe.incr(version_key(public_id))
            pipe.expire(version_key(public_id), VERSION_TTL)
        if epoch:
            pipe.incr(EPOCH_KEY)
        pipe.execute()
    except Exception:  # noqa: BLE001 (the commit stands; entries expire within CACHE_TTL)
        shared_redis.failed("invalidating poll answers")


def install():
    from lucine_chatbot.platform.database import listen_on_every_session

    listen_on_every_session(("after_commit", _after_commit), ("after_flush", _after_flush),
                            ("do_orm_execute", _on_execute))

