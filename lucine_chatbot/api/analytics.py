"""Analytics API: today's numbers, the event log and the chart series (operators)."""
from flask import Blueprint, jsonify
from flask_jwt_extended import current_user

from lucine_chatbot.insights import analytics
from lucine_chatbot.schemas import validate
from lucine_chatbot.schemas.analytics import EventsQuery, StatsQuery, TimeseriesQuery
from lucine_chatbot.schemas.common import iso
from lucine_chatbot.security import operator_required

bp = Blueprint("analytics", __name__, url_prefix="/api/analytics")


def event_out(event):
    return {"id": event.id, "type": event.type, "sessionId": event.session_public_id,
            "operatorId": event.operator_id, "data": dict(event.data or {}), "timestamp": iso(event.created_at)}


@bp.get("/stats")
@operator_required
@validate(query=StatsQuery)
def get_stats(query):
    """Numbers of one local day (EVENT_TIMEZONE), computed from the database; see docs/analytics.md."""
    return jsonify(analytics.stats(day=query.date))


@bp.get("/events")
@operator_required
@validate(query=EventsQuery)
def list_events(query):
    """Analytics events, newest first, filtered by type, session and time (`since` ≤ t < `until`).

    `operator_login` events carry the address the operator signed in from: admins only see them."""
    events = analytics.list_events(event_type=query.type, session_id=query.session_id, since=query.since,
                                   until=query.until, limit=query.limit, admin=current_user.is_admin)
    return jsonify({"events": [event_out(event) for event in events]})


@bp.get("/timeseries")
@operator_required
@validate(query=TimeseriesQuery)
def get_timeseries(query):
    """One point per local day for the last `days` days, oldest first, zero-filled."""
    return jsonify({"metric": query.metric, "points": analytics.timeseries(query.metric, days=query.days)})
