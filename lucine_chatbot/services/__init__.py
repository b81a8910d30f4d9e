"""Business rules. Nothing here imports flask.request: views and jobs call the same functions."""
import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..extensions import db


def get_or_404(model, ident, message):
    """The row of `model` with primary key `ident`, or the API's 404 with `message`."""
    row = db.session.get(model, ident)
    if row is None:
        raise NotFound(message)
    return row


def listen_on_every_session(*listeners):
    """Register `(event name, function)` pairs on every ORM session, once; idempotent. On the Session class,
    not on one instance: the test suite swaps `db.session`."""
    name, function = listeners[0]
    if sa.event.contains(Session, name, function):
        return
    for name, function in listeners:
        sa.event.listen(Session, name, function)
