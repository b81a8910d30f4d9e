"""The app's one Redis client (lazy: importing or creating the app never connects), and the pause after a failure
that keeps a process from waiting on an unreachable Redis at every request (rate limits, drafts, presence)."""
import logging
import time

from flask import current_app

logger = logging.getLogger(__name__)
PAUSE_AFTER_FAILURE = 5  # s without trying Redis in this process after it failed (no 2 s wait per request)

_paused_until = 0.0


def redis_connection(app=None):
    """One Redis client per app, or None without REDIS_URL."""
    app = app or current_app
    if not app.config.get("REDIS_URL"):
        return None
    conn = app.extensions.get("lucine_redis")
    if conn is None:
        from redis import Redis

        conn = Redis.from_url(app.config["REDIS_URL"], socket_timeout=5, socket_connect_timeout=2,
                              health_check_interval=30)
        app.extensions["lucine_redis"] = conn
    return conn


def redis():
    """The app's Redis client, or None without Redis or during a pause after a failure."""
    if not current_app.config.get("REDIS_URL") or paused():
        return None
    return redis_connection()


def paused():
    return time.monotonic() < _paused_until


def failed(action):
    """Remember that Redis failed: this process leaves it alone for PAUSE_AFTER_FAILURE seconds."""
    global _paused_until
    _paused_until = time.monotonic() + PAUSE_AFTER_FAILURE
    logger.warning("Redis unavailable while %s; falling back for %d s", action, PAUSE_AFTER_FAILURE,
                   exc_info=True)


def reset_pause():
    """Forget a failure (tests)."""
    global _paused_until
    _paused_until = 0.0
