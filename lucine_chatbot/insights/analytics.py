"""Analytics computed from the tables and events of a local day (EVENT_TIMEZONE); definitions in docs/analytics.md."""
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from lucine_chatbot.chats import state_machine
from lucine_chatbot.extensions import db
from lucine_chatbot.models import (
    AnalyticsEvent,
    ChatSession,
    ChatStatus,
    Message,
    Operator,
    OperatorChat,
    QueueEntry,
    QueueStatus,
    Sender,
    Ticket,
    TicketStatus,
    utcnow,
)
from lucine_chatbot.platform import clock

METRICS = ("chats", "escalations", "tickets", "csat", "aiResolutionRate")
CLOSED_TICKET_STATUSES = (TicketStatus.RESOLVED, TicketStatus.CLOSED)
HUMAN_EVENT_TYPES = ("escalation_request", "escalation_failed", "chat_abandoned")


# --- local days -------------------------------------------------------------------------------------------




def day_bounds(day):
    """[start, end) of a local day in naive UTC; 23 or 25 hours long on DST change days."""
    return clock.local_midnight(day), clock.local_midnight(day + timedelta(days=1))


def between(column, start, end):
    return sa.and_(column >= start, column < end)


def local_day(column, first_day, days):
    """SQL for the local day of a naive-UTC column, for values inside the `days` days from `first_day`.

    PostgreSQL converts with the time-zone database; SQLite has none, so it gets a CASE over the exact UTC
    boundaries of each day, which gives the same answer (DST days included) for values inside the range.
    """
    if db.session.get_bind().dialect.name == "postgresql":
        local = sa.func.timezone(current_app.config["EVENT_TIMEZONE"], sa.func.timezone("UTC", column))
        return sa.cast(local, sa.Date)
    whens = [(column < clock.local_midnight(first_day + timedelta(days=n + 1)),
              (first_day + timedelta(days=n)).isoformat())
             for n in range(days)]
    return sa.case(*whens, else_=None)


def as_date(value):
    return value if not isinstance(value, (str, datetime)) else datetime.fromisoformat(str(value)[:10]).date()


# --- reusable conditions --------------------------------------------------------------------------------------

def session_has_event(types, since):
    """The session has one of these events: one pass over the (type, created_at) index, not one per session.

    A session's events come after its creation, so `since` (the first session's day start) bounds the scan.
    """
    return ChatSession.public_id.in_(sa.select(AnalyticsEvent.session_public_id).where(
        AnalyticsEvent.type.in_(types), AnalyticsEvent.created_at >= since))


def escalated_clause(since):
    """A human was asked for: an escalation_request event, a queue entry or an operator stint."""
    return sa.or_(
        session_has_event(("escalation_request",), since),
        sa.exists().where(QueueEntry.session_id == ChatSession.id),
        sa.exists().where(OperatorChat.session_id == ChatSession.id),
    )


def human_involved_clause(since):
    """Escalated, or a human was needed anyway: escalation failed, the chat was abandoned, a ticket was made."""
    return sa.or_(
        escalated_clause(since),
        session_has_event(HUMAN_EVENT_TYPES, since),
        sa.exists().where(Ticket.session_id == ChatSession.id),
    )


