"""A scripted season day (13 Dec 2025, Rome) whose every /stats number was counted by hand; also a clock."""
import itertools
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from lucine_chatbot.extensions import db
from lucine_chatbot.models import OperatorChat, QueueEntry, QueueStatus, Ticket, base
from lucine_chatbot.services import analytics, events, state_machine, timeouts

from .. import factories

ROME = ZoneInfo("Europe/Rome")
_ticket_numbers = itertools.count(1)


def rome(text):
    """'2025-12-13 17:00' in Rome → naive UTC."""
    return datetime.fromisoformat(text).replace(tzinfo=ROME).astimezone(timezone.utc).replace(tzinfo=None)


class Clock:
    """Every `models.utcnow()` (column defaults included) reads this clock while the fixture is active."""

    def __init__(self, now):
        self.now = now

    def at(self, local_text):
        self.now = rome(local_text)
        return self.now


@pytest.fixture
def clock(monkeypatch):
    state = Clock(rome("2025-12-13 12:00"))

    class FrozenDatetime(datetime):
        @classmethod
        def now(cls, tz=None):
            aware = state.now.replace(tzinfo=timezone.utc)
            return aware.astimezone(tz) if tz else aware.replace(tzinfo=None)

    monkeypatch.setattr(base, "datetime", FrozenDatetime)
    return state


# --- the steps of a conversation, as the services will perform them --------------------------------------------

def visitor_chat(clock, when, language="it"):
    clock.at(when)
    session = factories.chat(language=language)
    events.record("chat_started", session, language=language)
    visitor_says(session)
    return session


def visitor_says(session, body="Ciao"):
    message = factories.message(session, body)
    session.last_visitor_message_at = message.created_at
    events.record("chat_message", session, sender="USER")
    return message


def ai_answers(session, latency_ms):
    factories.message(session, "Risposta", sender="BOT",
                      meta={"provider": "offline", "latencyMs": latency_ms, "sources": []})
    events.record("ai_response", session, provider="offline", latencyMs=latency_ms)


def escalate(clock, session, when):
    clock.at(when)
    state_machine.change_status(session, "WAITING_OPERATOR", reason="request_operator")
    events.record("escalation_request", session, language=session.language)
    entry = QueueEntry(session_id=session.id, reason="request_operator")
    db.session.add(entry)
    session.last_activity_at = clock.now
    db.session.flush()
    return entry


def take(clock, session, operator, when):
    clock.at(when)
    entry = db.session.query(QueueEntry).filter_by(session_id=session.id, status=QueueStatus.WAITING).one()
    entry.status, entry.assigned_at, entry.operator_id = QueueStatus.ASSIGNED, clock.now, operator.id
    stint = OperatorChat(session_id=session.id, operator_id=operator.id, assigned_at=clock.now)
    db.session.add(stint)
    session.operator_id = operator.id
    session.last_activity_at = clock.now
    state_machine.change_status(session, "WITH_OPERATOR", operator_id=operator.id)
    events.record("operator_connected", session, operator_id=operator.id)
    db.session.flush()
    return stint


def operator_replies(clock, stint, when):
    clock.at(when)
    session = stint.session
    factories.message(session, "Eccomi", sender="OPERATOR", operator_id=stint.operator_id)
    stint.first_response_at = stint.first_response_at or clock.now
    session.last_operator_message_at = clock.now


def close_stint(clock, stint, when, status="RESOLVED", rating=None, rated_when=None):
    clock.at(when)
    stint.ended_at, stint.end_reason = clock.now, status.lower()
    stint.session.operator_id = None
    state_machine.change_status(stint.session, status, operator_id=stint.operator_id)
    if rating:
        clock.at(rated_when)
        stint.rating, stint.rated_at = rating, clock.now
        events.record("chat_rated", stint.session, operator_id=stint.operator_id, rating=rating)
    db.session.flush()


def ticket(clock, when, priority, hours, session=None, **fields):
    clock.at(when)
    item = Ticket(number=f"TKT-T{next(_ticket_numbers):05d}", priority=priority, subject="Aiuto",
                  description="Domanda", session_id=session.id if session else None,
                  due_at=clock.now + timedelta(hours=hours), **fields)
    db.session.add(item)
    events.record("ticket_created", session, priority=priority, ticketNumber=item.number)
    db.session.flush()
    return item


def resolve(clock, item, when, status="RESOLVED"):
    clock.at(when)
    item.status, item.resolved_at = status, clock.now
    events.record("ticket_resolved", item.session, ticketNumber=item.number)
    db.session.flush()


def sweep(clock, when):
    clock.at(when)
    db.session.flush()
    timeouts.sweep(clock.now)


# --- the day ---------------------------------------------------------------------------------------------------

