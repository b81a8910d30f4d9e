"""Serialisers for the objects API.md names (Message, Operator, Ticket…), shared by every API module."""


def iso(value):
    """ISO 8601 UTC with `Z` (the models store naive UTC)."""
    if value is None:
        return None
    return value.replace(microsecond=value.microsecond - value.microsecond % 1000).isoformat(
        timespec="milliseconds") + "Z"


def message_out(message):
    return {"id": message.id, "sender": str(message.sender), "message": message.body,
            "timestamp": iso(message.created_at), "metadata": dict(message.meta or {}),
            "replyTo": message.reply_to_id}  # a BOT reply: the visitor message it answers (a draft's `replyTo`)


def operator_out(operator):
    """The public view of an operator: never a hash, never an email."""
    if operator is None:
        return None
    return {"id": operator.id, "username": operator.username, "name": operator.name,
            "displayName": operator.display_name, "role": str(operator.role), "isOnline": operator.is_online}
