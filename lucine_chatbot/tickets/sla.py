"""SLA clocks: resolution targets per priority, counted in operators' working hours (OPERATOR_HOURS)."""
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app

SLA_HOURS = {"LOW": 24, "MEDIUM": 4, "HIGH": 2, "URGENT": 1}
PRIORITY_ORDER = ["LOW", "MEDIUM", "HIGH", "URGENT"]


def parse_hours(spec):
    """`"17:00-23:00"` → (time(17), time(23)); empty → None (working hours are whenever)."""
    spec = (spec or "").strip()
    if not spec:
        return None
    start, _, end = spec.partition("-")
    opening, closing = time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
    if closing <= opening:
        raise ValueError(f"OPERATOR_HOURS must be HH:MM-HH:MM with the end after the start, got {spec!r}")
    return opening, closing


def raise_priority(priority):
    """One step up (URGENT stays URGENT)."""
    index = PRIORITY_ORDER.index(str(priority))
    return PRIORITY_ORDER[min(index + 1, len(PRIORITY_ORDER) - 1)]


def _zone():
    return ZoneInfo(current_app.config["EVENT_TIMEZONE"])


def to_local(naive_utc):
    return naive_utc.replace(tzinfo=timezone.utc).astimezone(_zone())


def to_naive_utc(aware):
    return aware.astimezone(timezone.utc).replace(tzinfo=None)


def within_operator_hours(now_utc):
    hours = parse_hours(current_app.config["OPERATOR_HOURS"])
    if hours is None:
        return True
    local = to_local(now_utc).time()
    return hours[0] <= local < hours[1]


def add_working_time(start_utc, duration):
    """`start_utc` plus `duration` of working time: only the OPERATOR_HOURS window of each local day counts."""
    hours = parse_hours(current_app.config["OPERATOR_HOURS"])
    if hours is None:
        return start_utc + duration
    zone, remaining = _zone(), duration
    cursor = to_local(start_utc)
    while True:
        day_open = datetime.combine(cursor.date(), hours[0], zone)
        day_close = datetime.combine(cursor.date(), hours[1], zone)
        if cursor < day_open:
            cursor = day_open
        if cursor >= day_close:
            cursor = datetime.combine(cursor.date() + timedelta(days=1), hours[0], zone)
            continue
        available = day_close - cursor
        if remaining <= available:
            return to_naive_utc(cursor + remaining)
        remaining -= available
        cursor = datetime.combine(cursor.date() + timedelta(days=1), hours[0], zone)


def due_at(priority, created_utc):
    """When a ticket of this priority must be resolved."""
    return add_working_time(created_utc, timedelta(hours=SLA_HOURS[str(priority)]))


def next_opening(now_utc):
    """The next moment operators are at work (now, if they are)."""
    return add_working_time(now_utc, timedelta(0))
