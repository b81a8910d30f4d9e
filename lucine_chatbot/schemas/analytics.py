"""Query models of the analytics API (validated at the boundary; they also feed /api/openapi.json)."""
import datetime as dt
from typing import Literal

from pydantic import Field, field_validator, model_validator

from lucine_chatbot.insights.events import EVENT_TYPES
from lucine_chatbot.schemas import ApiModel, IsoDate, IsoDateTime

Metric = Literal["chats", "escalations", "tickets", "csat", "aiResolutionRate"]


def naive_utc(value):
    """Aware datetimes are converted to UTC; naive ones are taken as UTC already (the models store naive UTC)."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(dt.timezone.utc).replace(tzinfo=None)


class StatsQuery(ApiModel):
    date: IsoDate | None = Field(None, description="Local day (EVENT_TIMEZONE), YYYY-MM-DD; default today.")


class EventsQuery(ApiModel):
    type: str | None = Field(None, max_length=40)
    session_id: str | None = Field(None, max_length=64)
    since: IsoDateTime | None = Field(None, description="ISO 8601; inclusive.")
    until: IsoDateTime | None = Field(None, description="ISO 8601; exclusive.")
    limit: int = Field(100, ge=1, le=1000)

    @field_validator("type")
    @classmethod
    def known_type(cls, value):
        if value and value not in EVENT_TYPES:
            raise ValueError(f"unknown event type; one of {', '.join(sorted(EVENT_TYPES))}")
        return value or None

    @field_validator("since", "until")
    @classmethod
    def to_naive_utc(cls, value):
        return naive_utc(value)

    @model_validator(mode="after")
    def since_before_until(self):
        if self.since and self.until and self.since >= self.until:
            raise ValueError("since must be before until")
        return self


class TimeseriesQuery(ApiModel):
    metric: Metric = "chats"
    days: int = Field(14, ge=1, le=90)
