"""Analytics events, added to the caller's transaction so an event exists exactly when its change does."""
from ..extensions import db
from ..models import AnalyticsEvent, utcnow
from .notifications import webhooks

EVENT_TYPES = frozenset({
    "chat_started", "chat_message", "ai_response", "ai_error", "escalation_request", "operator_connected",
    "escalation_failed", "queue_timeout", "chat_timeout", "chat_reactivated", "chat_status_changed",
    "chat_resolved", "chat_abandoned", "chat_transferred", "chat_rated", "internal_note_added",
    "ticket_created", "ticket_from_chat", "ticket_resolved", "ticket_sla_breached", "operator_login",
    "operator_logout", "data_deleted",
})


def record(event_type, session=None, operator_id=None, **data):
    """Add one event to the current transaction; the caller commits. Unknown types are a programming error.

    Chat and ticket events also go to WEBHOOK_URLS, once that transaction commits.
    """
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown analytics event type {event_type!r}")
    event = AnalyticsEvent(type=event_type, session_public_id=session.public_id if session else None,
                           operator_id=operator_id, data=data, created_at=utcnow())  # now, not at flush
    db.session.add(event)
    webhooks.track(db.session(), event_type, event.session_public_id, operator_id, data)
    return event