def without_jit():
    """PostgreSQL's JIT spends ~150 ms compiling these sub-second aggregates (measured by bench/analytics_bench);
    switch it off for the rest of this read-only transaction."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.text("SET LOCAL jit = off"))


def seconds_between(later, earlier):
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.extract("epoch", later - earlier)
    return (sa.func.julianday(later) - sa.func.julianday(earlier)) * 86400.0


def count_where(model, *conditions):
    return sa.select(sa.func.count()).select_from(model).where(*conditions).scalar_subquery()


def ticket_open_at(moment):
    """Created before `moment` and not resolved by then (a RESOLVED/CLOSED ticket without resolved_at is done)."""
    return sa.and_(
        Ticket.created_at < moment,
        sa.or_(Ticket.resolved_at >= moment,
               sa.and_(Ticket.resolved_at.is_(None), Ticket.status.notin_(CLOSED_TICKET_STATUSES))),
    )


def ticket_breached_at(moment):
    """Past due at `moment`: due_at passed, or the sweep already marked the breach."""
    return sa.or_(Ticket.due_at < moment, sa.and_(Ticket.sla_breached, Ticket.breached_at < moment))


# --- /stats ----------------------------------------------------------------------------------------------------

def day_queries(start, end):
    """Scalar subqueries for the numbers that belong to the day [start, end)."""
    of_day = between(ChatSession.created_at, start, end)
    latency = Message.meta["latencyMs"].as_float()
    first_response = seconds_between(OperatorChat.first_response_at, OperatorChat.assigned_at)
    return {
        "total_chats": count_where(ChatSession, of_day),
        "escalated": count_where(ChatSession, of_day, escalated_clause(start)),
        "ai_resolved": count_where(ChatSession, of_day, sa.not_(human_involved_clause(start))),
        "abandoned": count_where(AnalyticsEvent, AnalyticsEvent.type == "chat_abandoned",
                                 between(AnalyticsEvent.created_at, start, end)),
        "tickets_created": count_where(Ticket, between(Ticket.created_at, start, end)),
        "avg_ai_ms": sa.select(sa.func.avg(latency)).where(
            Message.sender == Sender.BOT, between(Message.created_at, start, end), latency.is_not(None),
        ).scalar_subquery(),
        "avg_first_response": sa.select(sa.func.avg(first_response)).where(
            between(OperatorChat.assigned_at, start, end), OperatorChat.first_response_at.is_not(None),
        ).scalar_subquery(),
        "satisfaction": sa.select(sa.func.avg(OperatorChat.rating)).where(
            between(OperatorChat.rated_at, start, end), OperatorChat.rating.is_not(None)).scalar_subquery(),
        "ratings": count_where(OperatorChat, between(OperatorChat.rated_at, start, end),
                               OperatorChat.rating.is_not(None)),
    }


def sla_queries(start, cutoff):
    resolved = sa.and_(Ticket.resolved_at >= start, Ticket.resolved_at < cutoff)
    on_time = sa.and_(resolved, Ticket.resolved_at <= Ticket.due_at, sa.not_(Ticket.sla_breached))
    return {
        "tickets_open": count_where(Ticket, ticket_open_at(cutoff)),
        "tickets_breached": count_where(Ticket, ticket_open_at(cutoff), ticket_breached_at(cutoff)),
        "resolved": count_where(Ticket, resolved),
        "resolved_on_time": count_where(Ticket, on_time),
    }


def current_queries():
    online = sa.and_(Operator.is_online, Operator.is_active)
    return {
        "operators_online": count_where(Operator, online),
        "open_stints": sa.select(sa.func.count()).select_from(OperatorChat).join(
            Operator, Operator.id == OperatorChat.operator_id).where(
            OperatorChat.ended_at.is_(None), online).scalar_subquery(),
        "active_chats": count_where(ChatSession, ChatSession.status.in_(state_machine.OPEN_STATUSES)),
        "queue_length": count_where(QueueEntry, QueueEntry.status == QueueStatus.WAITING),
        "waiting_client": count_where(ChatSession, ChatSession.status == ChatStatus.WAITING_CLIENT),
    }


def ratio(part, whole, digits=4):
    return None if not whole else round(part / whole, digits)


def rounded(value, digits):
    return None if value is None else round(float(value), digits)


def stats(day=None, now=None):
    """The /stats numbers for local `day` (default: today). One round trip of scalar subqueries.

    `current` and `operators` are the state now whatever the day; `sla` is as of the end of the day (or now,
    for today): a ticket resolved that day counts as compliant when it was resolved by its due time and never
    marked breached; tickets still open and overdue at that moment count as non-compliant.
    """
    now = now or utcnow()
    day = day or clock.local_date(now)
    start, end = day_bounds(day)
    cutoff = max(start, min(now, end))
    queries = {**day_queries(start, end), **sla_queries(start, cutoff), **current_queries()}
    without_jit()
    row = db.session.execute(sa.select(*(q.label(name) for name, q in queries.items()))).one()._asdict()
    return shape_stats(day, row)


def shape_stats(day, row):
    breached = row["tickets_breached"]
    return {
        "date": day.isoformat(),
        "timezone": current_app.config["EVENT_TIMEZONE"],
        "today": {"totalChats": row["total_chats"], "aiResolved": row["ai_resolved"],
                  "escalated": row["escalated"], "abandoned": row["abandoned"],
                  "ticketsCreated": row["tickets_created"]},
        "performance": {"avgAiResponseMs": None if row["avg_ai_ms"] is None else round(float(row["avg_ai_ms"])),
                        "avgOperatorFirstResponseSeconds": rounded(row["avg_first_response"], 1),
                        "satisfaction": rounded(row["satisfaction"], 2), "ratings": row["ratings"],
                        "aiResolutionRate": ratio(row["ai_resolved"], row["total_chats"])},
        "operators": {"online": row["operators_online"],
                      "avgLoad": ratio(row["open_stints"], row["operators_online"], 2)},
        "current": {"activeChats": row["active_chats"], "queueLength": row["queue_length"],
                    "waitingClient": row["waiting_client"]},
        "sla": {"ticketsOpen": row["tickets_open"], "ticketsBreached": breached,
                "ticketsResolved": row["resolved"], "ticketsResolvedOnTime": row["resolved_on_time"],
                "complianceRate": ratio(row["resolved_on_time"], row["resolved"] + breached)},
    }


# --- /events ---------------------------------------------------------------------------------------------------

# Events that carry an operator's address (`operator_login`'s `ip`): for admins only, like the audit log.
ADMIN_ONLY_EVENT_TYPES = frozenset({"operator_login"})


def list_events(event_type=None, session_id=None, since=None, until=None, limit=100, admin=False):
    """Newest first; `since` inclusive, `until` exclusive (naive UTC); without `admin`, none of
    ADMIN_ONLY_EVENT_TYPES (they are left out of the query, so `limit` still counts visible events)."""
    query = sa.select(AnalyticsEvent)
    if not admin:
        query = query.where(AnalyticsEvent.type.not_in(ADMIN_ONLY_EVENT_TYPES))
    if event_type:
        query = query.where(AnalyticsEvent.type == event_type)
    if session_id:
        query = query.where(AnalyticsEvent.session_public_id == session_id)
    if since:
        query = query.where(AnalyticsEvent.created_at >= since)
    if until:
        query = query.where(AnalyticsEvent.created_at < until)
    query = query.order_by(AnalyticsEvent.created_at.desc(), AnalyticsEvent.id.desc()).limit(limit)
    return db.session.scalars(query).all()


# --- /timeseries -----------------------------------------------------------------------------------------------

def grouped(column, first_day, days, *values, where=()):
    """The rows whose `column` falls in the range, labelled with their local `day` (a subquery to group)."""
    start, end = clock.local_midnight(first_day), clock.local_midnight(first_day + timedelta(days=days))
    return sa.select(local_day(column, first_day, days).label("day"), *values).where(
        between(column, start, end), *where).subquery()


def per_day(inner, *aggregates):
    """{local day: (aggregates…)}, grouped in SQL by the subquery's day (one GROUP BY, portable)."""
    without_jit()
    rows = db.session.execute(sa.select(inner.c.day, *aggregates).group_by(inner.c.day)).all()
    return {as_date(row[0]): tuple(row[1:]) for row in rows}


