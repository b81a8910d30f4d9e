"""The LLM path gets what the offline matcher knows: the entries a question names reach the prompt, a season
question carries the season, and a group's visit is still offered a human whatever the model answers."""
import pytest

from lucine_chatbot import assistant
from tests.support.assistant_helpers import kb  # noqa: F401  (fixture)
from tests.support.openai_stub import serve_for


@pytest.fixture
def stub(app, monkeypatch):
    server = serve_for(app, monkeypatch, timeout_seconds=2)
    yield server
    server.__exit__(None, None, None)


def system_prompt_for(stub, message, language):
    result = assistant.reply(assistant.Question(message, language, []))
    return result, stub.requests[-1]["json"]["messages"][0]["content"]


def test_the_prompt_names_each_entry_a_two_part_question_asks_about(stub, kb):
    stub.reply_with("Ridotto €7; dogs on a leash.")
    _result, system = system_prompt_for(stub, "how much is the reduced ticket and can I bring my dog?", "en")
    named = system.split("Entries the question names", 1)[1].split("\n", 1)[0]
    assert "How much is the reduced ticket" in named and "Can I bring my dog?" in named


def test_a_season_question_carries_the_season_in_the_prompt(stub, kb):
    stub.reply_with("Dal 6 dicembre al 6 gennaio.")
    _result, system = system_prompt_for(stub, "fino a quando siete aperti quest'anno?", "it")
    assert "The question is about the whole season: Le Lucine di Natale sono aperte dal 6 dicembre al 6 gennaio" \
        in system


def test_a_group_asking_for_a_discount_is_offered_a_human_even_when_the_model_answers(stub, kb):
    stub.reply_with("Il biglietto Ridotto costa €7.")
    result, _system = system_prompt_for(stub, "siamo una scuola di 50 alunni, ci fate uno sconto?", "it")
    assert result.provider == "openai" and not result.confident
    assert result.escalation_reason == "human_topic:group"
