"""The widget's traffic: polls, first messages, follow-ups, escalations (wrk), and the AI pipeline (Python)."""
import itertools
import json
import random
import re
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

from . import wrk
from .client import Client, user_message_id

QUESTIONS = [
    "Quanto costa il biglietto intero?", "Dove posso parcheggiare il camper?", "Siete aperti il 26 dicembre?",
    "I cani sono ammessi?", "C'è la navetta dal parcheggio P2?", "What time is the last entry?",
    "Il percorso è accessibile con il passeggino?", "Wie viel kostet ein Ticket?",
]
ESCALATION = "Vorrei parlare con un operatore, per favore"
# A visitor with the widget open polls every 3 s (20/min) and writes about every 30 s (2/min); one in four
# of those messages starts a conversation, one visitor in thirty asks for a human.
MIX = {"poll": 88, "follow_up": 8, "new_visitor": 3, "escalation": 1}


def percentile(values, q):
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def _body(message, session_id=None):
    return json.dumps({"message": message, **({"sessionId": session_id} if session_id else {})})


def create_sessions(base_url, count, threads=8):
    """`count` visitors who each wrote a first message; returns [(sessionId, userMessageId)]."""
    client = Client(base_url)

    def one(i):
        data = client.post_message(QUESTIONS[i % len(QUESTIONS)])
        return data["sessionId"], user_message_id(data)

    with ThreadPoolExecutor(threads) as pool:
        return list(pool.map(one, range(count)))


def wait_for_replies(db_url, session_ids, timeout=120):
    """Until every session has a BOT message (read from the database, so no HTTP load is added)."""
    import psycopg

    deadline = time.monotonic() + timeout
    with psycopg.connect(db_url, autocommit=True) as conn:
        while time.monotonic() < deadline:
            missing = conn.execute(
                "SELECT count(*) FROM chat_session s WHERE s.public_id = ANY(%s) AND NOT EXISTS "
                "(SELECT 1 FROM chat_message m WHERE m.session_id = s.id AND m.sender = 'BOT')",
                (list(session_ids),)).fetchone()[0]
            if not missing:
                return
            time.sleep(0.1)
    raise TimeoutError(f"{missing} sessions still without a reply after {timeout} s")


def last_message_ids(base_url, session_ids):
    client = Client(base_url)
    return {sid: max(m["id"] for m in client.poll(sid)["messages"]) for sid in session_ids}


def run_poll(base_url, cursors, connections, seconds):
    """The steady state of an open widget: a poll with the newest id it has (usually nothing new)."""
    return wrk.run("poll", base_url + "/api/chat/poll", wrk.get_script(_poll_paths(cursors)), connections, seconds)


def _poll_paths(cursors):
    return [f"/api/chat/poll/{sid}?after={last}" for sid, last in cursors.items()]


def run_new_visitor(base_url, connections, seconds):
    """A first message: session created, USER message stored, AI job enqueued, 202."""
    return wrk.run("new visitor message", base_url + "/api/chat", wrk.mixed_script([(1, _new_visitor_requests())]),
                   connections, seconds)


def _mix_categories(cursors):
    sessions = list(cursors)
    return [
        (MIX["poll"], None),  # the open widgets' polls, each with its own moving cursor
        (MIX["follow_up"], [("POST", "/api/chat", _body(QUESTIONS[i % len(QUESTIONS)], sid))
                            for i, sid in enumerate(sessions)]),
        (MIX["new_visitor"], _new_visitor_requests()),
        (MIX["escalation"], [("POST", "/api/chat", _body(ESCALATION))]),
    ]


def _new_visitor_requests():
    return [("POST", "/api/chat", _body(q)) for q in QUESTIONS]


def run_mixed(base_url, cursors, connections, seconds):
    return wrk.run("widget mix", base_url + "/api/chat", wrk.widget_script(cursors, _mix_categories(cursors)),
                   connections, seconds)


