"""Notification jobs: each takes ids, re-loads what it needs, and is retried with backoff when a channel fails."""
import logging

from flask import current_app

from ..extensions import db
from ..models import Ticket, TicketNote
from ..services import notifications
from ..services.notifications import webhooks
from .dispatch import job

logger = logging.getLogger(__name__)
# Backoff between attempts (seconds): a mail server or Twilio hiccup heals in minutes, an outage in an hour.
RETRY_BACKOFF = (30, 120, 600, 1800)
NOTIFY = {"queue": "default", "timeout": 60, "retries": len(RETRY_BACKOFF), "retry_interval": RETRY_BACKOFF}


@job(**NOTIFY)
def send_ticket_confirmation(ticket_id, resume_token):
    """The visitor's receipt: ticket number, expected answer time, resume link (the token is never stored)."""
    from ..services.tickets import format_reply_by

    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None:
        return None  # erased since
    notifier, address = notifications.contact_channel(ticket)
    if address is None:
        return None
    text = notifications.confirmation_text(ticket, resume_token, format_reply_by(ticket.due_at, ticket.language))
    notifier.send(address, notifications.ticket_subject(ticket), text)
    return notifier.channel


@job(**NOTIFY)
def send_public_note(note_id):
    """An operator's public note reaches the visitor on the ticket's contact channel."""
    note = db.session.get(TicketNote, note_id)
    if note is None or not note.is_public:
        return None
    notifier, address = notifications.contact_channel(note.ticket)
    if address is None:
        return None
    notifier.send(address, notifications.ticket_subject(note.ticket),
                  notifications.public_note_text(note.ticket, note))
    return notifier.channel


@job(**NOTIFY)
def send_breach_alert(ticket_id):
    """Admins (ADMIN_ALERT_EMAILS) hear about a ticket past its SLA."""
    ticket = db.session.get(Ticket, ticket_id)
    recipients = current_app.config.get("ADMIN_ALERT_EMAILS") or []
    notifier = notifications.email_notifier()
    if ticket is None or not recipients or not notifier.enabled:
        return None
    notifier.send(list(recipients), f"[SLA] {ticket.number} overdue", notifications.breach_alert_text(ticket))
    return len(recipients)


@job(**NOTIFY)
def deliver_webhook(url, body):
    """POST one signed event. Takes the committed payload itself: the event may be erased before delivery."""
    return webhooks.post(url, body, current_app.config.get("WEBHOOK_SECRET", ""))
