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
