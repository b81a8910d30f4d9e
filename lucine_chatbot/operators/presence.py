"""An operator's presence: the online toggle (available for chats), and whether she has a dashboard tab in view:
a heartbeat from the page (static/dashboard/js/pwa.js), so a visitor's message is pushed to her phone only when
she is not looking at the dashboard.

Kept where web and worker both see it: Redis, with an expiry. Not in the database: every page load would
write a row (on SQLite, contending with the page's own writes). On the embedded default (one process, no
Redis) this process's memory is enough.
"""
import time

from lucine_chatbot.chats import assignment, lookup
from lucine_chatbot.extensions import db
from lucine_chatbot.models import utcnow
from lucine_chatbot.platform import redis as shared_redis

VISIBLE_SECONDS = 60  # a visible tab beats every 25 s
KEY = "lucine:dashboard-visible:{}"
_visible_until = {}


@lookup.retried_once
def set_online(operator, is_online, now=None):
    """Toggle availability; coming online takes waiting chats up to capacity at once."""
    now = now or utcnow()
    operator.is_online = is_online
    operator.last_seen_at = now
    db.session.flush()
    if is_online:
        assignment.drain_queue(now, operator=operator)
    db.session.commit()
    return operator


def set_visible(operator_id, visible):
    """A dashboard tab of hers is in view (a beat: for VISIBLE_SECONDS) or was hidden."""
    conn = shared_redis.redis()
    if conn is None:
        _visible_until[operator_id] = time.monotonic() + VISIBLE_SECONDS if visible else 0
        return
    try:
        if visible:
            conn.set(KEY.format(operator_id), b"1", ex=VISIBLE_SECONDS)
        else:
            conn.delete(KEY.format(operator_id))
    except Exception:  # noqa: BLE001 (any Redis error: at worst one push too many)
        shared_redis.failed("recording dashboard presence")


def dashboard_visible(operator_id):
    """Whether she has a dashboard tab in view; when unsure (Redis down), no: better a push too many."""
    conn = shared_redis.redis()
    if conn is None:
        return _visible_until.get(operator_id, 0) > time.monotonic()
    try:
        return bool(conn.exists(KEY.format(operator_id)))
    except Exception:  # noqa: BLE001
        shared_redis.failed("reading dashboard presence")
        return False


def reset():
    """Tests: forget this process's beats."""
    _visible_until.clear()
