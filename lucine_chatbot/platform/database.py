"""Business rules. Nothing here imports flask.request: views and jobs call the same functions."""
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.orm import Session

from lucine_chatbot.extensions import db
from lucine_chatbot.platform.errors import NotFound


def get_or_404(model, ident, message):
    """The row of `model` with primary key `ident`, or the API's 404 with `message`."""
    row = db.session.get(model, ident)
    if row is None:
        raise NotFound(message)
    return row


def without_transaction():
    """Run the request's next statements in autocommit mode, when nothing has used the database yet.

    On PostgreSQL a read-only request needs no transaction (READ COMMITTED gives every statement its own
    snapshot anyway) and one statement is atomic by itself; without BEGIN and COMMIT/ROLLBACK each costs one
    round trip instead of three. Only on a session bound to an engine (not the tests' outer transaction)
    whose transaction holds no connection yet; otherwise the statements join the transaction as usual.
    Returns whether autocommit is on; the caller then ends the transaction (commit) before anything else
    uses the session, so the connection goes back to the pool, which restores its mode.
    """
    orm_session = db.session()
    bind = orm_session.get_bind()
    transaction = orm_session.get_transaction()
    if (not isinstance(bind, sa.engine.Engine) or bind.dialect.name != "postgresql"
            or (transaction is not None and getattr(transaction, "_connections", True))):  # SQLAlchemy 2.0
        return False
    orm_session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
    return True


def listen_on_every_session(*listeners):
    """Register `(event name, function)` pairs on every ORM session, once; idempotent. On the Session class,
    not on one instance: the test suite swaps `db.session`."""
    name, function = listeners[0]
    if sa.event.contains(Session, name, function):
        return
    for name, function in listeners:
        sa.event.listen(Session, name, function)


@contextmanager
def keeping_state():
    """Commit without expiring the session's objects: nothing else wrote them, so reading them back is waste."""
    session = db.session()
    previous, session.expire_on_commit = session.expire_on_commit, False
    try:
        yield
    finally:
        session.expire_on_commit = previous
