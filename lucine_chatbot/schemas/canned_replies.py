"""Request bodies and serialiser of `/api/canned-replies`."""
from typing import Annotated, Literal

from pydantic import StringConstraints

from lucine_chatbot.schemas import ApiModel

Shortcut = Annotated[str, StringConstraints(min_length=1, max_length=40, pattern=r"^/?[\w-]+$")]
Title = Annotated[str, StringConstraints(min_length=1, max_length=120)]
Text = Annotated[str, StringConstraints(min_length=1, max_length=4000)]
Language = Literal["it", "en", "de"]


class CannedReplyQuery(ApiModel):
    language: Language | None = None


class CreateCannedReplyBody(ApiModel):
    shortcut: Shortcut
    title: Title
    text: Text
    language: Language = "it"


class UpdateCannedReplyBody(ApiModel):
    shortcut: Shortcut | None = None
    title: Title | None = None
    text: Text | None = None
    language: Language | None = None


def canned_reply_out(reply):
    return {"id": reply.id, "shortcut": reply.shortcut, "title": reply.title, "text": reply.text,
            "language": reply.language}
