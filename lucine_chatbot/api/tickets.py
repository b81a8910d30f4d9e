"""Tickets API: visitors create and resume; operators list, read, update and annotate."""
from flask import Blueprint, current_app, jsonify
from flask_jwt_extended import current_user

from lucine_chatbot.extensions import client_address, limiter
from lucine_chatbot.schemas import validate
from lucine_chatbot.schemas.common import iso, message_out
from lucine_chatbot.schemas.tickets import (
    TicketCreate,
    TicketNoteCreate,
    TicketQuery,
    TicketUpdate,
    note_out,
    ticket_out,
)
from lucine_chatbot.security import operator_required
from lucine_chatbot.tickets import desk, intake

bp = Blueprint("tickets", __name__, url_prefix="/api/tickets")


def ticket_rate_limit():
    return current_app.config["RATE_LIMIT_TICKET"]

@bp.post("")
@limiter.limit(ticket_rate_limit)
@validate(body=TicketCreate, status=201)
def create_ticket(body):
    """A visitor leaves a message: 201 with the ticket number, the private resume token and the due time.

    :status 400: missing description or contact.  :status 422: invalid email or phone.
    """
    ticket, token = intake.create_ticket_from_visitor(
        body.description, body.contact_method, email=body.email, phone=body.phone,
        session_public_id=body.session_id, subject=body.subject, language=body.language)
    return jsonify({"ticketNumber": ticket.number, "resumeToken": token, "status": str(ticket.status),
                    "expectedReplyBy": iso(ticket.due_at), "sessionId": ticket.session.public_id}), 201

@bp.get("/resume/<token>")
@validate()
def resume_ticket(token):
    """The resume link: the conversation and its history, usable by the widget again. 404 for a bad token."""
    ticket, session, (messages, has_more) = intake.resume_ticket(token)
    return jsonify({"sessionId": session.public_id, "ticketNumber": ticket.number, "status": str(ticket.status),
                    "sessionStatus": str(session.status), "messages": [message_out(m) for m in messages],
                    "hasMore": has_more})

@bp.get("")
@operator_required
@validate(query=TicketQuery)
def list_tickets(query):
    """Tickets filtered by status, priority and SLA breach, newest first, paginated."""
    rows, total = desk.list_tickets(query.status, query.priority, query.breached, query.page,
                                           query.per_page)
    return jsonify({"tickets": [ticket_out(t) for t in rows], "total": total, "page": query.page,
                    "perPage": query.per_page})

@bp.get("/<int:ticket_id>")
@operator_required
@validate()
def get_ticket(ticket_id):
    """One ticket with its notes (the read is audited). 404 unknown."""
    ticket = desk.read_ticket(ticket_id, current_user, client_address())
    return jsonify({"ticket": ticket_out(ticket)})

@bp.patch("/<int:ticket_id>")
@operator_required
@validate(body=TicketUpdate)
def update_ticket(ticket_id, body):
    """Change status (valid transitions only: 409 otherwise), priority or assignee."""
    changes = {name: getattr(body, name) for name in body.model_fields_set}
    ticket = desk.update_ticket(ticket_id, current_user, changes)
    return jsonify({"ticket": ticket_out(ticket)})

@bp.post("/<int:ticket_id>/notes")
@operator_required
@validate(body=TicketNoteCreate, status=201)
def add_ticket_note(ticket_id, body):
    """A note on the ticket; `isPublic` sends it to the visitor (chat and email/WhatsApp)."""
    note = desk.add_note(ticket_id, current_user, body.note, is_public=body.is_public)
    return jsonify({"note": note_out(note)}), 201
