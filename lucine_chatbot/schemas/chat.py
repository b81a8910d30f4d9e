"""Request models and serialisers of the Chat API (`/api/chat`)."""
from typing import Literal

from pydantic import Field, model_validator

from ..errors import BadRequest
from . import ApiModel
from .common import message_out, operator_out


class ChatRequest(ApiModel):
    """Either a visitor message or a widget action; `language` is an optional hint (it/en/de)."""

    message: str | None = Field(default=None, max_length=100_000)
    action: Literal["request_operator", "continue_ai", "end_chat"] | None = None
    session_id: str | None = Field(default=None, max_length=64)
    language: Literal["it", "en", "de"] | None = None

    @model_validator(mode="after")
    def message_or_action(self):
        if self.action is None and not (self.message or "").strip():
            raise BadRequest("The message is empty.", fields={"message": "required"})
        if self.action is not None and not self.session_id:
            raise BadRequest("An action needs the sessionId.", fields={"sessionId": "required"})
        return self


class PollQuery(ApiModel):
    after: str | None = None

    def after_id(self):
        return int(self.after) if self.after and self.after.isdigit() else None


class RatingRequest(ApiModel):
    rating: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=1000)


def newest_bot(messages):
    return next((m for m in reversed(messages) if str(m.sender) == "BOT"), None)


def chat_out(outcome):
    bot = newest_bot(outcome.messages)
    return {
        "sessionId": outcome.session.public_id,
        "newSession": outcome.new_session,
        "status": str(outcome.session.status),
        "messages": [message_out(m) for m in outcome.messages],
        "pending": bool(outcome.session.ai_pending),
        "reply": bot.body if bot else None,
        "smartActions": list((bot.meta or {}).get("smartActions", [])) if bot else [],
        "language": outcome.session.language,
    }


def poll_out(view, draft=None):
    messages = [message_out(m) for m in view.messages]
    return {
        "sessionId": view.session.public_id,
        "status": str(view.session.status),
        "messages": messages,
        "pending": bool(view.session.ai_pending),
        "draft": visible_draft(view, draft),
        "operator": operator_out(view.session.operator),
        "queue": view.queue,
        "language": view.session.language,
    }


def visible_draft(view, draft):
    """The answer being written, while it is: not once the reply is stored (a draft's key outlives the commit by
    a moment) or the chat no longer waits for the assistant."""
    if not draft or not view.session.ai_pending:
        return None
    if any(m.reply_to_id == draft.get("replyTo") for m in view.messages):
        return None
    return {"text": draft["text"], "replyTo": draft.get("replyTo")}
