"""The offline assistant's general capabilities, on questions that are not in the evaluation set: the season kept
apart from a day's hours, comparisons and two-part questions answered from each entry they name, groups offered a
human, and a reply composed without repeating its link."""
import datetime as dt

import pytest

from lucine_chatbot import assistant
from lucine_chatbot.assistant import offline, text
from tests.support.assistant_helpers import kb  # noqa: F401  (fixture)

NOW = dt.datetime(2025, 12, 12, 15, 0)


def ask(message, language):
    return assistant.reply(assistant.Question(message, language, [], NOW), offline_only=True)


def has(result, *facts):
    folded = text.fold(result.text)
    return all(text.fold(fact) in folded for fact in facts)


@pytest.mark.parametrize("message, language, facts", [
    ("in che periodo si possono vedere le lucine?", "it", ["6 dicembre", "6 gennaio"]),
    ("when does the season end?", "en", ["6 January"]),
    ("Wann endet die Saison?", "de", ["6. Januar", "24. Dezember"]),
])
def test_a_season_question_is_answered_with_the_season_from_the_calendar(kb, message, language, facts):
    result = ask(message, language)
    assert result.confident and has(result, *facts), result.text
    assert result.sources


@pytest.mark.parametrize("message, language, facts", [
    ("a che ora chiudete la sera?", "it", ["23:00"]),
    ("what time is last entry?", "en", ["22:30"]),
])
def test_a_question_about_a_days_hours_is_not_a_season_question(kb, message, language, facts):
    result = ask(message, language)
    assert has(result, *facts) and "6 " not in result.text, result.text


@pytest.mark.parametrize("message, language, facts", [
    ("che differenza c'è tra il P3 e il P1?", "it", ["2 min", "10 min"]),
    ("difference between P2 and P4?", "en", ["Manifattura", "Scuole medie"]),
    ("Unterschied zwischen Ridotto und Saltafila?", "de", ["7 €", "13 €"]),
    ("Is there a christmas market and can I bring the stroller?", "en", ["Christmas market", "stroller"]),
    ("quanto costa l'open e c'è la navetta?", "it", ["€25", "15 minuti"]),
    ("Gibt es Essen und sind Hunde erlaubt?", "de", ["Leine", "Essensstände"]),
])
def test_a_comparison_or_two_part_question_is_answered_from_each_entry_it_names(kb, message, language, facts):
    result = ask(message, language)
    assert result.confident and has(result, *facts), result.text
    assert len(result.sources) >= 2


def test_a_single_question_gets_a_single_entry(kb):
    result = ask("quanto costa il biglietto intero?", "it")
    assert len(result.sources) == 1 and "€9" in result.text


@pytest.mark.parametrize("message, language, group_entry", [
    ("siamo un gruppo parrocchiale di 35 persone, avete prezzi di gruppo?", "it", True),
    ("Wir sind eine Schulklasse aus Zürich, bekommen wir Rabatt?", "de", True),
    ("we're organising a team building evening for our company", "en", False),
])
def test_a_group_school_or_company_is_offered_a_human(kb, message, language, group_entry):
    result = ask(message, language)
    assert not result.confident and result.escalation_reason == "human_topic:group"
    assert ("info@lucinedinatale.it" in result.text) == group_entry, result.text
    assert "€7" not in result.text


@pytest.mark.parametrize("message, language, fact", [
    ("sconto bambini 5 anni?", "it", "€7"),
    ("do you have a discount for children under 12?", "en", "€7"),
    ("where is the middle school car park?", "en", "P4"),
])
def test_a_childs_discount_or_the_middle_school_car_park_is_no_group(kb, message, language, fact):
    result = ask(message, language)
    assert result.confident and fact in result.text, result.text


def test_a_composed_reply_gives_a_link_once():
    link = "https://lucinedinatale.it/products/x"
    body = offline.compose([f"Intero €9. Buy here: {link}", f"Open €25. It skips the queue. Buy here: {link}"])
    assert body.count(link) == 1 and "Open €25. It skips the queue." in body


