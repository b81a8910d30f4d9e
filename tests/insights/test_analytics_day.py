"""A scripted season day (13 Dec 2025, Rome) whose every /stats number was counted by hand; also a clock."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from lucine_chatbot.chats import escalation, operator_desk
from lucine_chatbot.chats import sweep as sweep_rules
from lucine_chatbot.chats.visitor import conversation
from lucine_chatbot.extensions import db
from lucine_chatbot.insights import analytics, events
from lucine_chatbot.models import Operator, base
from lucine_chatbot.tickets import desk, intake
from tests.support import factories

ROME = ZoneInfo("Europe/Rome")


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


# --- the steps of a day: the real services, except the AI replies (their latency must be known) ----------

def visitor_chat(clock, when, language="it"):
    """A session, its chat_started event and a first message, as services.conversation writes them; built by
    hand because the real assistant's latency is measured, and this day's average must be known exactly."""
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


def ask_for_operator(clock, session, when):
    """services.escalation: assigned at once, queued, or offered a ticket."""
    escalation.request_operator(session, "request_operator", now=clock.at(when))
    db.session.commit()


def operator_replies(clock, session, when):
    operator_desk.send_message(session.operator_id, session.public_id, "Eccomi", now=clock.at(when))


def close(clock, session, when, rating=None, rated_when=None):
    """The operator resolves the chat; then the visitor rates it (services.conversation.rate)."""
    escalation.close_chat(session, "RESOLVED", clock.at(when), reason="operator", operator_id=session.operator_id)
    db.session.commit()
    if rating:
        conversation.rate(session.public_id, rating, now=clock.at(rated_when))


def ticket_from_chat(clock, session, when, priority):
    operator = db.session.get(Operator, session.operator_id)
    return intake.create_ticket_from_chat(session.public_id, operator, "Aiuto", priority=priority,
                                           now=clock.at(when))


def visitor_ticket(clock, when, session=None):
    ticket, _token = intake.create_ticket_from_visitor(
        "Vorrei cambiare data", "EMAIL", email="visitatore@example.com",
        session_public_id=session.public_id if session else None, now=clock.at(when))
    return ticket


def resolve(clock, ticket, operator, when):
    desk.update_ticket(ticket.id, operator, {"status": "RESOLVED"}, now=clock.at(when))


def sweep(clock, when):
    sweep_rules.sweep(clock.at(when))


def set_online(operators, online):
    for operator in operators:
        operator.is_online = online
    db.session.commit()


# --- the day ---------------------------------------------------------------------------------------------------

def scripted_day(clock, app, monkeypatch):
    """12–14 Dec 2025 with two online operators of capacity 1; returns the chats by letter."""
    monkeypatch.setitem(app.config, "MAX_CHATS_PER_OPERATOR", 1)
    monkeypatch.setitem(app.config, "OPERATOR_HOURS", "")
    anna = factories.operator(username="anna", is_online=True)
    bruno = factories.operator(username="bruno", is_online=True)
    factories.operator(username="carla", is_online=False)
    factories.operator(username="dave", is_online=True, is_active=False)
    chats = {}

    # 12 Dec
    chats["Q"] = q = visitor_chat(clock, "2025-12-12 10:00")
    ask_for_operator(clock, q, "2025-12-12 10:00:30")              # anna at once
    operator_replies(clock, q, "2025-12-12 10:01:30")               # 60 s
    late = ticket_from_chat(clock, q, "2025-12-12 10:05", "HIGH")   # due 12:05
    sweep(clock, "2025-12-12 12:10")                               # breached, escalated
    visitor_ticket(clock, "2025-12-12 20:00")                       # new session; due 00:00 on the 13th
    chats["P"] = p = visitor_chat(clock, "2025-12-12 23:40")
    ai_answers(p, 5000)
    ask_for_operator(clock, p, "2025-12-12 23:44")                 # bruno
    operator_replies(clock, p, "2025-12-12 23:46")                  # 120 s
    close(clock, p, "2025-12-12 23:59", rating=4, rated_when="2025-12-13 00:05")

    # 13 Dec
    resolve(clock, late, bruno, "2025-12-13 11:00")                  # resolved that day, late
    chats["L"] = lt = visitor_chat(clock, "2025-12-13 16:00")
    ask_for_operator(clock, lt, "2025-12-13 16:00:00")             # anna
    operator_replies(clock, lt, "2025-12-13 16:01")                 # 60 s
    ticket_from_chat(clock, lt, "2025-12-13 16:05", "LOW")          # open, due on the 14th
    chats["A"] = a = visitor_chat(clock, "2025-12-13 17:00")
    ai_answers(a, 800)
    visitor_says(a)
    ai_answers(a, 1200)
    factories.message(a, "Benvenuto", sender="BOT", meta={"kind": "greeting"})  # no latency: not counted
    chats["B"] = b = visitor_chat(clock, "2025-12-13 17:10", "en")
    ai_answers(b, 1000)
    ask_for_operator(clock, b, "2025-12-13 17:11")                 # bruno
    operator_replies(clock, b, "2025-12-13 17:11:45")               # 45 s
    chats["C"] = c = visitor_chat(clock, "2025-12-13 17:20", "de")
    ai_answers(c, 600)
    ask_for_operator(clock, c, "2025-12-13 17:21")                 # anna
    operator_replies(clock, c, "2025-12-13 17:23:15")               # 135 s
    chats["D"] = d = visitor_chat(clock, "2025-12-13 17:25")
    ai_answers(d, 1400)
    ask_for_operator(clock, d, "2025-12-13 17:26")                 # both full: queued
    close(clock, b, "2025-12-13 17:30", rating=5, rated_when="2025-12-13 17:31")  # D drained to bruno
    close(clock, c, "2025-12-13 17:45", rating=2, rated_when="2025-12-13 17:50")
    sweep(clock, "2025-12-13 18:05")          # D abandoned (bruno never answered); A, B, L ended; 12 Dec ticket breached
    chats["E"] = e = visitor_chat(clock, "2025-12-13 19:00")
    set_online([anna, bruno], False)
    ask_for_operator(clock, e, "2025-12-13 19:01")                 # nobody online: escalation_failed
    answered_on_time = visitor_ticket(clock, "2025-12-13 19:02", session=e)   # due 23:02
    set_online([anna, bruno], True)
    widget_ticket = visitor_ticket(clock, "2025-12-13 19:40")       # new session W; due 23:40, still open
    chats["W"] = widget_ticket.session
    chats["F"] = f = visitor_chat(clock, "2025-12-13 20:00")
    ai_answers(f, 900)
    resolve(clock, answered_on_time, anna, "2025-12-13 21:00")
    chats["G"] = g = visitor_chat(clock, "2025-12-13 21:00")
    ask_for_operator(clock, g, "2025-12-13 21:00:30")              # anna, who never answers
    sweep(clock, "2025-12-13 21:05")                               # requeued to bruno, who never answers
    sweep(clock, "2025-12-13 21:40")                               # G abandoned
    chats["I"] = i = visitor_chat(clock, "2025-12-13 22:40")
    ask_for_operator(clock, i, "2025-12-13 22:40:30")              # anna
    operator_replies(clock, i, "2025-12-13 22:41:30")               # 60 s
    sweep(clock, "2025-12-13 23:00")                               # I: WAITING_CLIENT
    chats["J"] = j = visitor_chat(clock, "2025-12-13 23:30")        # 22:30 UTC: still the 13th
    ai_answers(j, 700)

    # 14 Dec, after midnight in Rome (still the 13th in UTC for the first hour)
    chats["K"] = k = visitor_chat(clock, "2025-12-14 00:05")
    ai_answers(k, 3000)
    ask_for_operator(clock, k, "2025-12-14 00:06")                 # bruno
    chats["H"] = h = visitor_chat(clock, "2025-12-14 00:10")
    ask_for_operator(clock, h, "2025-12-14 00:11")                 # both full: queued
    chats["X"] = visitor_ticket(clock, "2025-12-14 00:15").session
    clock.at("2025-12-14 00:45")
    return chats


EXPECTED_13_DEC = {
    "date": "2025-12-13",
    "timezone": "Europe/Rome",
    # L A B C D E W F G I J; escalated L B C D E G I; AI only A F J (W left a ticket from the widget)
    "today": {"totalChats": 11, "aiResolved": 3, "escalated": 7, "abandoned": 2, "ticketsCreated": 3},
    "performance": {
        "avgAiResponseMs": 943,                      # (800+1200+1000+600+1400+900+700) / 7 = 942.86
        "avgOperatorFirstResponseSeconds": 75.0,     # L 60, B 45, C 135, I 60; D and G never answered
        "satisfaction": 3.67,                        # P 4 (rated 00:05), B 5, C 2
        "ratings": 3,
        "aiResolutionRate": 0.2727,                  # 3 / 11
    },
    # now (00:45 on the 14th): anna (I) and bruno (K) online with one open stint each; dave inactive
    "operators": {"online": 2, "avgLoad": 1.0},
    "current": {"activeChats": 5, "queueLength": 1, "waitingClient": 1},   # I J K H X open; H queued; I waits
    # as of 24:00 on the 13th: open = 12 Dec widget ticket (overdue), L's LOW, W's (overdue at 23:40);
    # resolved that day = Q's HIGH (late, breached), E's (on time)
    "sla": {"ticketsOpen": 3, "ticketsBreached": 2, "ticketsResolved": 2, "ticketsResolvedOnTime": 1,
            "complianceRate": 0.25},
}
# --- the tests -------------------------------------------------------------------------------------------------

@pytest.fixture
def day(clock, app, monkeypatch):
    return scripted_day(clock, app, monkeypatch)


def test_stats_of_the_scripted_day_match_the_hand_count_exactly(day):
    assert analytics.stats(date(2025, 12, 13)) == EXPECTED_13_DEC


def test_the_script_went_the_way_the_hand_count_assumes(day):
    status = {letter: str(session.status) for letter, session in day.items()}
    assert status == {"Q": "ENDED", "P": "ENDED", "L": "ENDED", "A": "ENDED", "B": "ENDED", "C": "ENDED",
                      "D": "ENDED", "E": "ENDED", "W": "ENDED", "F": "ENDED", "G": "ENDED",
                      "I": "WAITING_CLIENT", "J": "ACTIVE", "K": "WITH_OPERATOR", "H": "WAITING_OPERATOR",
                      "X": "ACTIVE"}
    abandoned = {e.session_public_id for e in analytics.list_events(event_type="chat_abandoned")}
    assert abandoned == {day["D"].public_id, day["G"].public_id}


def test_stats_default_to_today_in_rome_not_in_utc(day):
    today = analytics.stats()  # now: 00:45 on the 14th in Rome, still the 13th in UTC
    assert today["date"] == "2025-12-14"
    assert today["today"] == {"totalChats": 3, "aiResolved": 0, "escalated": 2, "abandoned": 0,
                              "ticketsCreated": 1}
    assert today["performance"] == {"avgAiResponseMs": 3000, "avgOperatorFirstResponseSeconds": None,
                                    "satisfaction": None, "ratings": 0, "aiResolutionRate": 0.0}
    assert today["current"] == EXPECTED_13_DEC["current"]


def test_the_day_before_counts_only_its_own_chats(day):
    before = analytics.stats(date(2025, 12, 12))
    assert before["today"] == {"totalChats": 3, "aiResolved": 0, "escalated": 2, "abandoned": 0,
                               "ticketsCreated": 2}
    assert before["performance"] == {"avgAiResponseMs": 5000, "avgOperatorFirstResponseSeconds": 90.0,
                                     "satisfaction": None, "ratings": 0, "aiResolutionRate": 0.0}
    # as of 24:00 on the 12th: Q's HIGH ticket (due 12:05, breached) and the widget one (due exactly 24:00)
    assert before["sla"] == {"ticketsOpen": 2, "ticketsBreached": 1, "ticketsResolved": 0,
                             "ticketsResolvedOnTime": 0, "complianceRate": 0.0}


def test_timeseries_agree_with_stats_day_by_day(day):
    expected = {"chats": [0, 3, 11, 3], "escalations": [0, 2, 7, 2], "tickets": [0, 2, 3, 1],
                "csat": [None, None, 3.67, None], "aiResolutionRate": [None, 0.0, 0.2727, 0.0]}
    for metric, values in expected.items():
        points = analytics.timeseries(metric, days=4)
        assert [p["date"] for p in points] == ["2025-12-11", "2025-12-12", "2025-12-13", "2025-12-14"]
        assert [p["value"] for p in points] == values, metric


def test_an_empty_day_reports_zeros_and_nulls(clock):
    stats = analytics.stats(date(2025, 12, 1))
    assert stats["today"] == {"totalChats": 0, "aiResolved": 0, "escalated": 0, "abandoned": 0,
                              "ticketsCreated": 0}
    assert stats["performance"] == {"avgAiResponseMs": None, "avgOperatorFirstResponseSeconds": None,
                                    "satisfaction": None, "ratings": 0, "aiResolutionRate": None}
    assert stats["operators"] == {"online": 0, "avgLoad": None}
    assert stats["sla"]["complianceRate"] is None
