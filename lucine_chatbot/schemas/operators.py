"""Request bodies and serialisers of `/api/operators`."""
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from lucine_chatbot.schemas import ApiModel
from lucine_chatbot.schemas.common import iso, message_out, operator_out

SessionId = Annotated[str, StringConstraints(min_length=1, max_length=64)]
Username = Annotated[str, StringConstraints(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9_.@-]+$")]
Password = Annotated[str, StringConstraints(min_length=1, max_length=200, strip_whitespace=False)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=120)]
Role = Literal["OPERATOR", "ADMIN"]
Email = Annotated[str, StringConstraints(max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")]


class LoginBody(ApiModel):
    username: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    password: Password


class StatusBody(ApiModel):
    is_online: bool


class TakeChatBody(ApiModel):
    session_id: SessionId


class SendMessageBody(ApiModel):
    session_id: SessionId
    message: Annotated[str, StringConstraints(min_length=1, max_length=4000)]


class TransferBody(ApiModel):
    session_id: SessionId
    to_operator_id: int
    reason: Annotated[str, StringConstraints(max_length=500)] | None = None


class CreateOperatorBody(ApiModel):
    username: Username
    email: Email | None = None
    name: Name
    display_name: Name | None = None
    password: Password
    role: Role = "OPERATOR"


class UpdateOperatorBody(ApiModel):
    name: Name | None = None
    display_name: Name | None = None
    email: Email | None = None
    role: Role | None = None
    is_active: bool | None = None
    password: Password | None = None


class AuditQuery(ApiModel):
    page: int = Field(1, ge=1)
    per_page: int = Field(50, ge=1, le=200)
    operator_id: int | None = None
    session_id: SessionId | None = None


def operator_admin_out(operator, open_chats=None):
    """What an admin sees: the public view plus account fields (still never the hash)."""
    data = operator_out(operator)
    data.update(email=operator.email, isActive=operator.is_active, lastSeenAt=iso(operator.last_seen_at),
                lastAssignedAt=iso(operator.last_assigned_at), createdAt=iso(operator.created_at))
    if open_chats is not None:
        data["openChats"] = open_chats
    return data


def audit_out(entry):
    return {"id": entry.id, "operator": operator_out(entry.operator), "action": entry.action,
            "targetType": entry.target_type, "targetId": entry.target_id, "ipAddress": entry.ip_address,
            "details": entry.details or {}, "createdAt": iso(entry.created_at)}


def pending_out(chat):
    return {**chat, "waitingSince": iso(chat["waitingSince"])}


def sent_message_out(message):
    return {"message": message_out(message)}


# --- Web Push ---------------------------------------------------------------------------------

Endpoint = Annotated[str, StringConstraints(min_length=1, max_length=2048)]
PushEvent = Literal["chat_assigned", "chat_waiting", "visitor_message", "sla_breached"]


class PushKeys(ApiModel):
    p256dh: Annotated[str, StringConstraints(min_length=1, max_length=128)]
    auth: Annotated[str, StringConstraints(min_length=1, max_length=64)]


class PushSubscriptionBody(ApiModel):
    """The browser's `PushSubscription.toJSON()` (which carries `expirationTime`), plus the alerts wanted."""

    endpoint: Endpoint
    expiration_time: float | None = None
    keys: PushKeys
    events: list[PushEvent] | None = Field(None, max_length=10)


class PushEndpointBody(ApiModel):
    endpoint: Endpoint


class PresenceBody(ApiModel):
    visible: bool


def push_subscription_out(subscription):
    return {"id": subscription.id, "endpoint": subscription.endpoint, "createdAt": iso(subscription.created_at),
            "events": list(subscription.events or []), "device": subscription.device,
            "lastSuccessAt": iso(subscription.last_success_at)}