# The same traffic for the open-loop generator (paced.py), which asks a source for each request.

class RoundRobin:
    def __init__(self, requests):
        self.requests, self.i = requests, 0

    def next(self):
        self.i += 1
        return self.requests[self.i % len(self.requests)]

    def seen(self, path, status, body):
        pass


class WidgetMix:
    """The widget mix of `run_mixed`, cursors included: the Python twin of `wrk.widget_script`."""
    SESSION = re.compile(rb'"sessionId":"([^"]+)"')
    MESSAGE_ID = re.compile(rb'\{"id":(\d+),"sender"')

    def __init__(self, cursors, categories, seed=2):
        self.cursors = dict(cursors)
        self.sessions = list(self.cursors)
        self.categories = categories
        self.cum_weights = list(itertools.accumulate(weight for weight, _options in categories))
        self.rng = random.Random(seed)

    def next(self):
        _weight, options = self.rng.choices(self.categories, cum_weights=self.cum_weights)[0]
        if options is None:
            sid = self.rng.choice(self.sessions)
            return "GET", f"/api/chat/poll/{sid}?after={self.cursors[sid]}", None
        return self.rng.choice(options)

    def seen(self, path, status, body):
        match = self.SESSION.search(body)
        sid = match and match.group(1).decode()
        if sid in self.cursors:
            newest = max((int(n) for n in self.MESSAGE_ID.findall(body)), default=0)
            self.cursors[sid] = max(self.cursors[sid], newest)


def poll_source(cursors):
    return RoundRobin([("GET", path, None) for path in _poll_paths(cursors)])


def new_visitor_source():
    return RoundRobin(_new_visitor_requests())


def mixed_source(cursors):
    return WidgetMix(cursors, _mix_categories(cursors))


def clear_ai_queue(redis_url):
    """Drop the replies still queued after a write scenario, so the next one starts from an empty queue."""
    from redis import Redis

    Redis.from_url(redis_url).delete("rq:queue:ai")


def ai_overhead(base_url, db_url, llm_latency, samples, interval=0.01):
    """Sequential visitors (never more than the workers can take): POST, then poll every `interval` s until the
    reply shows. Overhead = time to visible reply − the stub LLM's time per answer (`llm_latency`). Also the
    server-side part, from the database timestamps (BOT created − USER created − latency), which has no polling
    granularity, and the time to the first words shown (a draft of the reply, or the reply itself)."""
    client = Client(base_url)
    visible, first_words, drafts, server_ids = [], [], 0, []
    for i in range(samples):
        started = time.monotonic()
        data = client.post_message(QUESTIONS[i % len(QUESTIONS)])
        user_id = user_message_id(data)
        bot, seen, draft_seen = client.wait_for_bot(data["sessionId"], user_id, interval=interval)
        visible.append((seen - started - llm_latency) * 1000)
        first_words.append(((draft_seen or seen) - started) * 1000)
        drafts += draft_seen is not None
        server_ids.append((user_id, bot["id"]))
    server = _server_side_ms(db_url, server_ids, llm_latency)
    return {"samples": samples, "llm_latency_ms": llm_latency * 1000, "poll_interval_ms": interval * 1000,
            "visible": _summary(visible), "server": _summary(server), "first_words": _summary(first_words),
            "drafts_seen": drafts}


def _server_side_ms(db_url, pairs, llm_latency):
    import psycopg

    ids = [i for pair in pairs for i in pair]
    with psycopg.connect(db_url) as conn:
        created = dict(conn.execute("SELECT id, created_at FROM chat_message WHERE id = ANY(%s)", (ids,)))
    return [((created[bot] - created[user]).total_seconds() - llm_latency) * 1000 for user, bot in pairs]


def _summary(values):
    return {"p50": round(percentile(values, 50), 1), "p95": round(percentile(values, 95), 1),
            "max": round(max(values), 1), "mean": round(statistics.fmean(values), 1)}
