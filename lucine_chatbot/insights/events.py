"""Analytics events, added to the caller's transaction so an event exists exactly when its change does.

Most writes record two or three events. As ORM objects each event cost an INSERT … RETURNING id that the
code never reads (a fifth of a visitor message's CPU), so the events of a transaction are kept as rows and
written with one multi-row INSERT on the transaction's connection: before the commit, and before any query
the session runs meanwhile (so the transaction sees its own events, as it would after an autoflush). A
rollback drops them with the rest. Inside a savepoint (`begin_nested`) events stay ORM objects, so rolling
the savepoint back drops exactly its own.
"""
import sqlalchemy as sa

from lucine_chatbot.extensions import db
from lucine_chatbot.models import AnalyticsEvent, utcnow
from lucine_chatbot.notifications import webhooks

PENDING_KEY = "lucine_analytics_events"

EVENT_TYPES = frozenset({
    "chat_started", "chat_message", "ai_response", "ai_error", "escalation_request", "operator_connected",
    "escalation_failed", "queue_timeout", "chat_timeout", "chat_reactivated", "chat_status_changed",
    "chat_resolved", "chat_abandoned", "chat_transferred", "chat_rated", "internal_note_added",
    "ticket_created", "ticket_from_chat", "ticket_resolved", "ticket_sla_breached", "operator_login",
    "operator_logout", "data_deleted", "sms_cap_reached",
})


def record(event_type, session=None, operator_id=None, **data):
    """Add one event to the current transaction; the caller commits. Unknown types are a programming error.

    Chat and ticket events also go to WEBHOOK_URLS, once that transaction commits.
    """
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown analytics event type {event_type!r}")
    row = {"type": event_type, "session_public_id": session.public_id if session else None,
           "operator_id": operator_id, "data": data, "created_at": utcnow()}  # now, not at commit
    orm_session = db.session()
    if orm_session.in_nested_transaction():
        orm_session.add(AnalyticsEvent(**row))
    else:
        orm_session.info.setdefault(PENDING_KEY, []).append(row)
    webhooks.track(orm_session, event_type, row["session_public_id"], operator_id, data)


def write_pending(session):
    """Insert the transaction's recorded events, in one statement (no RETURNING: nothing reads their ids)."""
    rows = session.info.pop(PENDING_KEY, None)
    if rows:
        session.connection().execute(sa.insert(AnalyticsEvent.__table__), rows)


def _before_query(state):
    if state.session.info.get(PENDING_KEY) and not state.session.in_nested_transaction():
        write_pending(state.session)


def _after_transaction_end(session, transaction):
    if transaction.parent is None:  # rolled back or closed: unwritten events go with it (a commit wrote them)
        session.info.pop(PENDING_KEY, None)


def install():
    """Called by create_app: the listeners that write a transaction's recorded events."""
    from lucine_chatbot.platform.database import listen_on_every_session

    listen_on_every_session(("before_commit", write_pending), ("do_orm_execute", _before_query),
                            ("after_transaction_end", _after_transaction_end))
