"""SLA clocks: resolution targets per priority, counted in operators' working hours (OPERATOR_HOURS)."""
from datetime import datetime, time, timedelta

from flask import current_app

from lucine_chatbot.platform import clock

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





def within_operator_hours(now_utc):
    hours = parse_hours(current_app.config["OPERATOR_HOURS"])
    if hours is None:
        return True
    local = clock.to_local(now_utc).time()
    return hours[0] <= local < hours[1]


def add_working_time(start_utc, duration):
    """`start_utc` plus `duration` of working time: only the OPERATOR_HOURS window of each local day counts."""
    hours = parse_hours(current_app.config["OPERATOR_HOURS"])
    if hours is None:
        return start_utc + duration
    zone, remaining = clock.event_zone(), duration
    cursor = clock.to_local(start_utc)
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
            return clock.to_naive_utc(cursor + remaining)
        remaining -= available
        cursor = datetime.combine(cursor.date() + timedelta(days=1), hours[0], zone)


def due_at(priority, created_utc):
    """When a ticket of this priority must be resolved."""
    return add_working_time(created_utc, timedelta(hours=SLA_HOURS[str(priority)]))

