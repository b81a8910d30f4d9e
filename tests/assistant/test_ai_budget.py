"""Cost abuse (issue 21): one chat gets at most AI_MAX_REPLIES_PER_CHAT answers from the LLM; after that the
offline assistant answers and a human is offered beside it."""
import pytest

from tests.support.assistant_helpers import kb  # noqa: F401  (fixture)
from tests.support.openai_stub import serve_for


@pytest.fixture
def llm(app, monkeypatch):
    server = serve_for(app, monkeypatch, timeout_seconds=5)
    server.reply_with("Il biglietto intero costa 9 €.")
    yield server
    server.__exit__(None, None, None)


def ask(client, run_jobs, session_id=None):
    body = {"message": "Quanto costa il biglietto intero?", **({"sessionId": session_id} if session_id else {})}
    session_id = client.post("/api/chat", json=body).json["sessionId"]
    run_jobs()
    poll = client.get(f"/api/chat/poll/{session_id}").json
    return session_id, [m for m in poll["messages"] if m["sender"] == "BOT"][-1]


def test_past_the_budget_the_offline_assistant_answers_and_offers_a_human(app, client, kb, llm, run_jobs,
                                                                         monkeypatch):
    monkeypatch.setitem(app.config, "AI_MAX_REPLIES_PER_CHAT", 2)
    session_id, first = ask(client, run_jobs)
    _, second = ask(client, run_jobs, session_id)
    _, third = ask(client, run_jobs, session_id)

    assert [first["metadata"]["provider"], second["metadata"]["provider"]] == ["openai", "openai"]
    assert third["metadata"]["provider"] == "offline" and "9" in third["message"]
    assert third["metadata"]["escalationReason"] == "ai_budget"
    assert [a["action"] for a in third["metadata"]["smartActions"]] == ["request_operator", "continue_ai"]
    assert len(llm.requests) == 2

    other, fresh = ask(client, run_jobs)  # the budget is per chat
    assert other != session_id and fresh["metadata"]["provider"] == "openai"