def scripted_day(clock):
    """Build 12–14 Dec 2025; returns the chats by letter. Expected numbers: see EXPECTED_13_DEC."""
    anna = factories.operator(username="anna", is_online=True)
    bruno = factories.operator(username="bruno", is_online=True)
    factories.operator(username="carla", is_online=False)
    factories.operator(username="dave", is_online=True, is_active=False)
    chats = {}

    # 12 Dec: a late chat rated just after midnight; two tickets that matter for the 13th's SLA.
    late_high = ticket(clock, "2025-12-12 10:00", "HIGH", 2)
    late_high.sla_breached, late_high.breached_at = True, rome("2025-12-12 12:01")
    ticket(clock, "2025-12-12 20:00", "MEDIUM", 4)                 # overdue since 00:00 13 Dec, still open
    chats["P"] = p = visitor_chat(clock, "2025-12-12 23:40")
    ai_answers(p, 5000)
    escalate(clock, p, "2025-12-12 23:44")
    stint_p = take(clock, p, bruno, "2025-12-12 23:45")
    operator_replies(clock, stint_p, "2025-12-12 23:46")
    close_stint(clock, stint_p, "2025-12-12 23:59", rating=4, rated_when="2025-12-13 00:05")

    # 13 Dec
    resolve(clock, late_high, "2025-12-13 11:00")                   # resolved that day, late
    ticket(clock, "2025-12-13 16:00", "LOW", 24)                    # open, not due yet
    chats["A"] = a = visitor_chat(clock, "2025-12-13 17:00")
    ai_answers(a, 800)
    visitor_says(a)
    ai_answers(a, 1200)
    factories.message(a, "Benvenuto", sender="BOT", meta={"kind": "greeting"})  # no latency: not counted
    on_time_closed = ticket(clock, "2025-12-13 17:00", "HIGH", 2)
    chats["B"] = b = visitor_chat(clock, "2025-12-13 17:10", "en")
    ai_answers(b, 1000)
    escalate(clock, b, "2025-12-13 17:11")
    stint_b = take(clock, b, anna, "2025-12-13 17:12")
    operator_replies(clock, stint_b, "2025-12-13 17:12:45")        # 45 s
    close_stint(clock, stint_b, "2025-12-13 17:30", rating=5, rated_when="2025-12-13 17:31")
    chats["C"] = c = visitor_chat(clock, "2025-12-13 17:20", "de")
    ai_answers(c, 600)
    escalate(clock, c, "2025-12-13 17:21")
    stint_c = take(clock, c, bruno, "2025-12-13 17:25")
    operator_replies(clock, stint_c, "2025-12-13 17:27:15")        # 135 s
    close_stint(clock, stint_c, "2025-12-13 17:45", rating=2, rated_when="2025-12-13 17:50")
    chats["D"] = d = visitor_chat(clock, "2025-12-13 18:00")
    ai_answers(d, 1400)
    escalate(clock, d, "2025-12-13 18:01")
    resolve(clock, on_time_closed, "2025-12-13 18:30", status="CLOSED")
    sweep(clock, "2025-12-13 18:40")                               # D abandoned; A, B, C, P ended
    chats["E"] = e = visitor_chat(clock, "2025-12-13 19:00")
    events.record("escalation_failed", e, reason="no_operator_online")
    on_time = ticket(clock, "2025-12-13 19:02", "MEDIUM", 4, session=e)
    chats["F"] = f = visitor_chat(clock, "2025-12-13 20:00")
    ai_answers(f, 900)
    ticket(clock, "2025-12-13 20:30", "URGENT", 1)                  # overdue at 21:30, still open
    resolve(clock, on_time, "2025-12-13 21:00")
    chats["G"] = g = visitor_chat(clock, "2025-12-13 21:00")
    escalate(clock, g, "2025-12-13 21:00:30")
    take(clock, g, anna, "2025-12-13 21:01")                        # never answers
    chats["H"] = h = visitor_chat(clock, "2025-12-13 22:00")
    escalate(clock, h, "2025-12-13 22:00:30")
    chats["I"] = i = visitor_chat(clock, "2025-12-13 22:45")
    escalate(clock, i, "2025-12-13 22:45:30")
    stint_i = take(clock, i, anna, "2025-12-13 22:46")
    operator_replies(clock, stint_i, "2025-12-13 22:47")            # 60 s
    state_machine.change_status(i, "WAITING_CLIENT", operator_id=anna.id)
    clock.at("2025-12-13 23:00")
    visitor_says(h, "Ci siete?")
    sweep(clock, "2025-12-13 23:10")                               # E, F ended; G abandoned
    chats["J"] = j = visitor_chat(clock, "2025-12-13 23:30")        # 22:30 UTC: still the 13th
    ai_answers(j, 700)

    # 14 Dec, after midnight in Rome (still the 13th in UTC for the first hour)
    chats["K"] = k = visitor_chat(clock, "2025-12-14 00:05")
    ai_answers(k, 3000)
    escalate(clock, k, "2025-12-14 00:06")
    take(clock, k, bruno, "2025-12-14 00:07")
    ticket(clock, "2025-12-14 00:10", "MEDIUM", 4)
    clock.at("2025-12-14 00:45")
    db.session.flush()
    return chats


