"""Serialisers for the objects of the API contract (Message, Operator, Ticket…), shared by every API module."""
from lucine_chatbot.platform.clock import iso


def message_out(message):
    return {"id": message.id, "sender": str(message.sender), "message": message.body,
            "timestamp": iso(message.created_at), "metadata": dict(message.meta or {}),
            "replyTo": message.reply_to_id}  # a BOT reply: the visitor message it answers (a draft's `replyTo`)


def visitor_operator_out(operator):
    """What a visitor sees of an operator (/api/openapi.json): who is answering, never her username, role or email."""
    if operator is None:
        return None
    return {"id": operator.id, "displayName": operator.display_name or operator.name}


def operator_out(operator):
    """The public view of an operator: never a hash, never an email."""
    if operator is None:
        return None
    return {"id": operator.id, "username": operator.username, "name": operator.name,
            "displayName": operator.display_name, "role": str(operator.role), "isOnline": operator.is_online}
