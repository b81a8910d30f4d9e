"""No stuck `pending`: the LLM failing or slow falls back, and a reply whose job never came is recovered by the
sweep once the reply deadline has passed (the poll does the same while the visitor is there: test_reply_deadline)."""
from datetime import timedelta

import pytest

from config import BaseConfig
from lucine_chatbot.chats import recovery, sweep
from lucine_chatbot.extensions import db
from lucine_chatbot.models import ChatSession, Message, Sender, utcnow
from tests.support.assistant_helpers import kb  # noqa: F401  (fixture)
from tests.support.openai_stub import completion, serve_for

LATE = timedelta(seconds=BaseConfig.AI_REPLY_DEADLINE_SECONDS + 1)


@pytest.fixture
def llm(app, monkeypatch):
    server = serve_for(app, monkeypatch, timeout_seconds=1)
    yield server
    server.__exit__(None, None, None)


def stuck_chat(make, text="Si possono portare i cani?", age=LATE, **fields):
    """What a crashed or killed job leaves behind: the visitor's message, `pending`, no reply."""
    sent_at = utcnow() - age
    chat = make.chat(ai_pending=True, last_activity_at=sent_at, **fields)
    return chat, make.message(chat, text, created_at=sent_at)


def replies(chat):
    return db.session.query(Message).filter_by(session_id=chat.id, sender=Sender.BOT).all()


def pending(chat):
    return db.session.get(ChatSession, chat.id).ai_pending


def test_the_sweep_answers_a_message_whose_job_never_replied(make, kb):
    chat, user = stuck_chat(make)
    sweep.sweep()
    [bot] = replies(chat)
    assert bot.reply_to_id == user.id and bot.meta["provider"] == "offline"
    assert pending(chat) is False


def test_the_recovery_never_waits_on_the_llm_again(make, kb, llm):
    llm.reply_with((200, completion("troppo tardi"), 30))
    chat, _ = stuck_chat(make)
    recovery.answer_stale_pending(utcnow())
    assert llm.requests == [] and replies(chat)[0].meta["provider"] == "offline"


def test_a_message_still_within_its_deadline_is_left_to_the_job(make, kb):
    chat, _ = stuck_chat(make, age=timedelta(seconds=5))
    assert recovery.answer_stale_pending(utcnow()) == 0
    assert replies(chat) == [] and pending(chat) is True


def test_a_reply_is_never_written_twice(make, kb):
    from lucine_chatbot.jobs.ai_reply import generate_reply

    chat, user = stuck_chat(make)
    recovery.answer_stale_pending(utcnow())
    assert generate_reply(user.id) is None  # the job, retried late, finds the reply already there
    recovery.answer_stale_pending(utcnow() + LATE)
    assert len(replies(chat)) == 1


def test_a_stuck_flag_on_an_answered_message_is_cleared_without_a_new_reply(make, kb):
    chat, user = stuck_chat(make)
    make.message(chat, "Sì, al guinzaglio.", sender="BOT", reply_to_id=user.id)
    recovery.answer_stale_pending(utcnow())
    assert len(replies(chat)) == 1 and pending(chat) is False


def test_only_the_newest_visitor_message_is_answered_not_the_operator_era_history(make, kb):
    chat, _ = stuck_chat(make, text="messaggio all'operatore, vecchio")
    newest = make.message(chat, "A che ora aprite?", created_at=utcnow() - LATE)
    recovery.answer_stale_pending(utcnow())
    assert [bot.reply_to_id for bot in replies(chat)] == [newest.id]


def test_a_chat_a_human_took_over_gets_no_ai_reply_but_is_not_pending(make, kb, operator):
    chat, _ = stuck_chat(make, status="WITH_OPERATOR", operator_id=operator.id)
    recovery.answer_stale_pending(utcnow())
    assert replies(chat) == [] and pending(chat) is False


def test_a_failing_llm_still_answers_the_visitor_at_once(client, kb, llm, run_jobs):
    llm.reply_with((500, {"error": {"message": "upstream down"}}))
    response = client.post("/api/chat", json={"message": "Si possono portare i cani?"})
    run_jobs()
    poll = client.get(f"/api/chat/poll/{response.json['sessionId']}").json
    bot = [m for m in poll["messages"] if m["sender"] == "BOT"][-1]
    assert bot["metadata"]["provider"] == "offline" and bot["metadata"]["fallbackFrom"] == "openai"
    assert poll["pending"] is False


def test_a_slow_llm_falls_back_within_the_timeout(client, kb, llm, run_jobs):
    llm.reply_with((200, completion("arrivo tardi"), 5))
    response = client.post("/api/chat", json={"message": "Quanto costa il biglietto intero?"})
    run_jobs()
    poll = client.get(f"/api/chat/poll/{response.json['sessionId']}").json
    assert poll["pending"] is False
    assert [m for m in poll["messages"] if m["sender"] == "BOT"][-1]["metadata"]["provider"] == "offline"
