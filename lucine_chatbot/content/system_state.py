"""Read and write the small named values of `system_state` (last sweep, season calendar)."""
from lucine_chatbot.extensions import db
from lucine_chatbot.models import SystemState, utcnow


def get_value(key, default=None):
    row = db.session.get(SystemState, key)
    return row.value if row else default


def set_value(key, value):
    """Upsert without committing."""
    row = db.session.get(SystemState, key)
    if row is None:
        row = SystemState(key=key, value=value)
        db.session.add(row)
    else:
        row.value = value
        row.updated_at = utcnow()
    return row
