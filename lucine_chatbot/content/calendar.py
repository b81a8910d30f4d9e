"""The event calendar: season, hours, closed dates and operators' per-evening overrides."""
import datetime as dt
import json
from importlib import resources

from lucine_chatbot.content import recent, system_state
from lucine_chatbot.extensions import db
from lucine_chatbot.models import CalendarOverride, DayStatus, utcnow
from lucine_chatbot.platform import clock
from lucine_chatbot.platform.errors import NotFound

CALENDAR_KEY = "calendar"


def season_plan():
    """The stored season plan (seeded from data/calendar.json), or the shipped one when not seeded; read at most
    every KB_RECHECK_SECONDS (content/recent.py). Callers don't change it."""
    return recent.value("season-plan", _read_season_plan)


def _read_season_plan():
    plan = system_state.get_value(CALENDAR_KEY)
    if plan is None:
        plan = json.loads(resources.files("lucine_chatbot.data").joinpath("calendar.json").read_text("utf-8"))
    return plan


def local_today(now=None):
    """Today's date where the event is (`now` is naive UTC)."""
    now = now or utcnow()
    return clock.local_date(now)


def season_bounds(plan=None):
    plan = plan or season_plan()
    return dt.date.fromisoformat(plan["season"]["start"]), dt.date.fromisoformat(plan["season"]["end"])


def planned_status(date, plan):
    start, end = season_bounds(plan)
    if not start <= date <= end:
        return DayStatus.CLOSED, "out_of_season"
    if date.isoformat() in plan.get("closedDates", []):
        return DayStatus.CLOSED, "closed_date"
    return DayStatus.OPEN, None


def day(date, plan=None):
    """`{date, status, note, reason, hours}`: the operator's override beats the season plan."""
    plan = plan or season_plan()
    status, reason = planned_status(date, plan)
    note = None
    override = db.session.query(CalendarOverride).filter_by(date=date).one_or_none()
    if override is not None:
        status, note, reason = DayStatus(override.status), override.note, "override"
    return {"date": date, "status": status, "note": note, "reason": reason, "hours": plan["hours"]}


def overview(now=None):
    """Everything `GET /api/calendar` shows."""
    plan = season_plan()
    today = day(local_today(now), plan)
    overrides = db.session.query(CalendarOverride).order_by(CalendarOverride.date).all()
    return {"plan": plan, "overrides": overrides, "today": today}


def upcoming_overrides(now=None, limit=20):
    """The overrides from today on, as (date, status, note), read at most every KB_RECHECK_SECONDS."""
    today = local_today(now)
    return recent.value(("overrides", today, limit), lambda: [
        (o.date, DayStatus(o.status), o.note) for o in db.session.query(CalendarOverride)
        .filter(CalendarOverride.date >= today).order_by(CalendarOverride.date).limit(limit)])


def set_override(date, status, note=None, operator_id=None):
    """Create or replace the override of `date`; commits."""
    override = db.session.query(CalendarOverride).filter_by(date=date).one_or_none()
    if override is None:
        override = CalendarOverride(date=date)
        db.session.add(override)
    override.status, override.note, override.updated_by_id = DayStatus(status), note, operator_id
    override.updated_at = utcnow()
    db.session.commit()
    recent.forget()
    return override


def delete_override(date):
    """:raise NotFound: no override on that date."""
    deleted = db.session.query(CalendarOverride).filter_by(date=date).delete()
    if not deleted:
        raise NotFound(f"No override on {date.isoformat()}.")
    db.session.commit()
    recent.forget()