def test_a_keyword_phrase_counts_only_when_its_words_are_said_together():
    from lucine_chatbot.assistant.matcher import Phrase

    phrase = Phrase(("cost", "ingress"), " costo ingresso ")
    assert phrase.found(["cost", "bigliett", "ingress"], " ")
    assert not phrase.found(["cost", "saltafil", "fin", "ora", "ingress"], " ")


def test_a_two_part_question_is_not_taken_for_a_phrase_spread_over_both_parts(kb):
    result = ask("quanto costa l'open e fino a che ora posso entrare?", "it")
    assert result.confident and has(result, "€25", "22:30"), result.text


def test_german_question_words_are_no_subject_and_late_means_the_last_entry():
    assert text.content_words("Welcher Parkplatz ist am nächsten, wenn wir später kommen?", "de") == [
        "parkplatz", "nachsten", "spatester", "einlass", "kommen"]


def test_a_part_the_first_entry_only_mentions_is_still_answered_from_the_entry_about_it(kb):
    result = ask("quanto costa il parcheggio e c'è una navetta?", "it")  # the shuttle's entry mentions the car parks
    assert result.confident and has(result, "15 minuti", "tutti i parcheggi P1–P5 sono gratuiti"), result.text


def test_a_german_word_finds_the_entry_whose_compounds_end_with_it(kb):
    result = ask("In welchem Ort seid ihr genau?", "de")  # "Ort" → "Standort", "Veranstaltungsort"
    assert result.confident and has(result, "Leggiuno"), result.text


@pytest.mark.parametrize("message", [
    "Was passiert, wenn es morgen schneit?", "Und wenn es den ganzen Abend schneien sollte?"])
def test_snow_said_as_a_verb_is_the_bad_weather_policy(kb, message):
    result = ask(message, "de")
    assert result.confident and has(result, "Code"), result.text


@pytest.mark.parametrize("message, language, fact", [
    ("is there food on site?", "en", "food stands"),
    ("are dogs allowed on site?", "en", "leash"),
    ("c'è da mangiare sul posto?", "it", "stand gastronomici"),
    ("Sind Hunde vor Ort erlaubt?", "de", "Leine"),
    ("can I buy tickets on site?", "en", "guaranteed"),
    ("posso comprare il biglietto sul posto?", "it", "garantito"),
    ("Muss man am Eingang lange warten?", "de", "Anstehen"),
    ("Kann man am Eingang Tickets kaufen?", "de", "garantiert"),
])
def test_on_site_or_at_the_entrance_is_where_the_question_is_not_what_it_is_about(kb, message, language, fact):
    result = ask(message, language)
    assert result.confident and has(result, fact), result.text


@pytest.mark.parametrize("message, language, facts", [
    ("what does it cost for two adults and a 10 year old?", "en", ["€9", "€7"]),
    ("how much is it for my 8-year-old?", "en", ["€7"]),
    ("la bimba di 18 mesi paga?", "it", ["gratis"]),
])
def test_an_age_is_read_as_the_ticket_it_decides_and_its_words_as_no_subject(kb, message, language, facts):
    result = ask(message, language)
    assert result.confident and has(result, *facts), result.text
    assert "new year" not in text.fold(result.text)


@pytest.mark.parametrize("message, fact", [
    ("Gibt's Parkplätze für Behinderte?", "P3"),  # "Behindertenparkplatz"
    ("Wie weit ist es vom Parkplatz für Behinderte zum Eingang?", "2 Minuten"),
])
def test_german_words_said_apart_find_the_compound_they_make(kb, message, fact):
    result = ask(message, "de")
    assert result.confident and has(result, fact), result.text


@pytest.mark.parametrize("message, language", [
    ("domenica a che ora chiudono?", "it"),
    ("when does it close tomorrow?", "en"),  # was the season's closed days
    ("Wann schließen Sie am Sonntag?", "de"),
])
def test_closing_said_as_a_verb_of_a_day_is_that_days_hours_from_the_calendar(kb, message, language):
    result = ask(message, language)
    assert result.confident and has(result, "17:30", "23:00"), result.text
