"""Time as the event lives it: naive UTC in the database, EVENT_TIMEZONE for the people, ISO 8601 on the wire."""
from datetime import datetime, time, timezone
from zoneinfo import ZoneInfo

from flask import current_app

MONTH_NAMES = {
    "it": ("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre",
           "ottobre", "novembre", "dicembre"),
    "en": ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December"),
    "de": ("Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
           "November", "Dezember"),
}
DATE_FORMATS = {"it": "{day} {month} alle {time}", "en": "{day} {month} at {time}",
                "de": "{day}. {month} um {time} Uhr"}


def event_zone():
    """The one place EVENT_TIMEZONE becomes a time zone."""
    return ZoneInfo(current_app.config["EVENT_TIMEZONE"])


def to_local(naive_utc):
    return naive_utc.replace(tzinfo=timezone.utc).astimezone(event_zone())


def to_naive_utc(aware):
    return aware.astimezone(timezone.utc).replace(tzinfo=None)


def local_date(naive_utc):
    """The EVENT_TIMEZONE calendar day a naive UTC instant falls on."""
    return to_local(naive_utc).date()


def local_midnight(day):
    """Local midnight of `day` as naive UTC (23:00 UTC the day before in winter, 22:00 in summer)."""
    return to_naive_utc(datetime.combine(day, time(0), event_zone()))


def format_moment(moment_utc, language):
    """`25 novembre alle 18:30` in the event's timezone and the visitor's language."""
    language = language if language in MONTH_NAMES else "it"
    local = to_local(moment_utc)
    return DATE_FORMATS[language].format(day=local.day, month=MONTH_NAMES[language][local.month - 1],
                                         time=local.strftime("%H:%M"))


def iso(value):
    """ISO 8601 UTC with `Z` (the models store naive UTC)."""
    if value is None:
        return None
    return value.replace(microsecond=value.microsecond - value.microsecond % 1000).isoformat(
        timespec="milliseconds") + "Z"
