"""Notifications behind one interface: pick the channel for a recipient, compose the texts, send."""
from flask import current_app

from lucine_chatbot.content import automated_texts
from lucine_chatbot.notifications import phone_limits
from lucine_chatbot.notifications.base import DeliveryError, DisabledNotifier, Notifier
from lucine_chatbot.notifications.smtp import SmtpNotifier
from lucine_chatbot.notifications.twilio import TwilioNotifier

__all__ = ["DeliveryError", "Notifier", "email_notifier", "contact_channel", "resume_link"]


def email_notifier(config=None):
    notifier = SmtpNotifier(config or current_app.config)
    return notifier if notifier.enabled else DisabledNotifier(notifier.config)


def phone_notifier(channel, config=None):
    notifier = TwilioNotifier(config or current_app.config, channel)
    return notifier if notifier.enabled else DisabledNotifier(notifier.config)


def contact_channel(ticket, config=None, kind="notification"):
    """(notifier, address) for the visitor of `ticket`: the chosen method first, else email when configured.

    WhatsApp/SMS only within the country allow-list and the daily cap (`phone_limits`); a refused phone message
    falls back to email when the visitor left one.
    """
    method = str(ticket.contact_method or "")
    choices = []
    if method in ("WHATSAPP", "PHONE") and ticket.phone:
        notifier = phone_notifier("whatsapp" if method == "WHATSAPP" else "sms", config)
        if notifier.enabled and phone_limits.permit(ticket.phone, notifier.channel, kind):
            choices.append((notifier, ticket.phone))
    if ticket.email:
        choices.append((email_notifier(config), ticket.email))
    for notifier, address in choices:
        if notifier.enabled:
            return notifier, address
    return DisabledNotifier(config or current_app.config), None


def resume_link(token, config=None):
    base = (config or current_app.config).get("PUBLIC_BASE_URL", "").rstrip("/")
    return f"{base}/demo?lucine_ticket={token}"


def ticket_subject(ticket):
    return f"Lucine di Natale · {ticket.number}"


def confirmation_text(ticket, token, reply_by):
    """The receipt; without the resume link when `token` is None (it could not be derived again)."""
    text = automated_texts.render("ticket_created", ticket.language, ticketNumber=ticket.number,
                                  expectedReplyBy=reply_by)
    return f"{text}\n\n{resume_link(token)}" if token else text


def public_note_text(ticket, note):
    heading = automated_texts.render("ticket_reply", ticket.language, ticketNumber=ticket.number)
    return f"{heading}\n\n{note.note}"


def breach_alert_text(ticket):
    return (f"SLA breached: ticket {ticket.number} ({ticket.priority}) was due at {ticket.due_at:%Y-%m-%d %H:%M} "
            f"UTC and is not resolved.\nSubject: {ticket.subject}\nStatus: {ticket.status}\n"
            f"{current_app.config.get('PUBLIC_BASE_URL', '').rstrip('/')}/dashboard/tickets")


def sms_cap_alert_text(cap, day):
    return (f"SMS_DAILY_CAP reached: {cap} WhatsApp/SMS messages were sent on {day}. Further messages of the day "
            f"go by email when the visitor left one, otherwise not at all (event `sms_cap_reached` counts them).")
