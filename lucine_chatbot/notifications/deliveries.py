"""What each kind of outbox row sends: re-load by id, compose, send once. A sender returns the channel that
carried the message, or None (with `row.last_error` saying why) when there is nothing to send."""
from flask import current_app

from lucine_chatbot.extensions import db
from lucine_chatbot.models import Ticket, TicketNote
from lucine_chatbot.notifications import (
    breach_alert_text,
    confirmation_text,
    contact_channel,
    email_notifier,
    public_note_text,
    sms_cap_alert_text,
    ticket_subject,
    webhooks,
)


def skip(row, reason):
    row.last_error = reason
    return None


def send_ticket_confirmation(row):
    """The visitor's receipt: ticket number, expected answer time, resume link (re-derived, never stored)."""
    from lucine_chatbot.tickets.intake import format_reply_by, resume_token_of

    ticket = db.session.get(Ticket, row.payload["ticketId"])
    if ticket is None:
        return skip(row, "ticket erased")
    notifier, address = contact_channel(ticket, kind=row.kind)
    if address is None:
        return skip(row, "no channel configured or allowed for this visitor")
    token = resume_token_of(ticket, row.payload.get("nonce"))
    text = confirmation_text(ticket, token, format_reply_by(ticket.due_at, ticket.language))
    notifier.send(address, ticket_subject(ticket), text)
    return notifier.channel


def send_public_note(row):
    """An operator's public note reaches the visitor on the ticket's contact channel."""
    note = db.session.get(TicketNote, row.payload["noteId"])
    if note is None or not note.is_public:
        return skip(row, "note erased")
    notifier, address = contact_channel(note.ticket, kind=row.kind)
    if address is None:
        return skip(row, "no channel configured or allowed for this visitor")
    notifier.send(address, ticket_subject(note.ticket), public_note_text(note.ticket, note))
    return notifier.channel


def mail_admins(row, subject, text):
    recipients = current_app.config.get("ADMIN_ALERT_EMAILS") or []
    notifier = email_notifier()
    if not recipients or not notifier.enabled:
        return skip(row, "no ADMIN_ALERT_EMAILS or no SMTP")
    notifier.send(list(recipients), subject, text)
    return notifier.channel


def send_breach_alert(row):
    """Admins (ADMIN_ALERT_EMAILS) hear about a ticket past its SLA."""
    ticket = db.session.get(Ticket, row.payload["ticketId"])
    if ticket is None:
        return skip(row, "ticket erased")
    return mail_admins(row, f"[SLA] {ticket.number} overdue", breach_alert_text(ticket))


def send_sms_cap_alert(row):
    """Admins hear, once a day, that SMS_DAILY_CAP stopped WhatsApp/SMS messages."""
    return mail_admins(row, "[SMS] daily cap reached", sms_cap_alert_text(row.payload["cap"], row.payload["day"]))


def send_webhook(row):
    """POST one signed event to one URL (the row holds the committed event: it may be erased since)."""
    webhooks.deliver(row.payload["url"], row.payload["event"])
    return "webhook"
