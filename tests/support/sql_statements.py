"""Watch the SQL the app sends: `with Statements() as sql: …` then `sql.seen` / `sql.count`."""
import sqlalchemy as sa

from lucine_chatbot.extensions import db


class Statements:
    """While active, `seen` keeps `record(connection, statement)` for every statement sent (the statement text
    by default; a `None` is not kept)."""

    def __init__(self, record=None):
        self.record = record or (lambda _connection, statement: statement)
        self.seen = []

    @property
    def count(self):
        return len(self.seen)

    def __call__(self, connection, _cursor, statement, *_args):
        kept = self.record(connection, statement)
        if kept is not None:
            self.seen.append(kept)

    def __enter__(self):
        sa.event.listen(db.engine, "before_cursor_execute", self)
        return self

    def __exit__(self, *_exc):
        sa.event.remove(db.engine, "before_cursor_execute", self)


def autocommit_mode(connection, statement):
    """A `record` for Statements: (first SQL word, whether the driver ran it in autocommit mode: no BEGIN, no
    COMMIT round trip)."""
    return statement.split()[0], connection.connection.dbapi_connection.autocommit


class Checkins:
    """While active, `modes` keeps, for every connection returned to the pool, whether it was still in autocommit
    mode (the pool must get it back in its usual mode)."""

    def __init__(self):
        self.modes = []

    def __call__(self, dbapi_connection, _record):
        self.modes.append(dbapi_connection.autocommit)

    def __enter__(self):
        sa.event.listen(db.engine, "checkin", self)
        return self

    def __exit__(self, *_exc):
        sa.event.remove(db.engine, "checkin", self)
