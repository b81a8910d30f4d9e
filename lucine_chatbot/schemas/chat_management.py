"""Request bodies and serialisers of `/api/chat-management`."""
from typing import Annotated, Literal

from pydantic import StringConstraints

from lucine_chatbot.schemas import INT_LIMIT, ApiModel
from lucine_chatbot.schemas.common import iso, message_out, operator_out

SessionId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Status = Literal["ACTIVE", "IDLE", "WAITING_OPERATOR", "WITH_OPERATOR", "WAITING_CLIENT", "RESOLVED",
                 "NOT_RESOLVED", "CANCELLED", "ENDED"]


class UpdateStatusBody(ApiModel):
    session_id: SessionId
    status: Status
    notes: Annotated[str, StringConstraints(max_length=2000)] | None = None


class AddNoteBody(ApiModel):
    session_id: SessionId
    content: Annotated[str, StringConstraints(min_length=1, max_length=2000)]


class HistoryQuery(ApiModel):
    """`before`: a message id; the page of messages older than it (a plain non-negative integer)."""

    before: Annotated[str, StringConstraints(pattern=r"^[0-9]{1,18}$")] | None = None

    def before_id(self):
        """Beyond the id column (INTEGER), the largest value: PostgreSQL cannot compare a bigger number."""
        return min(int(self.before), INT_LIMIT) if self.before is not None else None


class ActiveChatsQuery(ApiModel):
    filter: Literal["assigned", "unassigned", "waiting", "all"] = "all"


class CreateTicketBody(ApiModel):
    session_id: SessionId
    subject: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    description: Annotated[str, StringConstraints(max_length=4000)] | None = None
    priority: Literal["LOW", "MEDIUM", "HIGH", "URGENT"] | None = None
    contact_method: Literal["EMAIL", "WHATSAPP", "PHONE"] | None = None
    email: Annotated[str, StringConstraints(max_length=254)] | None = None
    phone: Annotated[str, StringConstraints(max_length=30)] | None = None


def note_out(note):
    return {"id": note.id, "content": note.content, "operator": operator_out(note.operator),
            "createdAt": iso(note.created_at)}


def session_out(session):
    return {"sessionId": session.public_id, "status": str(session.status), "language": session.language,
            "startedAt": iso(session.created_at), "lastActivity": iso(session.last_activity_at),
            "statusChangedAt": iso(session.status_changed_at),
            "lastVisitorMessageAt": iso(session.last_visitor_message_at),
            "lastOperatorMessageAt": iso(session.last_operator_message_at),
            "operator": operator_out(session.operator)}


def stint_out(stint):
    return {"operator": operator_out(stint.operator), "assignedAt": iso(stint.assigned_at),
            "firstResponseAt": iso(stint.first_response_at), "endedAt": iso(stint.ended_at),
            "endReason": stint.end_reason, "rating": stint.rating, "ratingComment": stint.rating_comment}


def history_out(data, ticket_out):
    return {"session": {**session_out(data["session"]), "assignments": [stint_out(s) for s in data["stints"]]},
            "messages": [message_out(m) for m in data["messages"]], "hasMore": data["hasMore"],
            "internalNotes": [note_out(n) for n in data["notes"]],
            "operators": [operator_out(op) for op in data["operators"]],
            "tickets": [ticket_out(t) for t in data["tickets"]]}


def active_chat_out(chat):
    session = chat["session"]
    return {"sessionId": session.public_id, "status": str(session.status), "language": session.language,
            "operator": operator_out(chat["operator"]), "startedAt": iso(session.created_at),
            "lastActivity": iso(session.last_activity_at), "lastMessage": chat["lastMessage"],
            "messageCount": chat["messageCount"]}
