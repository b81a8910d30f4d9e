"""Helpers shared by the conversation and assistant tests."""
import pytest

from lucine_chatbot import seed
from lucine_chatbot.extensions import db


@pytest.fixture
def kb(app):
    """The shipped knowledge base, automated texts and calendar, seeded in the test's transaction."""
    seed.seed_all()
    return db.session


def say(client, run_jobs, message, session_id=None, **extra):
    """POST a visitor message; with a worker, run it and return the reply the poll then shows."""
    body = {"message": message, **({"sessionId": session_id} if session_id else {}), **extra}
    response = client.post("/api/chat", json=body)
    data = response.get_json()
    if response.status_code == 202:
        assert data["pending"] is True and data["reply"] is None
        run_jobs()
        polled = client.get(f"/api/chat/poll/{data['sessionId']}").get_json()
        bots = [m for m in polled["messages"] if m["sender"] == "BOT"]
        data = {**data, "pending": polled["pending"], "status": polled["status"],
                "reply": bots[-1]["message"] if bots else None,
                "smartActions": bots[-1]["metadata"].get("smartActions", []) if bots else [],
                "messages": polled["messages"], "polledFrom202": True}
    return response.status_code, data
