"""Response models of the health API: what the public sees, and the details operators and monitors see."""
from typing import Literal

from pydantic import BaseModel, RootModel


class PublicHealth(BaseModel):
    """Serving (200) or not (503, the database is unreachable); nothing about what runs inside."""

    status: Literal["up", "down"]


class Queue(BaseModel):
    depth: int | None
    workers: int | None
    mode: str


class Scheduler(BaseModel):
    lastSweepAt: str | None


class Ai(BaseModel):
    provider: Literal["openai", "offline"]


class Services(BaseModel):
    redis: str
    queue: Queue
    scheduler: Scheduler
    ai: Ai


class Metrics(BaseModel):
    memoryMb: float
    activeChats: int | None


class DetailedHealth(BaseModel):
    """For operators (a valid token) and monitors that send HEALTH_CHECK_TOKEN."""

    status: Literal["healthy", "degraded", "unhealthy"]
    version: str
    uptime: float
    database: Literal["connected", "error"]
    services: Services
    metrics: Metrics


class HealthOut(RootModel[PublicHealth | DetailedHealth]):
    pass
