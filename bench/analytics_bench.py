"""Analytics on a season of data: `python -m bench.analytics_bench --events 100000` (docs/performance.md).

Fills DATABASE_URL (which must hold no chats yet) or a temporary SQLite file with a realistic season — chats,
messages, operator stints, queue entries, tickets and their analytics events — then times /api/analytics/stats,
/events and /timeseries through the Flask test client and prints the median of several runs.
"""
import argparse
import os
import random
import secrets
import statistics
import tempfile
import time
from datetime import timedelta

import sqlalchemy as sa

SEASON_DAYS = 32  # 6 Dec – 6 Jan
OPERATORS = 8
KINDS = [("ai", 0.62), ("served", 0.22), ("abandoned", 0.05), ("ticket", 0.06), ("ai_error", 0.05)]


class Season:
    """Rows for every table, built in memory with explicit ids, then inserted in bulk."""

    def __init__(self, rng, start, operator_ids):
        self.rng, self.start, self.operators = rng, start, operator_ids
        self.rows = {name: [] for name in ("chat_session", "chat_message", "operator_chat", "queue_entry",
                                           "ticket", "analytics_event")}
        self.ids = {name: 0 for name in self.rows}

    def add(self, table, **values):
        self.ids[table] += 1
        values["id"] = self.ids[table]
        self.rows[table].append(values)
        return values

    def event(self, kind, at, session=None, operator_id=None, **data):
        self.add("analytics_event", type=kind, session_public_id=session["public_id"] if session else None,
                 operator_id=operator_id, data=data, created_at=at)

    @property
    def events(self):
        return len(self.rows["analytics_event"])

    def moment(self):
        """Evening-heavy arrival times (the event opens 17:30–23:00 Rome, ~16:30–22:00 UTC)."""
        day = self.rng.randrange(SEASON_DAYS)
        hour = min(max(self.rng.gauss(19.5, 2.2), 8), 23.9)
        return self.start + timedelta(days=day, hours=hour)

    def message(self, session, sender, at, **meta):
        self.add("chat_message", session_id=session["id"], sender=sender, body="…", meta=meta, operator_id=None,
                 reply_to_id=None, created_at=at)
        if sender in ("USER", "OPERATOR"):
            self.event("chat_message", at, session, sender=sender)

    def status(self, session, new, at, reason=None):
        self.event("chat_status_changed", at, session, **{"from": session["status"], "to": new, "reason": reason})
        session["status"], session["status_changed_at"] = new, at

    def chat(self):
        at = self.moment()
        session = self.add("chat_session", public_id=secrets.token_urlsafe(24), status="ACTIVE",
                           language=self.rng.choice("iiiiiieeed").replace("i", "it").replace("e", "en")
                           .replace("d", "de"), operator_id=None, created_at=at, last_activity_at=at,
                           last_visitor_message_at=at, last_operator_message_at=None, status_changed_at=at,
                           ai_pending=False, meta={})
        self.event("chat_started", at, session, language=session["language"])
        kind = self.rng.choices([k for k, _ in KINDS], [w for _, w in KINDS])[0]
        at = self.exchanges(session, at, self.rng.randint(1, 4), error=kind == "ai_error")
        at = getattr(self, f"finish_{kind if kind != 'ai_error' else 'ai'}")(session, at)
        session["last_activity_at"] = at

    def exchanges(self, session, at, count, error=False):
        for n in range(count):
            self.message(session, "USER", at)
            latency = int(self.rng.lognormvariate(7, 0.5))
            at += timedelta(milliseconds=latency)
            if error and n == 0:
                self.event("ai_error", at, session, provider="openai", error="timeout")
            self.message(session, "BOT", at, provider="offline" if error else "openai", latencyMs=latency)
            self.event("ai_response", at, session, provider="openai", latencyMs=latency)
            at += timedelta(seconds=self.rng.randint(20, 120))
        return at

    def finish_ai(self, session, at):
        self.status(session, "IDLE", at + timedelta(minutes=10), "inactivity")
        self.event("chat_timeout", at + timedelta(minutes=30), session, status="IDLE")
        self.status(session, "ENDED", at + timedelta(minutes=30), "inactivity")
        return at

    def escalate(self, session, at):
        self.event("escalation_request", at, session, reason="request_operator")
        self.status(session, "WAITING_OPERATOR", at, "request_operator")
        return self.add("queue_entry", session_id=session["id"], status="WAITING", priority=1,
                        reason="request_operator", enqueued_at=at, assigned_at=None, ended_at=None,
                        operator_id=None, ticket_offered_at=None)

    def finish_served(self, session, at):
        entry, operator_id = self.escalate(session, at), self.rng.choice(self.operators)
        at += timedelta(seconds=self.rng.randint(5, 240))
        entry.update(status="ASSIGNED", assigned_at=at, ended_at=at, operator_id=operator_id)
        self.event("operator_connected", at, session, operator_id=operator_id, via="queue")
        self.status(session, "WITH_OPERATOR", at, "queue")
        first = at + timedelta(seconds=self.rng.randint(10, 150))
        self.message(session, "OPERATOR", first)
        if self.rng.random() < 0.2:
            self.event("internal_note_added", first, session, operator_id=operator_id)
        end = first + timedelta(minutes=self.rng.randint(2, 15))
        rated = self.rng.random() < 0.6
        self.add("operator_chat", session_id=session["id"], operator_id=operator_id, assigned_at=at,
                 first_response_at=first, ended_at=end, end_reason="operator",
                 rating=self.rng.choice([3, 4, 4, 5, 5, 5]) if rated else None, rating_comment=None,
                 rated_at=end + timedelta(minutes=1) if rated else None)
        self.status(session, "RESOLVED", end, "operator")
        self.event("chat_resolved", end, session, operator_id=operator_id)
        if rated:
            self.event("chat_rated", end + timedelta(minutes=1), session, operator_id=operator_id)
        self.status(session, "ENDED", end + timedelta(minutes=30), "inactivity")
        return end

    def finish_abandoned(self, session, at):
        entry = self.escalate(session, at)
        end = at + timedelta(minutes=30)
        self.event("queue_timeout", at + timedelta(minutes=5), session, waitedSeconds=300)
        entry.update(status="ABANDONED", ended_at=end)
        self.event("chat_abandoned", end, session, status="WAITING_OPERATOR")
        self.event("chat_timeout", end, session, status="WAITING_OPERATOR")
        self.status(session, "ENDED", end, "inactivity")
        return end

    def finish_ticket(self, session, at):
        self.event("escalation_request", at, session, reason="request_operator")
        self.event("escalation_failed", at, session, reason="no_operator")
        due = at + timedelta(hours=4)
        resolved = at + timedelta(hours=self.rng.uniform(0.5, 8)) if self.rng.random() < 0.8 else None
        breached = (resolved or at + timedelta(days=2)) > due
        ticket = self.add("ticket", number=f"TKT-B{self.ids['ticket'] + 1:07d}",
                          status="RESOLVED" if resolved else ("ESCALATED" if breached else "OPEN"),
                          priority="MEDIUM", subject="Richiesta", description="…", contact_method="EMAIL",
                          email="visitor@example.com", phone=None, language=session["language"],
                          session_id=session["id"], assigned_to_id=None, created_by_id=None,
                          resume_token_hash=None, created_at=at, updated_at=at, due_at=due,
                          resolved_at=resolved, sla_breached=breached, breached_at=due if breached else None)
        self.event("ticket_created", at, session, ticketNumber=ticket["number"], priority="MEDIUM")
        if breached:
            self.event("ticket_sla_breached", due + timedelta(minutes=1), session, ticketNumber=ticket["number"])
        if resolved:
            self.event("ticket_resolved", resolved, session, ticketNumber=ticket["number"])
        return self.finish_ai(session, at)

    def operator_shifts(self):
        for day in range(SEASON_DAYS):
            for operator_id in self.operators:
                login = self.start + timedelta(days=day, hours=16, minutes=self.rng.randint(0, 50))
                self.event("operator_login", login, operator_id=operator_id)
                self.event("operator_logout", login + timedelta(hours=6), operator_id=operator_id)


