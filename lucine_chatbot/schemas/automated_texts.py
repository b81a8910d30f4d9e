"""Request bodies and serialiser of `/api/automated-texts`."""
from typing import Annotated

from pydantic import StringConstraints

from lucine_chatbot.schemas import ApiModel
from lucine_chatbot.schemas.common import iso


class AutomatedTextQuery(ApiModel):
    key: Annotated[str, StringConstraints(max_length=60)] | None = None
    language: Annotated[str, StringConstraints(max_length=5)] | None = None


class SaveTextBody(ApiModel):
    text: Annotated[str, StringConstraints(min_length=1, max_length=2000)]


def automated_text_out(item):
    return {"key": item["key"], "language": item["language"], "text": item["text"],
            "placeholders": item["placeholders"], "updatedAt": iso(item["updated_at"])}
