"""Knowledge base (`/api/knowledge`) and event calendar (`/api/calendar`) API."""
from flask import Blueprint, current_app, jsonify
from flask_jwt_extended import current_user

from lucine_chatbot.api import no_content
from lucine_chatbot.content import calendar, knowledge
from lucine_chatbot.schemas import validate
from lucine_chatbot.schemas.knowledge import (
    KnowledgeCreate,
    KnowledgeQuery,
    KnowledgeUpdate,
    OverrideRequest,
    calendar_out,
    item_out,
    override_out,
    parse_date,
)
from lucine_chatbot.security import admin_required, operator_required

bp = Blueprint("knowledge", __name__, url_prefix="/api")


@bp.get("/knowledge")
@operator_required
@validate(query=KnowledgeQuery)
def list_knowledge(query):
    """KB items, filtered by text (`q`), `category` and `language`."""
    items = knowledge.list_items(query.q, query.category, query.language)
    return jsonify({"items": [item_out(i) for i in items], "total": len(items)})


@bp.post("/knowledge")
@admin_required
@validate(body=KnowledgeCreate, status=201)
def create_knowledge(body):
    """Add an item (admins); the assistant uses it from the next message. :status 409: slug taken."""
    return jsonify(item_out(knowledge.create_item(body.model_dump(exclude_none=True)))), 201


@bp.patch("/knowledge/<int:item_id>")
@admin_required
@validate(body=KnowledgeUpdate)
def update_knowledge(item_id, body):
    """Edit an item (admins). :status 404: unknown id."""
    return jsonify(item_out(knowledge.update_item(item_id, body.model_dump(exclude_unset=True))))


@bp.delete("/knowledge/<int:item_id>")
@admin_required
@validate(status=204)
def delete_knowledge(item_id):
    """Delete an item (admins). :status 404: unknown id."""
    knowledge.delete_item(item_id)
    return no_content()


@bp.get("/calendar")
@validate()
def get_calendar():
    """Season, hours, closed dates, overrides and today's status in the event's timezone (public)."""
    return jsonify(calendar_out(calendar.overview(), current_app.config["EVENT_TIMEZONE"]))


@bp.put("/calendar/overrides/<date>")
@operator_required
@validate(body=OverrideRequest)
def put_calendar_override(date, body):
    """Set one evening's status (OPEN, CLOSED, SOLD_OUT, CANCELLED) with an optional note."""
    override = calendar.set_override(parse_date(date), body.status, body.note, operator_id=current_user.id)
    return jsonify(override_out(override))


@bp.delete("/calendar/overrides/<date>")
@operator_required
@validate(status=204)
def delete_calendar_override(date):
    """Remove an evening's override. :status 404: none on that date."""
    calendar.delete_override(parse_date(date))
    return no_content()