def session_series(metric, first_day, days):
    """chats, escalations or aiResolutionRate per day; only the needed EXISTS checks are computed."""
    if metric == "chats":
        inner = grouped(ChatSession.created_at, first_day, days, ChatSession.id)
        return {day: values[0] for day, values in per_day(inner, sa.func.count()).items()}
    since = clock.local_midnight(first_day)
    clause = escalated_clause(since) if metric == "escalations" else human_involved_clause(since)
    inner = grouped(ChatSession.created_at, first_day, days, sa.case((clause, 1), else_=0).label("flag"))
    rows = per_day(inner, sa.func.count(), sa.func.sum(inner.c.flag))
    if metric == "escalations":
        return {day: int(flagged) for day, (_count, flagged) in rows.items()}
    return {day: ratio(count - flagged, count) for day, (count, flagged) in rows.items()}


def series_values(metric, first_day, days):
    """{day: value} for the days that have data."""
    if metric in ("chats", "escalations", "aiResolutionRate"):
        return session_series(metric, first_day, days)
    if metric == "tickets":
        inner = grouped(Ticket.created_at, first_day, days, Ticket.id)
        return {day: values[0] for day, values in per_day(inner, sa.func.count()).items()}
    inner = grouped(OperatorChat.rated_at, first_day, days, OperatorChat.rating,
                    where=(OperatorChat.rating.is_not(None),))
    return {day: rounded(values[0], 2) for day, values in per_day(inner, sa.func.avg(inner.c.rating)).items()}


def timeseries(metric, days=14, now=None):
    """One point per local day, the oldest first, ending today; counts are 0 and averages null without data."""
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}")
    today = clock.local_date(now or utcnow())
    first_day = today - timedelta(days=days - 1)
    values = series_values(metric, first_day, days)
    empty = None if metric in ("csat", "aiResolutionRate") else 0
    return [{"date": (first_day + timedelta(days=n)).isoformat(),
             "value": values.get(first_day + timedelta(days=n), empty)} for n in range(days)]
