"""The retention purge (SPEC §7): analytics after ANALYTICS_RETENTION_DAYS, conversations after
CHAT_RETENTION_DAYS; tickets outlive their chat with their description, without the visitor's contact."""
import logging
from datetime import timedelta

from flask import current_app

from ..extensions import db
from ..models import AnalyticsEvent, ChatSession, Ticket, TicketNote, utcnow

logger = logging.getLogger(__name__)
BATCH_SIZE = 500
TICKET_PII = {"email": None, "phone": None, "resume_token_hash": None}
ERASED_TEXT = "[deleted by the visitor]"


def strip_ticket_pii(criterion):
    """Remove the visitor's contact and resume token from the tickets matching `criterion`; returns the count."""
    has_pii = Ticket.email.isnot(None) | Ticket.phone.isnot(None) | Ticket.resume_token_hash.isnot(None)
    return db.session.query(Ticket).filter(criterion, has_pii).update(dict(TICKET_PII), synchronize_session=False)


def erase_ticket_pii(session_id):
    """The visitor erased their chat: its tickets keep number, status and dates, nothing the visitor wrote or
    was written (description, subject, notes) nor how to reach them. Does not commit; returns the count."""
    ids = [row.id for row in db.session.query(Ticket.id).filter(Ticket.session_id == session_id)]
    if not ids:
        return 0
    db.session.query(TicketNote).filter(TicketNote.ticket_id.in_(ids)).delete(synchronize_session=False)
    return db.session.query(Ticket).filter(Ticket.id.in_(ids)).update(
        {**TICKET_PII, "description": ERASED_TEXT, "subject": ERASED_TEXT}, synchronize_session=False)


def purge_analytics(now):
    """Delete analytics events older than the retention window, in short batches; returns the count."""
    cutoff = now - timedelta(days=current_app.config["ANALYTICS_RETENTION_DAYS"])
    total = 0
    while True:
        ids = [row.id for row in db.session.query(AnalyticsEvent.id).filter(AnalyticsEvent.created_at < cutoff)
               .order_by(AnalyticsEvent.id).limit(BATCH_SIZE)]
        if not ids:
            return total
        total += db.session.query(AnalyticsEvent).filter(AnalyticsEvent.id.in_(ids)).delete(
            synchronize_session=False)
        db.session.commit()


def purge_conversations(now):
    """Delete chats quiet for longer than the window (messages, notes, stints and queue entries cascade);
    their tickets, and any ticket untouched that long, keep the description but lose the contact."""
    cutoff = now - timedelta(days=current_app.config["CHAT_RETENTION_DAYS"])
    total = {"conversations": 0, "tickets": strip_ticket_pii(Ticket.updated_at < cutoff)}
    db.session.commit()
    while True:
        ids = [row.id for row in db.session.query(ChatSession.id).filter(ChatSession.last_activity_at < cutoff)
               .order_by(ChatSession.id).limit(BATCH_SIZE)]
        if not ids:
            return total
        total["tickets"] += strip_ticket_pii(Ticket.session_id.in_(ids))
        total["conversations"] += db.session.query(ChatSession).filter(ChatSession.id.in_(ids)).delete(
            synchronize_session=False)
        db.session.commit()


def purge(now=None):
    """One retention pass; each batch is its own short transaction. Returns what was removed."""
    now = now or utcnow()
    result = {"analyticsEvents": purge_analytics(now), **purge_conversations(now)}
    db.session.expire_all()
    logger.info("retention purge: %s", result)
    return result
