"""The offline assistant measured on tests/data/assistant_eval.json by the project's own `eval-assistant`.

A case is right when its answer holds every expected fact and the offer of a human comes exactly when only a human
can settle it (services/assistant/evaluation.py). The matcher was tuned on the `tune` split only; `held` is held out.
"""
import json

import pytest

from lucine_chatbot.assistant import evaluation
from tests.support.assistant_helpers import kb  # noqa: F401  (fixture)
from tests.support.openai_stub import serve_for

# Issue 25 asks for >= 97% overall and >= 95% in every language; the floor is what is met (docs/assistant.md).
FLOOR = {"all": 0.97, "lang": 0.96, "held": 0.93}


@pytest.fixture
def outcomes(kb):
    cases, now = evaluation.load()
    return evaluation.run(cases, now, "offline")


def test_the_set_has_enough_questions_in_every_language_and_kind():
    cases, _now = evaluation.load()
    assert len(cases) >= 150
    assert {c["lang"] for c in cases} == {"it", "en", "de"}
    assert {c["split"] for c in cases} == {"tune", "held"}
    assert all(c.get("facts") or c.get("human") for c in cases)
    assert {"season", "hours", "comparison", "multi", "group", "human"} <= {c["kind"] for c in cases}


def test_the_offline_assistant_keeps_its_accuracy_floor(outcomes):
    table = evaluation.summary(outcomes)
    rate = {key: right / total for key, (right, total) in table.items()}
    print("\n" + evaluation.report(outcomes, "offline"))
    assert rate["all"] >= FLOOR["all"]
    assert rate["split:held"] >= FLOOR["held"]
    assert min(rate["lang:it"], rate["lang:en"], rate["lang:de"]) >= FLOOR["lang"]
    assert table["inLanguage"][0] == table["inLanguage"][1]  # no answer in another language


def test_eval_assistant_prints_accuracy_per_kind_and_language_and_the_misses(kb, runner, tmp_path):
    path = cases_file(tmp_path, [
        {"q": "quanto costa il ridotto?", "lang": "it", "kind": "fact", "facts": ["€7"], "split": "tune"},
        {"q": "quanto costa il ridotto?", "lang": "it", "kind": "fact", "facts": ["€99"], "split": "held"},
        {"q": "mi hanno addebitato due volte il biglietto", "lang": "it", "kind": "human", "human": True,
         "split": "tune"},
    ])
    result = runner.invoke(args=["eval-assistant", "--cases", str(path)])
    assert result.exit_code == 0, result.output
    assert "eval-assistant (offline): 2/3 = 66.7%" in result.output
    assert "per kind: fact 1/2 = 50.0%, human 1/1 = 100.0%" in result.output
    assert "per lang: it 2/3 = 66.7%" in result.output
    assert "answers in the visitor's language: 3/3 = 100.0%" in result.output
    assert "misses (1):" in result.output and "missing ['€99']" in result.output


def test_eval_assistant_asks_the_openai_provider_and_flags_an_answer_in_another_language(
        kb, runner, tmp_path, app, monkeypatch):
    stub = serve_for(app, monkeypatch)
    try:
        stub.reply_with("Il biglietto Ridotto costa €7.")
        path = cases_file(tmp_path, [
            {"q": "quanto costa il ridotto?", "lang": "it", "kind": "fact", "facts": ["€7"], "split": "tune"},
            {"q": "how much is the reduced ticket?", "lang": "en", "kind": "fact", "facts": ["€7"],
             "split": "held"},
            {"q": "mi serve la fattura per la mia azienda", "lang": "it", "kind": "group", "human": True,
             "split": "tune"},
        ])
        result = runner.invoke(args=["eval-assistant", "--provider", "openai", "--cases", str(path)])
    finally:
        stub.__exit__(None, None, None)
    assert result.exit_code == 0, result.output
    assert len(stub.requests) == 3
    assert "eval-assistant (openai): 3/3" in result.output  # the facts are there, and the gate offered a human
    assert "answers in the visitor's language: 2/3" in result.output
    assert "answer in another language" in result.output


def test_eval_assistant_refuses_the_openai_provider_without_a_key(kb, runner, app, monkeypatch):
    monkeypatch.setitem(app.config, "OPENAI_API_KEY", "")
    result = runner.invoke(args=["eval-assistant", "--provider", "openai"])
    assert result.exit_code != 0 and "OPENAI_API_KEY" in result.output


def test_a_stray_number_in_noise_is_not_a_confident_answer(app):
    from lucine_chatbot.content import knowledge

    for noise in ("<img src=x onerror=alert(1)>", "<script>alert(1)</script>", "1"):
        match = knowledge.best_match(noise, "it")
        assert match is None or not match.confident, noise


def cases_file(tmp_path, cases):
    path = tmp_path / "cases.json"
    path.write_text(json.dumps({"now": "2025-12-12T15:00:00", "cases": cases}), "utf-8")
    return path
