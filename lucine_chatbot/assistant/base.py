"""What every provider returns, and the question they answer."""
from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Question:
    """One visitor message with what a provider may use to answer it."""

    text: str
    language: str
    history: list = field(default_factory=list)  # [(sender, body)] oldest first, without this message
    now: datetime | None = None  # naive UTC


@dataclass
class Reply:
    text: str
    provider: str
    model: str
    sources: list = field(default_factory=list)  # [{"id", "title"}]
    confident: bool = True
    escalation_reason: str | None = None
    error: str | None = None
    score: float | None = None
    fallback_from: str | None = None
    latency_ms: int = 0
