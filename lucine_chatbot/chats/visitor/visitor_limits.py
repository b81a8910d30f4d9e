"""Rate limits of the widget's two hot endpoints (POST /api/chat, the poll) in one Redis round trip each.

Flask-Limiter makes three round trips per limited request (the Lua increment, then a GET and a TTL for the
X-RateLimit headers); on the endpoints every open widget calls, that was a third of the request's CPU.
These counters are fixed windows aligned to the clock (the key names the window), so one small Lua script
(INCR, and EXPIRE on the window's first hit) gives both the count and the reset time; the poll reads its
cache in the same call (poll_cache). Same headers and the same JSON 429 as Flask-Limiter's (RATE_LIMITED, Retry-After).

Without Redis (the embedded default), or while it is unreachable, the counting falls back to Flask-Limiter's
own storage (memory:// without Redis), and to process memory when that fails too, as Flask-Limiter does
with RATELIMIT_IN_MEMORY_FALLBACK_ENABLED.
"""
import logging
import time
from dataclasses import dataclass

from flask import current_app
from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

from lucine_chatbot.platform.errors import RateLimited
from lucine_chatbot.platform.redis import failed, paused, redis, reset_pause

logger = logging.getLogger(__name__)

PREFIX = "lucine:limit:"
_in_memory = FixedWindowRateLimiter(MemoryStorage())
_items = {}


@dataclass(frozen=True)
class Window:
    """One hit's outcome: the limit, how many hits are left in the window, when it resets (epoch s)."""

    item: object
    remaining: int
    reset: int
    allowed: bool

    @property
    def headers(self):
        return {"X-RateLimit-Limit": str(self.item.amount), "X-RateLimit-Remaining": str(self.remaining),
                "X-RateLimit-Reset": str(self.reset)}

    def enforce(self):
        """Raise the JSON 429 (with Retry-After) when this hit was over the limit."""
        if self.allowed or not current_app.config.get("RATELIMIT_ENABLED", True):
            return
        retry_after = max(1, self.reset - int(time.time()))
        raise RateLimited(f"Too many requests: {self.item}. Retry later.",
                          headers={**self.headers, "Retry-After": str(retry_after)})


def item(setting):
    """The `limits` item of a config setting such as RATE_LIMIT_POLL ("120/minute"), parsed once."""
    text = current_app.config[setting]
    parsed = _items.get(text)
    if parsed is None:
        parsed = _items[text] = parse(text)
    return parsed


# One command: count the hit (the key's first hit in a window sets its expiry) and read any further keys.
COUNT_AND_READ = """
local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
local reply = {count}
for i = 2, #KEYS do reply[i] = redis.call('GET', KEYS[i]) end
return reply
"""
_script = None


def count_and_read(conn, limit, scope, key, *read_keys):
    """Count one hit of `limit` for `key` and GET `read_keys`, in one round trip → (Window, [values])."""
    global _script
    if _script is None:
        _script = conn.register_script(COUNT_AND_READ)  # EVALSHA, loading the script when Redis lacks it
    period = limit.get_expiry()
    window = int(time.time()) // period
    count, *values = _script(keys=[f"{PREFIX}{scope}:{key}:{window}", *read_keys], args=[period + 1],
                             client=conn)
    return window_from(limit, count, (window + 1) * period), values


def window_from(limit, count, reset):
    return Window(limit, max(0, limit.amount - count), reset, count <= limit.amount)


def hit(limit, scope, key):
    """Count one hit of `limit` for `key` (an address, a session id) → Window."""
    conn = redis()
    if conn is not None:
        try:
            return count_and_read(conn, limit, scope, key)[0]
        except Exception:  # noqa: BLE001 (any Redis error: count elsewhere)
            failed("counting a rate limit")
    return _hit_elsewhere(limit, scope, key)


def _hit_elsewhere(limit, scope, key):
    from lucine_chatbot.extensions import limiter

    for strategy in ((_in_memory,) if paused() else (limiter.limiter, _in_memory)):
        try:
            allowed = strategy.hit(limit, scope, key)
            reset, remaining = strategy.get_window_stats(limit, scope, key)
            return Window(limit, remaining, int(reset), allowed)
        except Exception:  # noqa: BLE001 (Flask-Limiter's Redis is down too: count in memory)
            failed("counting a rate limit")
    raise AssertionError("the in-memory limiter cannot fail")


def reset():
    """Forget a Redis failure and the in-memory counts (tests)."""
    reset_pause()
    _in_memory.storage.reset()
