"""The `openai` provider against a local OpenAI-compatible server: prompt, history, stream, retries within the
deadline, fallback, gate."""
import time

import pytest

from lucine_chatbot import assistant
from lucine_chatbot.content import calendar
from lucine_chatbot.models import Sender
from tests.support.assistant_helpers import kb  # noqa: F401  (fixture)
from tests.support.openai_stub import Stream, serve_for


@pytest.fixture
def stub(app, monkeypatch):
    server = serve_for(app, monkeypatch, timeout_seconds=2)
    yield server
    server.__exit__(None, None, None)


def ask(message, language="it", history=()):
    return assistant.reply(assistant.Question(message, language, list(history)))


def test_the_prompt_carries_kb_facts_calendar_rules_and_the_history(stub, kb):
    stub.reply_with("Il biglietto intero costa €9.")
    history = [(Sender.USER, "Ciao"), (Sender.BOT, "Ciao! Come posso aiutarti?")]
    result = ask("Quanto costa l'intero?", history=history)
    sent = stub.requests[-1]
    assert sent["path"] == "/v1/chat/completions" and sent["headers"]["authorization"] == "Bearer test-key"
    body = sent["json"]
    assert body["temperature"] == 0.3 and body["max_tokens"] == 400
    system = body["messages"][0]
    assert system["role"] == "system" and "Intero €9" in system["content"]
    assert "2025-12-06" in system["content"] and "Today is" in system["content"]
    assert "Italian" in system["content"] and "Never invent" in system["content"]
    assert [m["role"] for m in body["messages"][1:]] == ["user", "assistant", "user"]
    assert body["messages"][-1]["content"] == "Quanto costa l'intero?"
    assert result.provider == "openai" and result.confident and result.model == "stub-model"


def test_the_english_prompt_has_english_and_italian_items(stub, kb):
    stub.reply_with("Parking is free.")
    ask("Is parking free?", language="en")
    system = stub.requests[-1]["json"]["messages"][0]["content"]
    assert "English" in system and "(en) Q: Do I have to pay for parking?" in system and "(it) Q:" in system


def test_only_the_newest_history_messages_are_sent_oldest_first(stub, kb, app, monkeypatch):
    monkeypatch.setitem(app.config, "AI_HISTORY_MESSAGES", 3)
    from lucine_chatbot.chats.visitor import replies
    from tests.support.factories import chat, message

    session = chat()
    for n in range(6):
        message(session, f"m{n}", sender="USER" if n % 2 == 0 else "BOT")
    last = message(session, "ultima domanda")
    history = replies.history_before(last, 3)
    assert [body for _, body in history] == ["m3", "m4", "m5"]


def test_a_server_error_falls_back_to_the_offline_matcher(stub, kb):
    stub.reply_with((500, {"error": {"message": "boom"}}))
    result = ask("Si possono portare i cani?")
    assert result.provider == "offline" and result.fallback_from == "openai"
    assert "guinzaglio" in result.text and "InternalServerError" in result.error
    meta = assistant.metadata(result, "it")
    assert meta["provider"] == "offline" and meta["error"] and meta["sources"]


def test_a_timeout_falls_back_to_the_offline_matcher(stub, kb, app, monkeypatch):
    monkeypatch.setitem(app.config, "AI_TIMEOUT_SECONDS", 0.3)
    stub.reply_with((200, {"choices": []}, 1.5))
    result = ask("Dove si parcheggia?")
    assert result.provider == "offline" and "Timeout" in result.error


def test_an_unsure_reply_gets_the_operator_buttons(stub, kb):
    stub.reply_with("Mi dispiace, non ho informazioni su questo.")
    result = ask("Posso portare il mio drone?")
    meta = assistant.metadata(result, "it")
    assert not result.confident and meta["escalationReason"]
    assert [a["action"] for a in meta["smartActions"]] == ["request_operator", "continue_ai"]


@pytest.mark.parametrize("reply", ["I'm not sure about that.", "I don't have information on that.",
                                   "Ich bin nicht sicher.", "Dazu habe ich keine Informationen."])
def test_unsure_patterns_work_in_english_and_german(stub, kb, reply):
    stub.reply_with(reply)
    result = ask("Something odd?", language="en")
    assert not result.confident and result.escalation_reason == "unsure_reply"


def test_a_date_question_puts_the_resolved_date_in_the_prompt(stub, kb):
    from lucine_chatbot.models import DayStatus

    stub.reply_with("Sì, siamo aperti.")
    calendar.set_override(calendar.local_today(), DayStatus.CANCELLED, "Pioggia forte")
    ask("Stasera è annullato?")
    system = stub.requests[-1]["json"]["messages"][0]["content"]
    assert "CANCELLED (Pioggia forte)" in system and "annullata" in system


def test_the_answer_is_requested_as_a_stream_and_seen_growing(stub, kb):
    stub.reply_with(Stream(["Il parcheggio ", "P1 ", "è gratuito."]))
    seen = []
    result = assistant.reply(assistant.Question("Dove parcheggio?", "it"), on_text=seen.append)
    assert stub.requests[-1]["json"]["stream"] is True
    assert seen == ["Il parcheggio ", "Il parcheggio P1 ", "Il parcheggio P1 è gratuito."]
    assert result.provider == "openai" and result.text == "Il parcheggio P1 è gratuito."


def test_a_transient_error_is_retried_within_the_deadline(stub, kb, app, monkeypatch):
    monkeypatch.setitem(app.config, "AI_MAX_RETRIES", 1)
    stub.reply_with((503, {"error": {"message": "overloaded"}}), Stream(["Sì, al guinzaglio."]))
    result = assistant.reply(assistant.Question("Posso portare il cane?", "it"), deadline=time.monotonic() + 10)
    assert result.provider == "openai" and len(stub.requests) == 2


def test_no_attempt_starts_without_time_left_before_the_deadline(stub, kb, app, monkeypatch):
    monkeypatch.setitem(app.config, "AI_MAX_RETRIES", 2)
    stub.reply_with((503, {"error": {"message": "overloaded"}}))
    result = assistant.reply(assistant.Question("Posso portare il cane?", "it"), deadline=time.monotonic() + 1.2)
    assert result.provider == "offline" and result.fallback_from == "openai"
    assert len(stub.requests) == 1, "a retry after the backoff would start with less than a second left"
    assert assistant.reply(assistant.Question("Posso portare il cane?", "it"),
                           deadline=time.monotonic() + 0.5).error.startswith("DeadlineExceeded")
    assert len(stub.requests) == 1


def test_an_error_event_in_the_stream_falls_back_to_the_offline_matcher(stub, kb):
    stub.reply_with(Stream(["Il parcheggio ", {"error": {"message": "server overloaded mid-answer"}}]))
    result = ask("Dove si parcheggia?")
    assert result.provider == "offline" and "server overloaded mid-answer" in result.error
