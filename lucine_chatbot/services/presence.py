"""Whether an operator has a dashboard tab in view: a heartbeat from the page (static/dashboard/js/pwa.js), so
a visitor's message is pushed to her phone only when she is not looking at the dashboard.

Kept where web and worker both see it: Redis, with an expiry. Not in the database: every page load would
write a row (on SQLite, contending with the page's own writes). On the embedded default (one process, no
Redis) this process's memory is enough.
"""
import time

from . import visitor_limits

VISIBLE_SECONDS = 60  # a visible tab beats every 25 s
KEY = "lucine:dashboard-visible:{}"
_visible_until = {}


def set_visible(operator_id, visible):
    """A dashboard tab of hers is in view (a beat: for VISIBLE_SECONDS) or was hidden."""
    conn = visitor_limits.redis()
    if conn is None:
        _visible_until[operator_id] = time.monotonic() + VISIBLE_SECONDS if visible else 0
        return
    try:
        if visible:
            conn.set(KEY.format(operator_id), b"1", ex=VISIBLE_SECONDS)
        else:
            conn.delete(KEY.format(operator_id))
    except Exception:  # noqa: BLE001 (any Redis error: at worst one push too many)
        visitor_limits.failed("recording dashboard presence")


def dashboard_visible(operator_id):
    """Whether she has a dashboard tab in view; when unsure (Redis down), no: better a push too many."""
    conn = visitor_limits.redis()
    if conn is None:
        return _visible_until.get(operator_id, 0) > time.monotonic()
    try:
        return bool(conn.exists(KEY.format(operator_id)))
    except Exception:  # noqa: BLE001
        visitor_limits.failed("reading dashboard presence")
        return False


def reset():
    """Tests: forget this process's beats."""
    _visible_until.clear()
