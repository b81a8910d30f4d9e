"""AI at peak: N visitors each ask once, at the same moment, and poll like the widget until the reply.

Measures replies/s against the capacity rule (AI_CONCURRENCY ÷ the LLM's time per answer), the time each
visitor waited for the first draft and for the reply, and — counted in the database — that every message got
exactly one reply. The visitors are asyncio tasks (one short connection per request, like the widget behind
Render's proxy), so 300 of them cost the harness a few hundred requests/s of one thread.
"""
import asyncio
import json
import shlex
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

from . import paced
from .scenarios import QUESTIONS, percentile

POLL_INTERVAL = 0.5  # the widget's cadence while a reply is pending (/api/openapi.json: every ~0.5 s while `pending`)
REQUEST_TIMEOUT = 15  # one request; the scenario as a whole is bounded by `timeout`


def render_worker(render_yaml, python):
    """The worker service of render.yaml: its startCommand (`flask --app wsgi worker`), the program taken from the
    app interpreter's bin directory (a virtualenv's console script) as Render runs it, and the environment values
    it sets itself (AI_CONCURRENCY, the database pool; not those from other services, groups or secrets).
    Returns (argv, command, env)."""
    import yaml

    blueprint = yaml.safe_load(Path(render_yaml).read_text())
    service = next(service for service in blueprint["services"] if service["type"] == "worker")
    command = service["startCommand"]
    env = {var["key"]: str(var["value"]) for var in service.get("envVars", []) if "key" in var and "value" in var}
    argv = shlex.split(command)
    program = Path(python).parent / argv[0]
    if program.exists():
        return [str(program), *argv[1:]], command, env
    return [python, "-m", argv[0], *argv[1:]], command, env  # an interpreter without the script: the same module


@dataclass
class Visitor:
    """One visitor's view: seconds from sending the question to the first draft seen and to the reply seen."""
    question: str
    session_id: str = ""
    user_id: int = 0
    draft_s: float | None = None
    reply_s: float | None = None
    error: str = ""
    polls: list = field(default_factory=list)  # each poll's latency, ms (a failed one too, up to its failure)
    failed_polls: list = field(default_factory=list)  # why each failed: an exception's name or "HTTP <status>"

    @property
    def first_words_s(self):
        seen = [t for t in (self.draft_s, self.reply_s) if t is not None]
        return min(seen) if seen else None


def first_draft_for(poll, user_id):
    """The poll's draft when it is the answer to `user_id` and holds some text (`draft`: {text, replyTo})."""
    draft = poll.get("draft")
    if isinstance(draft, dict) and draft.get("replyTo") == user_id and draft.get("text"):
        return draft
    return None


def bot_reply(messages):
    return next((m for m in messages if m.get("sender") == "BOT"), None)


async def _request(loop, host, port, method, path, body=None):
    data = await paced._exchange(loop, host, port, paced.raw_request(host, port, method, path, body), REQUEST_TIMEOUT)
    status, payload = paced.split_response(data)
    if status is None:
        raise paced.ReadError("not an HTTP response")
    return status, json.loads(payload) if payload else None


async def _visit(loop, host, port, visitor, ends_at, poll_interval):
    asked = loop.time()
    try:
        status, data = await _request(loop, host, port, "POST", "/api/chat", json.dumps({"message": visitor.question}))
    except (OSError, TimeoutError) as error:
        visitor.error = f"POST: {type(error).__name__}"
        return
    if status not in (200, 202):
        visitor.error = f"POST answered {status}"
        return
    visitor.session_id = data["sessionId"]
    visitor.user_id = next(m["id"] for m in data["messages"] if m["sender"] == "USER")
    if bot_reply(data["messages"]):
        visitor.reply_s = loop.time() - asked
    while visitor.reply_s is None and loop.time() < ends_at:
        await asyncio.sleep(poll_interval)
        sent = loop.time()
        try:
            status, poll = await _request(loop, host, port, "GET",
                                          f"/api/chat/poll/{visitor.session_id}?after={visitor.user_id}")
        except (OSError, TimeoutError) as error:  # a poll that saw nothing; the next one may
            visitor.polls.append((loop.time() - sent) * 1000)
            visitor.failed_polls.append(type(error).__name__)
            continue
        now = loop.time()
        visitor.polls.append((now - sent) * 1000)
        if status != 200:
            visitor.failed_polls.append(f"HTTP {status}")
            continue
        if visitor.draft_s is None and first_draft_for(poll, visitor.user_id):
            visitor.draft_s = now - asked
        if bot_reply(poll["messages"]):
            visitor.reply_s = now - asked
    if visitor.reply_s is None and not visitor.error:
        visitor.error = "no reply seen"


def visit_all(base_url, count, timeout, poll_interval=POLL_INTERVAL):
    """`count` visitors ask at once; returns them once each has seen its reply or `timeout` s have passed."""
    parsed = urlparse(base_url)
    if parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"the benchmark only loads loopback targets, not {parsed.hostname}")
    visitors = [Visitor(QUESTIONS[i % len(QUESTIONS)]) for i in range(count)]

    async def everyone():
        loop = asyncio.get_running_loop()
        ends_at = loop.time() + timeout
        await asyncio.gather(*(_visit(loop, parsed.hostname, parsed.port, v, ends_at, poll_interval)
                               for v in visitors))

    loop = paced._new_loop()
    try:
        loop.run_until_complete(everyone())
    finally:
        loop.close()
    return visitors


