"""What WhatsApp/SMS may cost: numbers of SMS_ALLOWED_COUNTRIES only, and at most SMS_DAILY_CAP messages a day."""
import logging

import sqlalchemy as sa
from flask import current_app

from lucine_chatbot.data.calling_codes import ANY_COUNTRY, CALLING_CODES
from lucine_chatbot.extensions import db
from lucine_chatbot.models import AnalyticsEvent, OutboxMessage, OutboxStatus, utcnow
from lucine_chatbot.platform import clock

logger = logging.getLogger(__name__)
PHONE_CHANNELS = ("sms", "whatsapp")
CAP_EVENT = "sms_cap_reached"


def allowed_countries(config=None):
    return [code.upper() for code in (config or current_app.config)["SMS_ALLOWED_COUNTRIES"]]


def country_allowed(number, config=None):
    """Whether the E.164 `number` belongs to a country of SMS_ALLOWED_COUNTRIES (`*` allows any)."""
    countries = allowed_countries(config)
    if ANY_COUNTRY in countries:
        return True
    digits = number.removeprefix("whatsapp:").removeprefix("+")
    return any(digits.startswith(code) for country in countries for code in CALLING_CODES.get(country, ()))


def day_start(now):
    """Midnight of `now`'s day in EVENT_TIMEZONE, as naive UTC: the cap is per local day."""
    return clock.local_midnight(clock.local_date(now))


def sent_today(now):
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(OutboxMessage)
        .where(OutboxMessage.channel.in_(PHONE_CHANNELS), OutboxMessage.status == OutboxStatus.DELIVERED,
               OutboxMessage.delivered_at >= day_start(now)))


def permit(number, channel, kind):
    """Whether one `channel` message may go to `number` now. Over the cap the refusal is recorded: an analytics
    event each time, an alert to the admins the first time of the day. Adds to the caller's transaction."""
    if not country_allowed(number):
        logger.info("%s message not sent: the number's country is not in SMS_ALLOWED_COUNTRIES", channel)
        return False
    cap, now = current_app.config["SMS_DAILY_CAP"], utcnow()
    if sent_today(now) < cap:
        return True
    record_cap_reached(now, channel, kind, cap)
    return False


def record_cap_reached(now, channel, kind, cap):
    from lucine_chatbot.insights import events
    from lucine_chatbot.notifications import outbox

    first_today = not db.session.scalar(
        sa.select(sa.func.count()).select_from(AnalyticsEvent)
        .where(AnalyticsEvent.type == CAP_EVENT, AnalyticsEvent.created_at >= day_start(now)))
    events.record("sms_cap_reached", None, channel=channel, notification=kind, cap=cap)
    if first_today:
        outbox.add("sms_cap_alert", cap=cap, day=clock.local_date(now).isoformat())
    logger.warning("SMS_DAILY_CAP (%s) reached: a %s %s message was not sent", cap, kind, channel)
