"""Request models and serialisers of the Chat API (`/api/chat`)."""
import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from lucine_chatbot.platform.errors import BadRequest
from lucine_chatbot.schemas import INT_LIMIT, ApiModel
from lucine_chatbot.schemas.common import message_out, visitor_operator_out


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


BIGINT_MAX = 2**63 - 1
CURSOR = re.compile(r"[0-9]{1,19}")  # ASCII digits only: str.isdigit() also takes "²" and "٣"


class PollQuery(ApiModel):
    """`after`: a message id, as ASCII digits no bigger than BIGINT; anything else is a 400 (/api/openapi.json)."""

    after: str | None = Field(default=None, pattern=f"^{CURSOR.pattern}$",
                              description="A message id: plain ASCII digits, at most 2^63-1.")

    @field_validator("after", mode="before")
    @classmethod
    def plain_non_negative_integer(cls, value):
        if not isinstance(value, str) or not CURSOR.fullmatch(value) or int(value) > BIGINT_MAX:
            raise BadRequest("The cursor `after` must be a plain non-negative integer (a message id).",
                             fields={"after": "a plain non-negative integer"})
        return value

    def after_id(self):
        """The cursor as a message id; one beyond the id column (INTEGER) reads as its largest value: nothing
        comes after either, and the database is never asked about a number it cannot compare."""
        return min(int(self.after), INT_LIMIT) if self.after is not None else None


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
        "hasMore": view.has_more,
        "pending": bool(view.session.ai_pending),
        "draft": visible_draft(view, draft),
        "operator": visitor_operator_out(view.session.operator),
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
