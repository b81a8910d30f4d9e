"""SLA due times in working hours, in Europe/Rome."""
from datetime import datetime

import pytest

from lucine_chatbot.tickets import sla


@pytest.fixture
def hours(app):
    original = app.config["OPERATOR_HOURS"]
    app.config["OPERATOR_HOURS"] = "17:00-23:00"
    yield
    app.config["OPERATOR_HOURS"] = original


def test_without_operator_hours_the_clock_always_runs(app):
    assert sla.due_at("MEDIUM", datetime(2025, 12, 10, 3, 0)) == datetime(2025, 12, 10, 7, 0)


def test_ticket_created_in_the_morning_waits_for_the_evening(hours):
    # 09:00 UTC = 10:00 in Rome; hours start at 17:00 Rome = 16:00 UTC; 4 working hours → 20:00 UTC
    assert sla.due_at("MEDIUM", datetime(2025, 12, 10, 9, 0)) == datetime(2025, 12, 10, 20, 0)


def test_clock_carries_over_to_the_next_evening(hours):
    # 21:00 UTC = 22:00 Rome: one hour left tonight, three more from 17:00 Rome the next day (16:00 UTC)
    assert sla.due_at("MEDIUM", datetime(2025, 12, 10, 21, 0)) == datetime(2025, 12, 11, 19, 0)


def test_low_priority_spans_several_evenings(hours):
    # 24 working hours = four 6-hour evenings
    assert sla.due_at("LOW", datetime(2025, 12, 10, 16, 0)) == datetime(2025, 12, 13, 22, 0)


def test_within_operator_hours(hours):
    assert sla.within_operator_hours(datetime(2025, 12, 10, 18, 0))
    assert not sla.within_operator_hours(datetime(2025, 12, 10, 10, 0))


def test_priority_raises_one_step_and_stops_at_urgent():
    assert sla.raise_priority("LOW") == "MEDIUM" and sla.raise_priority("URGENT") == "URGENT"


def test_bad_operator_hours_are_refused():
    with pytest.raises(ValueError):
        sla.parse_hours("23:00-17:00")
