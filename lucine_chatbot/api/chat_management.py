"""`/api/chat-management`: status, notes, audited history, the live lists and chat-to-ticket (operators)."""
from flask import Blueprint
from flask_jwt_extended import current_user

from lucine_chatbot.chats import management
from lucine_chatbot.extensions import client_address
from lucine_chatbot.schemas import validate
from lucine_chatbot.schemas.chat_management import (
    ActiveChatsQuery,
    AddNoteBody,
    CreateTicketBody,
    HistoryQuery,
    UpdateStatusBody,
    active_chat_out,
    history_out,
    note_out,
)
from lucine_chatbot.schemas.tickets import ticket_out
from lucine_chatbot.security import operator_required

bp = Blueprint("chat_management", __name__, url_prefix="/api/chat-management")


@bp.post("/update-status")
@operator_required
@validate(body=UpdateStatusBody)
def update_status(body):
    """Change a chat's status; 409 when the state machine forbids it."""
    session, previous = management.update_status(current_user.id, body.session_id, body.status, body.notes)
    return {"sessionId": session.public_id, "status": str(session.status), "previousStatus": str(previous)}


@bp.post("/add-note")
@operator_required
@validate(body=AddNoteBody, status=201)
def add_note(body):
    """Add an internal note; visitors never see it."""
    return {"note": note_out(management.add_note(current_user.id, body.session_id, body.content))}, 201


@bp.get("/history/<session_id>")
@operator_required
@validate(query=HistoryQuery)
def get_history(session_id, query):
    """A chat's newest 100 messages (`?before=<id>`: the 100 before that one; `hasMore`: older ones exist),
    notes, operators and tickets; the read is audited."""
    history = management.history(current_user.id, session_id, client_address(), query.before_id())
    return history_out(history, ticket_out)


@bp.get("/active-chats")
@operator_required
@validate(query=ActiveChatsQuery)
def list_active_chats(query):
    """Open chats by filter (assigned to me, in the queue, waiting for the visitor, all) with counts."""
    chats, counts = management.active_chats(current_user.id, query.filter)
    return {"chats": [active_chat_out(chat) for chat in chats], "counts": counts}


@bp.post("/create-ticket")
@operator_required
@validate(body=CreateTicketBody, status=201)
def create_ticket(body):
    """Turn a chat into a ticket with its last messages; the chat becomes RESOLVED."""
    fields = body.model_dump(exclude={"session_id", "subject"}, exclude_none=True)
    ticket = management.create_ticket(current_user.id, body.session_id, body.subject, **fields)
    return {"ticket": ticket_out(ticket)}, 201
