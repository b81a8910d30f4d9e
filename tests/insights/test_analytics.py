"""Analytics service: local-day boundaries (Rome, DST included) and the event log, on both backends."""
from datetime import date, datetime, timedelta

from lucine_chatbot.insights import analytics, events
from tests.support import factories

from .test_analytics_day import clock  # noqa: F401  (fixture)


def chat_at(clock, utc_text):
    clock.now = datetime.fromisoformat(utc_text)
    session = factories.chat()
    events.record("chat_started", session)
    return session


def totals(day):
    return analytics.stats(day)["today"]["totalChats"]


def test_a_chat_at_23_30_in_rome_belongs_to_that_day_though_it_is_22_30_utc(clock):
    chat_at(clock, "2025-12-10 22:30")
    assert totals(date(2025, 12, 10)) == 1
    assert totals(date(2025, 12, 11)) == 0


def test_a_chat_at_00_30_in_rome_belongs_to_the_next_day_though_it_is_23_30_utc_the_day_before(clock):
    chat_at(clock, "2025-12-10 23:30")
    assert totals(date(2025, 12, 10)) == 0
    assert totals(date(2025, 12, 11)) == 1


def test_the_exact_local_midnight_starts_the_new_day(clock):
    chat_at(clock, "2025-12-10 22:59:59.999")
    chat_at(clock, "2025-12-10 23:00")
    assert (totals(date(2025, 12, 10)), totals(date(2025, 12, 11))) == (1, 1)
    clock.now = datetime(2025, 12, 11, 12)
    assert [p["value"] for p in analytics.timeseries("chats", days=2)] == [1, 1]


def test_timeseries_buckets_by_rome_day_on_the_long_day_when_dst_ends(clock):
    # 26 Oct 2025 has 25 hours in Rome: 25 Oct 22:00 UTC .. 26 Oct 23:00 UTC
    for utc in ("2025-10-25 21:59", "2025-10-25 22:00", "2025-10-26 12:00", "2025-10-26 22:59",
                "2025-10-26 23:00"):
        chat_at(clock, utc)
    clock.now = datetime(2025, 10, 27, 12)
    points = analytics.timeseries("chats", days=3)
    assert points == [{"date": "2025-10-25", "value": 1}, {"date": "2025-10-26", "value": 3},
                      {"date": "2025-10-27", "value": 1}]
    assert totals(date(2025, 10, 26)) == 3


def test_timeseries_buckets_by_rome_day_on_the_short_day_when_dst_starts(clock):
    # 29 Mar 2026 has 23 hours in Rome: 28 Mar 23:00 UTC .. 29 Mar 22:00 UTC
    for utc in ("2026-03-28 22:59", "2026-03-28 23:00", "2026-03-29 21:59", "2026-03-29 22:00"):
        chat_at(clock, utc)
    clock.now = datetime(2026, 3, 30, 9)
    assert [p["value"] for p in analytics.timeseries("chats", days=3)] == [1, 2, 1]
    assert analytics.day_bounds(date(2026, 3, 29)) == (datetime(2026, 3, 28, 23), datetime(2026, 3, 29, 22))


def test_timeseries_has_one_zero_filled_point_per_day_oldest_first(clock):
    clock.now = datetime(2025, 12, 20, 12)
    points = analytics.timeseries("tickets", days=14)
    assert len(points) == 14 and points[0]["date"] == "2025-12-07" and points[-1]["date"] == "2025-12-20"
    assert {p["value"] for p in points} == {0}
    assert {p["value"] for p in analytics.timeseries("csat", days=3)} == {None}


def test_timeseries_ignores_data_older_than_its_first_day(clock):
    chat_at(clock, "2025-12-01 12:00")
    clock.now = datetime(2025, 12, 20, 12)
    assert sum(p["value"] for p in analytics.timeseries("chats", days=7)) == 0
    assert sum(p["value"] for p in analytics.timeseries("chats", days=90)) == 1


def test_events_are_listed_newest_first_and_filtered(clock):
    first = chat_at(clock, "2025-12-10 10:00")
    second = chat_at(clock, "2025-12-10 11:00")
    clock.now += timedelta(minutes=1)
    events.record("escalation_request", second)
    listed = analytics.list_events()
    assert [(e.type, e.session_public_id) for e in listed] == [
        ("escalation_request", second.public_id), ("chat_started", second.public_id),
        ("chat_started", first.public_id)]
    assert [e.type for e in analytics.list_events(event_type="chat_started", limit=1)] == ["chat_started"]
    assert len(analytics.list_events(session_id=first.public_id)) == 1
    assert len(analytics.list_events(since=datetime(2025, 12, 10, 11))) == 2
    assert len(analytics.list_events(until=datetime(2025, 12, 10, 11))) == 1
