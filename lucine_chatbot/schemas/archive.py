"""Query model of the chat archive search."""
from typing import Literal

from pydantic import Field

from lucine_chatbot.platform.clock import iso
from lucine_chatbot.schemas import ApiModel, IsoDate
from lucine_chatbot.schemas.common import operator_out

PREVIEW_LENGTH = 160
StatusName = Literal["ACTIVE", "IDLE", "WAITING_OPERATOR", "WITH_OPERATOR", "WAITING_CLIENT", "RESOLVED",
                     "NOT_RESOLVED", "CANCELLED", "ENDED"]


class ArchiveQuery(ApiModel):
    q: str | None = Field(None, max_length=200, description="Text in any message, or an exact sessionId.")
    status: StatusName | None = None
    date_from: IsoDate | None = Field(None, alias="from", description="First local day (EVENT_TIMEZONE).")
    date_to: IsoDate | None = Field(None, alias="to", description="Last local day, inclusive.")
    operator_id: int | None = Field(None, ge=1)
    page: int = Field(1, ge=1, le=10_000)
    per_page: int = Field(25, ge=1, le=100)


def archive_chat_out(session, message_count, last_message, operators):
    return {"sessionId": session.public_id, "status": str(session.status), "language": session.language,
            "startedAt": iso(session.created_at), "lastActivity": iso(session.last_activity_at),
            "messageCount": message_count, "lastMessage": last_message[:PREVIEW_LENGTH],
            "operators": [operator_out(op) for op in operators]}
