"""Date questions answered from the calendar in it/en/de, relative dates resolved in Europe/Rome."""
import datetime as dt

import pytest

from lucine_chatbot import assistant
from lucine_chatbot.assistant import calendar_answers
from lucine_chatbot.content import calendar
from lucine_chatbot.models import DayStatus
from tests.support.assistant_helpers import kb  # noqa: F401  (fixture)

# Friday 12 December 2025, 22:30 UTC = 23:30 in Rome (still the 12th there; UTC is the 12th too).
FRIDAY_EVENING = dt.datetime(2025, 12, 12, 22, 30)
# 23:30 UTC on 23 December is 00:30 on the 24th in Rome: "today" is the 24th, a closed date.
AFTER_MIDNIGHT_IN_ROME = dt.datetime(2025, 12, 23, 23, 30)


def offline(question, language, now):
    return assistant.reply(assistant.Question(question, language, [], now))


@pytest.mark.parametrize("question,language,expected", [
    ("Siete aperti domani?", "it", "Domani (13 dicembre) siamo aperti: 17:30–23:00, ultimo ingresso 22:30."),
    ("Are you open on 26 December?", "en", "On 26 December we are open: 17:30–23:00, last entry 22:30."),
    ("Habt ihr am Samstag geöffnet?", "de", "Morgen (13. Dezember) haben wir geöffnet"),
    ("siete aperti la vigilia di natale?", "it", "Il 24 dicembre siamo chiusi."),
    ("Are you open on December 31?", "en", "On 31 December we are closed."),
    ("Ist am 1. Januar geöffnet?", "de", "Am 1. Januar haben wir geöffnet"),
    ("siete aperti il 10 gennaio?", "it", "Il 10 gennaio le Lucine non sono aperte"),
    ("are you open tonight?", "en", "Today (12 December) we are open"),
])
def test_calendar_questions_resolve_dates_in_three_languages(kb, question, language, expected):
    result = offline(question, language, FRIDAY_EVENING)
    assert result.text.startswith(expected) and result.confident and result.sources


def test_today_is_the_date_in_rome_not_in_utc(kb):
    assert calendar.local_today(AFTER_MIDNIGHT_IN_ROME) == dt.date(2025, 12, 24)
    assert offline("siete aperti oggi?", "it", AFTER_MIDNIGHT_IN_ROME).text.startswith("Oggi (24 dicembre) siamo chiusi")


def test_an_operator_override_beats_the_season_plan(kb):
    calendar.set_override(dt.date(2025, 12, 12), DayStatus.CANCELLED, "Allerta meteo")
    result = offline("stasera è annullato?", "it", FRIDAY_EVENING)
    assert result.text == "Oggi (12 dicembre) la serata è annullata. Nota: Allerta meteo"
    calendar.set_override(dt.date(2025, 12, 13), DayStatus.SOLD_OUT)
    assert offline("Is it sold out tomorrow?", "en", FRIDAY_EVENING).text == "Tomorrow (13 December) tickets are sold out."


def test_weekdays_resolve_to_the_next_one():
    friday = dt.date(2025, 12, 12)
    season = dt.date(2025, 12, 6)
    assert calendar_answers.resolve_date("aperti sabato?", friday, season) == dt.date(2025, 12, 13)
    assert calendar_answers.resolve_date("open on thursday?", friday, season) == dt.date(2025, 12, 18)
    assert calendar_answers.resolve_date("heute offen?", friday, season) == friday
    assert calendar_answers.resolve_date("il 2 gennaio?", friday, season) == dt.date(2026, 1, 2)


def test_a_date_outside_the_season_is_named_in_the_visitor_language(kb):
    november = dt.datetime(2025, 11, 20, 12, 0)
    assert offline("siete aperti domani?", "it", november).text.startswith("Domani (21 novembre) le Lucine non")
    assert offline("morgen geöffnet?", "de", november).text.startswith("Morgen (21. November) ist Lucine nicht")


def test_questions_without_a_date_go_to_the_kb(kb):
    result = offline("Quali sono gli orari di apertura?", "it", FRIDAY_EVENING)
    assert result.sources and result.sources[0]["title"] == "Quali sono gli orari di apertura?"
