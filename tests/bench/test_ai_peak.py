"""The AI-at-peak scenario's parts: its table and targets, exactly-once counting (in the database too), the
worker started as render.yaml says, visitors polling after their message until the reply."""
import json
import re
import threading
from http.server import BaseHTTPRequestHandler

import pytest

from bench import report

from .fakes import _serve, results


def test_the_ai_at_peak_table_and_targets_read_from_the_scenarios_rows():
    text = report.markdown(results(), "cmd")
    assert "### AI at peak" in text and "`flask --app wsgi worker`" in text
    assert "| 300 ms | 300 | 45.0 | 45.7 | 300 / 0 / 0 | openai 300 | 2.1 / 6.0 (40) | 3.9 / 7.2 (300) |" in text
    targets = [target for target, _measured, _ok in report.checks(results())]
    assert sum("≥ 40 replies/s" in target for target in targets) == 1  # the 2 s row has no throughput target
    assert sum("exactly once" in target for target in targets) == 2
    busy = results()
    busy["ai_peak"][1]["idle_before_count"] = False  # the 30 s wait for a quiet queue ran out
    assert [m for t, m, ok in report.checks(busy) if not ok] == ["300 messages, 0 missing, 0 doubled (counted while "
                                                                 "the worker was still busy: not conclusive)"]
    slow = results()
    slow["ai_overhead"]["first_words"]["p95"] = 1600.0
    assert [t for t, _m, ok in report.checks(slow) if not ok] == [t for t in targets if "first words" in t]


def test_exactly_once_counting_flags_a_missing_and_a_doubled_reply():
    from bench import ai_peak

    assert ai_peak.tally([("a", 1, 1), ("b", 1, 1)]) == {"messages": 2, "replies": 2, "missing": 0, "doubled": 0,
                                                         "exactly_once": True}
    counted = ai_peak.tally([("a", 1, 1), ("b", 1, 0), ("c", 1, 2)])
    assert (counted["missing"], counted["doubled"], counted["exactly_once"]) == (1, 1, False)
    assert not ai_peak.tally([])["exactly_once"]


