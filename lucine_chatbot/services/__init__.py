"""Business rules. Nothing here imports flask.request: views and jobs call the same functions."""
from ..errors import NotFound
from ..extensions import db


def get_or_404(model, ident, message):
    """The row of `model` with primary key `ident`, or the API's 404 with `message`."""
    row = db.session.get(model, ident)
    if row is None:
        raise NotFound(message)
    return row
