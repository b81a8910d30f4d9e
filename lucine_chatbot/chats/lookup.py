"""One way to find a chat by its public id, and one way to load it for a change.

The lock order: a use case that changes a chat locks the chat's row first — `SELECT … FOR UPDATE`,
read again, so every check it makes sees the row as it is under the lock — and only then the operator rows it
needs (`assignment.lock_operator`), never the other way round. A visitor's message, a take, a transfer, a
status change, a ticket from a chat, the sweep and the jobs all follow it, so two of them serialise on the
chat instead of deadlocking, and none writes over a change it did not see (a visitor's message after the sweep
ended the chat opens a new one; a transfer after a close is a 409). Use cases that start from an operator
(going offline, deactivation) lock that operator's chats before the operator.
On SQLite, which has no row locks, the database serialises writers instead.
"""
import functools
import logging

import sqlalchemy as sa

from lucine_chatbot.extensions import db
from lucine_chatbot.models import ChatSession, Message
from lucine_chatbot.platform.errors import NotFound

logger = logging.getLogger(__name__)
TRANSIENT_SQLSTATES = ("40001", "40P01")  # serialization_failure, deadlock_detected
PAGE_SIZE = 100  # messages a transcript shows at once: the poll without a cursor, the resume link, the history


def by_public_id(public_id, *entities):
    """The query of the chat with this public id (selecting `entities`, the chat by default): the one lookup."""
    return db.session.query(*(entities or (ChatSession,))).filter(ChatSession.public_id == public_id)


def find(public_id, for_change=False):
    """The chat with this public id, or None; `for_change` locks its row (and re-reads it) until the commit."""
    if not public_id:
        return None
    query = by_public_id(public_id)
    if for_change:
        query = query.with_for_update(of=ChatSession).populate_existing()
    return query.one_or_none()


def get(public_id, for_change=False, message="Unknown session."):
    """Like `find`. :raise NotFound: no such chat."""
    session = find(public_id, for_change)
    if session is None:
        raise NotFound(message)
    return session


def transcript(session_id, before=None, limit=PAGE_SIZE):
    """The newest `limit` messages of a chat (older than message `before`, when given), oldest first, and whether
    older ones exist beyond them: a transcript is read a page at a time, never whole."""
    query = db.session.query(Message).filter(Message.session_id == session_id)
    if before is not None:
        query = query.filter(Message.id < before)
    newest = query.order_by(Message.id.desc()).limit(limit + 1).all()
    return list(reversed(newest[:limit])), len(newest) > limit


def lock(session_id, skip_locked=False):
    """Lock a chat by its row id for a change, re-read; None when it is gone or (`skip_locked`) another
    transaction holds it — a queue drain then leaves it for the next drain instead of waiting on it."""
    query = (db.session.query(ChatSession).filter(ChatSession.id == session_id)
             .with_for_update(of=ChatSession, skip_locked=skip_locked).populate_existing())
    return query.one_or_none()


def lock_operator_chats(operator_id, statuses):
    """An operator's chats in those statuses, locked in id order: what a use case that starts from the operator
    (deactivation) locks before the operator's own row (and again after it, for a chat a claim in flight gave
    her meanwhile)."""
    with db.session.no_autoflush:  # the operator's pending changes would lock its row first
        return (db.session.query(ChatSession)
                .filter(ChatSession.operator_id == operator_id, ChatSession.status.in_(statuses))
                .order_by(ChatSession.id).with_for_update(of=ChatSession).populate_existing().all())


def is_transient(error):
    """A deadlock or serialization failure: PostgreSQL rolled the transaction back, and running it again is
    safe."""
    return isinstance(error, sa.exc.DBAPIError) and \
        getattr(getattr(error, "orig", None), "sqlstate", None) in TRANSIENT_SQLSTATES


def retried_once(use_case):
    """Run a use case (one that commits) once more when PostgreSQL aborted it for a deadlock or a serialization
    failure: the visitor or the operator sees the outcome of the second run, not a 503."""

    @functools.wraps(use_case)
    def run(*args, **kwargs):
        try:
            return use_case(*args, **kwargs)
        except sa.exc.DBAPIError as error:
            if not is_transient(error):
                raise
            db.session.rollback()
            logger.warning("%s: %s; running it again", use_case.__name__, type(error.orig).__name__)
            return use_case(*args, **kwargs)

    return run
