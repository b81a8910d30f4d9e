"""The retention purge: analytics after ANALYTICS_RETENTION_DAYS, conversations after
CHAT_RETENTION_DAYS, audit entries after AUDIT_RETENTION_DAYS, revoked tokens once expired; tickets outlive their
chat with their description, without the visitor's contact."""
import logging
from datetime import timedelta

from flask import current_app

from lucine_chatbot.extensions import db
from lucine_chatbot.models import AnalyticsEvent, AuditLog, ChatSession, RevokedToken, Ticket, TicketNote, utcnow

logger = logging.getLogger(__name__)
BATCH_SIZE = 500
REVOKED_TOKEN_GRACE = timedelta(hours=1)
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


def delete_older(model, column, cutoff):
    """Delete the rows of `model` whose `column` is before `cutoff`, in short batches; returns the count."""
    total = 0
    while True:
        ids = [row.id for row in db.session.query(model.id).filter(column < cutoff).order_by(model.id)
               .limit(BATCH_SIZE)]
        if not ids:
            return total
        total += db.session.query(model).filter(model.id.in_(ids)).delete(synchronize_session=False)
        db.session.commit()


def purge_analytics(now):
    """Delete analytics events older than the retention window; returns the count."""
    cutoff = now - timedelta(days=current_app.config["ANALYTICS_RETENTION_DAYS"])
    return delete_older(AnalyticsEvent, AnalyticsEvent.created_at, cutoff)


def purge_audit_log(now):
    """Delete audit entries (who read which conversation or ticket, from which address) older than
    AUDIT_RETENTION_DAYS; returns the count."""
    cutoff = now - timedelta(days=current_app.config["AUDIT_RETENTION_DAYS"])
    return delete_older(AuditLog, AuditLog.created_at, cutoff)


def purge_revoked_tokens(now):
    """Forget revoked tokens that have expired anyway: an expired token is refused by its `exp` before the
    revocation list is read. The grace covers clocks that differ between web instances."""
    return delete_older(RevokedToken, RevokedToken.expires_at, now - REVOKED_TOKEN_GRACE)


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
    result = {"analyticsEvents": purge_analytics(now), **purge_conversations(now),
              "auditEntries": purge_audit_log(now), "revokedTokens": purge_revoked_tokens(now)}
    db.session.expire_all()
    logger.info("retention purge: %s", result)
    return result