def wait_until_idle(redis_url, stub, timeout=30, quiet=1.0):
    """Until the AI queue is empty, no AI job is running and no LLM call is in flight for `quiet` s (a late job
    could still store a second reply): the count of replies comes after it. Bounded by `timeout`."""
    from redis import Redis

    redis = Redis.from_url(redis_url)
    deadline = time.monotonic() + timeout
    idle_since = None
    while time.monotonic() < deadline:
        busy = redis.llen("rq:queue:ai") or redis.zcard("rq:wip:ai") or stub.in_flight
        if busy:
            idle_since = None
        elif idle_since is None:
            idle_since = time.monotonic()
        elif time.monotonic() - idle_since >= quiet:
            return True
        time.sleep(0.1)
    return False


REPLY_COUNTS = """
SELECT s.public_id, count(m.id) FILTER (WHERE m.sender = 'USER'), count(m.id) FILTER (WHERE m.sender = 'BOT')
FROM chat_session s LEFT JOIN chat_message m ON m.session_id = s.id
WHERE s.public_id = ANY(%s) GROUP BY s.public_id
"""
REPLY_TIMES = """
SELECT u.created_at, b.created_at, b.meta ->> 'provider', b.meta ->> 'error'
FROM chat_message u JOIN chat_session s ON s.id = u.session_id
LEFT JOIN chat_message b ON b.reply_to_id = u.id AND b.sender = 'BOT'
WHERE s.public_id = ANY(%s) AND u.sender = 'USER'
"""


def count_replies(db_url, session_ids):
    """[(session id, USER messages, BOT messages)] for every session asked about; one missing from the database
    counts as (id, 1, 0): its visitor asked and nothing was stored."""
    import psycopg

    with psycopg.connect(db_url) as conn:
        rows = {sid: (sid, users, bots) for sid, users, bots in conn.execute(REPLY_COUNTS, (list(session_ids),))}
    return [rows.get(sid, (sid, 1, 0)) for sid in session_ids]


def tally(rows):
    """Exactly once: every session's USER messages each answered by one BOT message. Missing = USER messages
    without a reply, doubled = BOT messages beyond one per USER message."""
    missing = sum(max(0, users - bots) for _sid, users, bots in rows)
    doubled = sum(max(0, bots - users) for _sid, users, bots in rows)
    return {"messages": sum(users for _sid, users, _bots in rows), "replies": sum(bots for _sid, _u, bots in rows),
            "missing": missing, "doubled": doubled,
            "exactly_once": missing == 0 and doubled == 0 and bool(rows)}


def server_times(db_url, session_ids):
    """From the database: the first USER message to the last BOT message (replies/s), each reply's time after
    its question, and which provider wrote the replies (openai, or offline when the LLM failed or was late)."""
    import psycopg

    with psycopg.connect(db_url) as conn:
        rows = conn.execute(REPLY_TIMES, (list(session_ids),)).fetchall()
    answered = [(asked, replied) for asked, replied, _p, _e in rows if replied is not None]
    providers = {}
    for _asked, replied, provider, error in rows:
        if replied is not None:
            key = provider + (" (after an LLM error)" if error else "") if provider else "unknown"
            providers[key] = providers.get(key, 0) + 1
    if not answered:
        return {"seconds": None, "reply_s": None, "providers": providers}
    first, last = min(a for a, _r in answered), max(r for _a, r in answered)
    waits = [(r - a).total_seconds() for a, r in answered]
    return {"seconds": round((last - first).total_seconds(), 2), "reply_s": summary(waits), "providers": providers}


def summary(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"n": len(values), "p50": round(percentile(values, 50), 2), "p95": round(percentile(values, 95), 2),
            "max": round(max(values), 2)}


def outcome(visitors, counts, server, llm_seconds, concurrency, elapsed_wall):
    """The scenario's row: replies/s from the database (the first question stored to the last reply stored)
    against AI_CONCURRENCY ÷ the LLM's time per answer, and the visitors' own view."""
    answered = counts["messages"] - counts["missing"]
    replies_per_s = round(answered / server["seconds"], 1) if server["seconds"] else 0.0
    polls = [ms for v in visitors for ms in v.polls]
    errors = {}
    for v in visitors:
        if v.error:
            errors[v.error] = errors.get(v.error, 0) + 1
    return {"visitors": len(visitors), "llm_seconds": llm_seconds, "ai_concurrency": concurrency,
            "capacity_rule": round(concurrency / llm_seconds, 1), "replies_per_s": replies_per_s, **counts,
            "seconds": server["seconds"], "wall_seconds": round(elapsed_wall, 1), "providers": server["providers"],
            "draft_s": summary([v.draft_s for v in visitors]), "reply_s": summary([v.reply_s for v in visitors]),
            "first_words_s": summary([v.first_words_s for v in visitors]),
            "server_reply_s": server["reply_s"], "visitor_errors": errors,
            "polls": {"n": len(polls), "p50_ms": round(percentile(polls, 50), 1),
                      "p99_ms": round(percentile(polls, 99), 1), "max_ms": round(max(polls, default=0), 1),
                      "failed": dict(Counter(why for v in visitors for why in v.failed_polls))}}