def fill(app, target_events, seed=2025):
    """Insert a season of at least `target_events` events ending yesterday; returns the row counts."""
    from lucine_chatbot.extensions import db
    from lucine_chatbot.models import Operator, utcnow

    operators = [Operator(username=f"bench{n}", name=f"Bench {n}", display_name=f"Bench {n}", email=None,
                          password_hash="!", is_online=n < 3) for n in range(OPERATORS)]
    db.session.add_all(operators)
    db.session.commit()
    today = utcnow().replace(hour=0, minute=0, second=0, microsecond=0)
    season = Season(random.Random(seed), today - timedelta(days=SEASON_DAYS), [op.id for op in operators])
    season.operator_shifts()
    while season.events < target_events:
        season.chat()
    for table, rows in season.rows.items():
        model_table = db.metadata.tables[table]
        for start in range(0, len(rows), 5000):
            db.session.execute(model_table.insert(), rows[start:start + 5000])
    if db.engine.dialect.name == "postgresql":
        for table in season.rows:
            db.session.execute(sa.text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                                       f"(SELECT max(id) FROM {table}))"))
            db.session.execute(sa.text(f"ANALYZE {table}"))
    db.session.commit()
    return {table: len(rows) for table, rows in season.rows.items()}


def time_requests(client, headers, requests, runs):
    results = []
    for label, url in requests:
        timings = []
        for _ in range(runs):
            started = time.perf_counter()
            response = client.get(url, headers=headers)
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (url, response.status_code, response.get_data(as_text=True))
        results.append((label, statistics.median(timings), max(timings)))
    return results


