"""What /api/health reports: database, Redis, queue and workers, last sweep, AI provider, uptime, memory."""
import time

import psutil
from flask import current_app
from sqlalchemy import text

from lucine_chatbot import __version__
from lucine_chatbot.chats import state_machine, sweep
from lucine_chatbot.content import system_state
from lucine_chatbot.extensions import db
from lucine_chatbot.models import ChatSession
from lucine_chatbot.platform import dispatch

STARTED_AT = time.monotonic()


def database_ok():
    try:
        db.session.execute(text("SELECT 1"))
        return True
    except Exception:
        db.session.rollback()
        return False


def _last_sweep():
    try:
        return system_state.get_value(sweep.LAST_SWEEP_KEY)
    except Exception:  # reachable but not migrated yet: report, do not fail the health check
        db.session.rollback()
        return None


def ai_provider():
    return "openai" if current_app.config.get("OPENAI_API_KEY") else "offline"


def active_chats():
    return db.session.query(ChatSession.id).filter(
        ChatSession.status.in_(state_machine.OPEN_STATUSES)).count()


def _active_chats_or_none():
    try:
        return active_chats()
    except Exception:
        db.session.rollback()
        return None


def public_report():
    """(status code, body) for anyone: up or down, and nothing an attacker could read the system's state from."""
    up = database_ok()
    return (200, {"status": "up"}) if up else (503, {"status": "down"})


def report():
    """(status code, body) of the detailed health check; 503 only when the database cannot be reached."""
    db_ok = database_ok()
    jobs = dispatch.status()
    degraded = jobs["expected"] and (jobs["redis"] != "connected" or not jobs["workers"])
    last_sweep = _last_sweep() if db_ok else None
    body = {
        "status": "unhealthy" if not db_ok else ("degraded" if degraded else "healthy"),
        "version": __version__,
        "uptime": round(time.monotonic() - STARTED_AT, 1),
        "database": "connected" if db_ok else "error",
        "services": {
            "redis": jobs["redis"],
            "queue": {"depth": jobs["depth"], "workers": jobs["workers"], "mode": jobs["mode"]},
            "scheduler": {"lastSweepAt": (last_sweep or {}).get("at")},
            "ai": {"provider": ai_provider()},
        },
        "metrics": {
            "memoryMb": round(psutil.Process().memory_info().rss / 1024 / 1024, 1),
            "activeChats": _active_chats_or_none() if db_ok else None,
        },
    }
    return (200 if db_ok else 503), body