def _database_or_skip():
    import psycopg

    from bench.servers import stack

    try:
        return psycopg.connect(stack.PG_ADMIN_URL, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError:
        pytest.skip("needs PostgreSQL on 127.0.0.1:5432")


def test_exactly_once_is_counted_in_the_database_per_session_with_unknown_sessions_as_missing():
    """The query on the app's two tables (only the columns it reads): a session answered once, one never
    answered, one answered twice (what a late LLM result beside an offline fallback would look like), one that
    never reached the database, and another visitor's that is not asked about."""
    import psycopg

    from bench import ai_peak

    name = "lucine_bench_test_counting"
    with _database_or_skip() as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql://postgres@127.0.0.1:5432/{name}"
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("CREATE TABLE chat_session (id serial PRIMARY KEY, public_id text UNIQUE)")
            conn.execute("CREATE TABLE chat_message (id serial PRIMARY KEY, session_id int, sender text, "
                         "meta jsonb DEFAULT '{}', reply_to_id int, created_at timestamptz DEFAULT now())")
            for sid, bots in (("once", 1), ("never", 0), ("twice", 2), ("other", 0)):
                session = conn.execute("INSERT INTO chat_session (public_id) VALUES (%s) RETURNING id",
                                       (sid,)).fetchone()[0]
                user = conn.execute("INSERT INTO chat_message (session_id, sender) VALUES (%s, 'USER') RETURNING id",
                                    (session,)).fetchone()[0]
                for _ in range(bots):
                    conn.execute("INSERT INTO chat_message (session_id, sender, reply_to_id, meta) VALUES "
                                 "(%s, 'BOT', %s, '{\"provider\": \"openai\"}')", (session, user))
        rows = ai_peak.count_replies(url, ["once", "never", "twice", "lost"])
        times = ai_peak.server_times(url, ["once", "never", "twice"])
    finally:
        with _database_or_skip() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    assert sorted(rows) == [("lost", 1, 0), ("never", 1, 0), ("once", 1, 1), ("twice", 1, 2)]
    assert ai_peak.tally(rows) == {"messages": 4, "replies": 3, "missing": 2, "doubled": 1, "exactly_once": False}
    assert times["providers"] == {"openai": 3} and times["reply_s"]["n"] == 3


def test_the_ai_at_peak_worker_is_started_with_render_yamls_command_and_values(tmp_path):
    from bench import ai_peak

    render = tmp_path / "render.yaml"
    render.write_text("""services:
  - type: web
    startCommand: gunicorn -c gunicorn.conf.py wsgi:app
    envVars: [{key: WEB_CONCURRENCY, value: "3"}]
  - type: worker
    startCommand: flask --app wsgi worker
    envVars:
      - fromGroup: lucine-shared
      - {key: AI_CONCURRENCY, value: "16"}
      - {key: DB_POOL_SIZE, value: 4}
      - {key: OPENAI_API_KEY, sync: false}
      - {key: DATABASE_URL, fromDatabase: {name: lucine-db, property: connectionString}}
""")
    python = tmp_path / "venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    argv, command, env = ai_peak.render_worker(render, str(python))
    assert command == "flask --app wsgi worker" and argv == [str(python), "-m", "flask", "--app", "wsgi", "worker"]
    assert env == {"AI_CONCURRENCY": "16", "DB_POOL_SIZE": "4"}
    (python.parent / "flask").write_text("")  # a virtualenv: its console script, exactly as Render runs it
    assert ai_peak.render_worker(render, str(python))[0] == [str(python.parent / "flask"), "--app", "wsgi", "worker"]


def test_the_projects_render_yaml_starts_the_worker_the_benchmark_starts():
    from bench import ai_peak
    from bench.servers import stack

    _argv, command, env = ai_peak.render_worker(stack.ROOT / "render.yaml", "/nowhere/bin/python")
    assert command == "flask --app wsgi worker" and "AI_CONCURRENCY" in env


class _Chat(BaseHTTPRequestHandler):
    """A fake chat API: each session's first poll shows a draft of the reply, its second the reply itself; one
    session in five never gets a reply. Counts by poll, not by time."""
    protocol_version = "HTTP/1.0"
    polls = {}
    lock = threading.Lock()

    def do_POST(self):  # noqa: N802
        self.rfile.read(int(self.headers["Content-Length"]))
        with self.lock:
            number = len(self.polls) + 1
            self.polls[f"s{number}"] = 0
        self._json(202, {"sessionId": f"s{number}", "pending": True,
                         "messages": [{"id": number * 10, "sender": "USER"}]})

    def do_GET(self):  # noqa: N802
        sid, after = re.match(r"/api/chat/poll/(\w+)\?after=(\d+)", self.path).groups()
        with self.lock:
            self.polls[sid] += 1
            count = self.polls[sid]
        silent = int(sid[1:]) % 5 == 0
        draft = {"text": "Il biglietto", "replyTo": int(after)} if count == 1 or silent else None
        messages = [{"id": int(after) + 1, "sender": "BOT"}] if count >= 2 and not silent else []
        self._json(200, {"sessionId": sid, "pending": not messages, "draft": draft, "messages": messages})

    def _json(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args):
        pass


def test_ai_at_peak_visitors_ask_at_once_and_poll_after_their_message_until_the_reply():
    from bench import ai_peak

    handler = type("Chat", (_Chat,), {"polls": {}})
    server, url = _serve(handler)
    try:
        visitors = ai_peak.visit_all(url, 10, timeout=3, poll_interval=0.02)
    finally:
        server.shutdown()
    answered = [v for v in visitors if v.reply_s is not None]
    assert len(answered) == 8 and all(v.draft_s is not None and v.draft_s <= v.reply_s for v in answered)
    assert all(v.first_words_s == v.draft_s for v in answered)
    unanswered = [v for v in visitors if v.reply_s is None]
    assert {v.session_id for v in unanswered} == {"s5", "s10"} and {v.error for v in unanswered} == {"no reply seen"}
    assert all(len(v.polls) >= 2 for v in visitors)
    with pytest.raises(ValueError, match="loopback"):
        ai_peak.visit_all("http://10.0.0.1:80", 1, timeout=1)


class _FlakyChat(_Chat):
    """Each session's first poll answers 503 (a stalled or overloaded web tier), then the chat goes on."""

    failed = set()

    def do_GET(self):  # noqa: N802
        sid = re.match(r"/api/chat/poll/(\w+)", self.path).group(1)
        with self.lock:
            first = sid not in self.failed
            self.failed.add(sid)
        if first:
            self._json(503, {"error": {"code": "unavailable"}})
        else:
            super().do_GET()


def test_a_failed_poll_is_counted_and_kept_in_the_latencies():
    from bench import ai_peak

    handler = type("Flaky", (_FlakyChat,), {"polls": {}, "failed": set()})
    server, url = _serve(handler)
    try:
        visitors = ai_peak.visit_all(url, 4, timeout=3, poll_interval=0.02)
    finally:
        server.shutdown()
    assert all(v.failed_polls == ["HTTP 503"] and v.reply_s is not None for v in visitors)
    row = ai_peak.outcome(visitors, {"messages": 4, "missing": 0, "doubled": 0},
                          {"seconds": 1.0, "providers": {}, "reply_s": None}, 0.35, 16, 1.0)
    assert row["polls"]["failed"] == {"HTTP 503": 4}
    assert row["polls"]["n"] == sum(len(v.polls) for v in visitors) and row["polls"]["max_ms"] > 0
    assert report._polls(row["polls"]).endswith("(failed: HTTP 503 4)")