EXPECTED_13_DEC = {
    "date": "2025-12-13",
    "timezone": "Europe/Rome",
    # A B C D E F G H I J; escalated B C D G H I; AI-only A F J (E needed a human: failed escalation + ticket)
    "today": {"totalChats": 10, "aiResolved": 3, "escalated": 6, "abandoned": 2, "ticketsCreated": 4},
    "performance": {
        "avgAiResponseMs": 943,                      # (800+1200+1000+600+1400+900+700) / 7 = 942.86
        "avgOperatorFirstResponseSeconds": 80.0,     # (45 + 135 + 60) / 3; G never answered
        "satisfaction": 3.67,                        # P 4 (rated 00:05), B 5, C 2
        "ratings": 3,
        "aiResolutionRate": 0.3,
    },
    # now (00:45 on the 14th): anna (I), bruno (K) online with one open stint each; dave inactive
    "operators": {"online": 2, "avgLoad": 1.0},
    "current": {"activeChats": 4, "queueLength": 1, "waitingClient": 1},   # H I J K open; H queued; I waits
    # as of 24:00 on the 13th: open = 12 Dec MEDIUM (overdue), LOW, URGENT (overdue);
    # resolved that day = 12 Dec HIGH (late), HIGH closed 18:30 (on time), MEDIUM 21:00 (on time)
    "sla": {"ticketsOpen": 3, "ticketsBreached": 2, "ticketsResolved": 3, "ticketsResolvedOnTime": 2,
            "complianceRate": 0.4},
}


# --- the tests -------------------------------------------------------------------------------------------------

def test_stats_of_the_scripted_day_match_the_hand_count_exactly(clock):
    scripted_day(clock)
    assert analytics.stats(datetime(2025, 12, 13).date()) == EXPECTED_13_DEC


def test_stats_default_to_today_in_rome_not_in_utc(clock):
    scripted_day(clock)  # now: 00:45 on the 14th in Rome, still the 13th in UTC
    today = analytics.stats()
    assert today["date"] == "2025-12-14"
    assert today["today"] == {"totalChats": 1, "aiResolved": 0, "escalated": 1, "abandoned": 0,
                              "ticketsCreated": 1}
    assert today["performance"]["avgAiResponseMs"] == 3000
    assert today["performance"]["avgOperatorFirstResponseSeconds"] is None
    assert today["performance"]["satisfaction"] is None and today["performance"]["aiResolutionRate"] == 0.0


def test_the_day_before_counts_only_its_own_chats(clock):
    scripted_day(clock)
    before = analytics.stats(datetime(2025, 12, 12).date())
    assert before["today"] == {"totalChats": 1, "aiResolved": 0, "escalated": 1, "abandoned": 0,
                               "ticketsCreated": 2}
    assert before["performance"] == {"avgAiResponseMs": 5000, "avgOperatorFirstResponseSeconds": 60.0,
                                     "satisfaction": None, "ratings": 0, "aiResolutionRate": 0.0}
    # as of 24:00 on the 12th: the HIGH ticket (due 12:00) and the MEDIUM one (due 24:00, not yet past) open
    assert before["sla"] == {"ticketsOpen": 2, "ticketsBreached": 1, "ticketsResolved": 0,
                             "ticketsResolvedOnTime": 0, "complianceRate": 0.0}


def test_timeseries_agree_with_stats_day_by_day(clock):
    scripted_day(clock)
    expected = {"chats": [1, 10, 1], "escalations": [1, 6, 1], "tickets": [2, 4, 1],
                "csat": [None, 3.67, None], "aiResolutionRate": [0.0, 0.3, 0.0]}
    for metric, values in expected.items():
        points = analytics.timeseries(metric, days=4)
        assert [p["date"] for p in points] == ["2025-12-11", "2025-12-12", "2025-12-13", "2025-12-14"]
        empty = None if metric in ("csat", "aiResolutionRate") else 0
        assert [p["value"] for p in points] == [empty] + values, metric


def test_an_empty_day_reports_zeros_and_nulls(clock):
    stats = analytics.stats(datetime(2025, 12, 1).date())
    assert stats["today"] == {"totalChats": 0, "aiResolved": 0, "escalated": 0, "abandoned": 0,
                              "ticketsCreated": 0}
    assert stats["performance"] == {"avgAiResponseMs": None, "avgOperatorFirstResponseSeconds": None,
                                    "satisfaction": None, "ratings": 0, "aiResolutionRate": None}
    assert stats["operators"] == {"online": 0, "avgLoad": None}
    assert stats["sla"]["complianceRate"] is None
