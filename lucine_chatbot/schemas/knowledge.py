"""Request models and serialisers of the knowledge-base and calendar API."""
import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from lucine_chatbot.schemas import ApiModel, Omittable
from lucine_chatbot.schemas.common import iso

Language = Literal["it", "en", "de"]
DayStatusName = Literal["OPEN", "CLOSED", "SOLD_OUT", "CANCELLED"]


class KnowledgeQuery(ApiModel):
    q: str | None = Field(default=None, max_length=200)
    category: str | None = Field(default=None, max_length=40)
    language: Language | None = None


class KnowledgeCreate(ApiModel):
    question: str = Field(min_length=1, max_length=2000)
    answer: str = Field(min_length=1, max_length=5000)
    keywords: list[str] = Field(default_factory=list, max_length=50)
    category: str = Field(default="general", min_length=1, max_length=40)
    language: Language = "it"
    is_active: bool = True
    slug: str | None = Field(default=None, pattern=r"^[a-z0-9-]{1,80}$")


class KnowledgeUpdate(ApiModel):
    """Only the fields sent change; none of them may be null."""

    question: Omittable[Annotated[str, StringConstraints(min_length=1, max_length=2000)]] = None
    answer: Omittable[Annotated[str, StringConstraints(min_length=1, max_length=5000)]] = None
    keywords: Omittable[Annotated[list[str], Field(max_length=50)]] = None
    category: Omittable[Annotated[str, StringConstraints(min_length=1, max_length=40)]] = None
    is_active: Omittable[bool] = None


class OverrideRequest(ApiModel):
    status: DayStatusName
    note: str | None = Field(default=None, max_length=300)


def item_out(item):
    return {"id": item.id, "slug": item.slug, "question": item.question, "answer": item.answer,
            "keywords": list(item.keywords or []), "category": item.category, "language": item.language,
            "isActive": item.is_active, "updatedAt": iso(item.updated_at)}


def day_out(day):
    return {"date": day["date"].isoformat(), "status": str(day["status"]), "note": day["note"]}


def override_out(override):
    return {"date": override.date.isoformat(), "status": str(override.status), "note": override.note,
            "updatedAt": iso(override.updated_at)}


def calendar_out(view, timezone):
    plan = view["plan"]
    return {"timezone": timezone, "season": dict(plan["season"]), "hours": dict(plan["hours"]),
            "closedDates": list(plan.get("closedDates", [])),
            "overrides": [override_out(o) for o in view["overrides"]], "today": day_out(view["today"])}


def parse_date(value):
    from lucine_chatbot.platform.errors import ValidationError

    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValidationError("The date must be YYYY-MM-DD.", fields={"date": "YYYY-MM-DD"}) from None