def requests_to_time(busy_day, session_id):
    return [
        ("stats (today)", "/api/analytics/stats"),
        (f"stats (busiest day {busy_day})", f"/api/analytics/stats?date={busy_day}"),
        ("events (latest 100)", "/api/analytics/events"),
        ("events (type=chat_abandoned, 1000)", "/api/analytics/events?type=chat_abandoned&limit=1000"),
        ("events (one session)", f"/api/analytics/events?sessionId={session_id}"),
        ("timeseries chats 90 d", "/api/analytics/timeseries?metric=chats&days=90"),
        ("timeseries escalations 90 d", "/api/analytics/timeseries?metric=escalations&days=90"),
        ("timeseries aiResolutionRate 90 d", "/api/analytics/timeseries?metric=aiResolutionRate&days=90"),
        ("timeseries tickets 90 d", "/api/analytics/timeseries?metric=tickets&days=90"),
        ("timeseries csat 90 d", "/api/analytics/timeseries?metric=csat&days=90"),
    ]


def busiest_day_and_a_session():
    from lucine_chatbot.extensions import db
    from lucine_chatbot.insights import analytics
    from lucine_chatbot.models import ChatSession

    points = analytics.timeseries("chats", days=SEASON_DAYS)
    busy = max(points, key=lambda p: p["value"])["date"]
    return busy, db.session.query(ChatSession.public_id).order_by(ChatSession.id.desc()).first()[0]


def build_app(url):
    from flask_migrate import upgrade

    from lucine_chatbot.app import create_app

    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": "",
                      "RATELIMIT_ENABLED": False, "BCRYPT_ROUNDS": 4})
    with app.app_context():
        upgrade()
    return app


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args(argv)
    from config import normalise_database_url

    url = normalise_database_url(os.environ.get("DATABASE_URL", "")) or \
        f"sqlite:///{tempfile.mkdtemp(prefix='lucine-bench-')}/analytics.sqlite3"
    app = build_app(url)
    with app.app_context():
        from flask_jwt_extended import create_access_token

        from lucine_chatbot.extensions import db
        from lucine_chatbot.models import ChatSession, Operator

        if db.session.query(ChatSession.id).first() is not None:
            raise SystemExit("The database already holds chats; point DATABASE_URL at an empty one.")
        started = time.perf_counter()
        counts = fill(app, args.events, args.seed)
        fill_seconds = time.perf_counter() - started
        token = create_access_token(identity=db.session.query(Operator).first())
        busy_day, session_id = busiest_day_and_a_session()
        results = time_requests(app.test_client(), {"Authorization": f"Bearer {token}"},
                                requests_to_time(busy_day, session_id), args.runs)
        backend = db.engine.dialect.name
        db.session.remove()
    print_report(backend, counts, fill_seconds, results, args)


def print_report(backend, counts, fill_seconds, results, args):
    print(f"Backend: {backend}; filled in {fill_seconds:.1f} s: "
          + ", ".join(f"{n:,} {table}" for table, n in counts.items()))
    print(f"\n| Request | median ms | max ms |  (runs: {args.runs})\n|---|---:|---:|")
    for label, median, worst in results:
        print(f"| {label} | {median:.1f} | {worst:.1f} |")


if __name__ == "__main__":
    main()
