"""AI replies at peak (issue 11): jobs overlap their LLM calls, every message has a reply by its deadline whatever
the LLM or the worker does, the answer shows while it is written, and nothing is ever answered twice."""
import threading
import time
from datetime import timedelta

import pytest

from lucine_chatbot.chats.visitor import drafts, replies
from lucine_chatbot.extensions import db
from lucine_chatbot.jobs.ai_reply import generate_reply
from lucine_chatbot.jobs.worker import build_worker
from lucine_chatbot.models import ChatSession, Message, Sender, utcnow
from lucine_chatbot.platform import dispatch
from tests.support.assistant_helpers import kb  # noqa: F401  (fixture)
from tests.support.openai_stub import Stream, serve_for

ANSWER = ["Il biglietto ", "Intero costa ", "9 € ", "sul sito ", "https://lucinedinatale.it."]


@pytest.fixture
def llm(app, monkeypatch):
    server = serve_for(app, monkeypatch, timeout_seconds=20)
    yield server
    server.__exit__(None, None, None)


def bot_replies(user_id):
    db.session.expire_all()
    return db.session.query(Message).filter_by(sender=Sender.BOT, reply_to_id=user_id).all()


def ask(client, text="Quanto costa il biglietto intero?"):
    response = client.post("/api/chat", json={"message": text})
    assert response.status_code in (200, 202), response.json
    return response.json["sessionId"], response.json["messages"][0]["id"]


def in_the_background(app, func, *args):
    """Run `func` as a job thread would: its own app context, session and connection."""

    def run():
        with app.app_context():
            try:
                func(*args)
            finally:
                db.session.remove()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def job_waiting_on_the_llm(app, llm, user_id):
    """The reply job for `user_id` running in the background, returned once the LLM has its request."""
    job = in_the_background(app, generate_reply, user_id)
    deadline = time.monotonic() + 5
    while not llm.in_flight and job.is_alive() and time.monotonic() < deadline:
        time.sleep(0.02)
    assert llm.in_flight == 1, "the job never reached the LLM"
    return job


@pytest.mark.redis_only
@pytest.mark.postgres_only
@pytest.mark.real_db
def test_one_worker_overlaps_its_llm_calls_up_to_its_concurrency(app, client, kb, llm):
    latency = 1.0
    llm.reply_with(Stream(ANSWER, first_delay=latency))
    users = [ask(client)[1] for _ in range(8)]

    started = time.monotonic()
    build_worker(app, concurrency=4).work(burst=True)
    elapsed = time.monotonic() - started

    assert llm.peak_in_flight == 4, "four calls at once, never more than the concurrency"
    assert elapsed >= 2 * latency, "8 jobs at 4 at once: two rounds of the LLM's latency"
    assert elapsed < 8 * latency, "not one after the other"
    for user_id in users:
        [bot] = bot_replies(user_id)
        assert bot.body == "".join(ANSWER) and bot.meta["provider"] == "openai"
    db.session.remove()
    assert db.engine.pool.checkedout() == 0, "every job thread gave its connection back"


@pytest.mark.redis_only
@pytest.mark.postgres_only
@pytest.mark.real_db
def test_no_transaction_is_open_while_the_llm_writes(app, client, kb, llm):
    llm.reply_with(Stream(ANSWER, first_delay=1.5))
    _, user_id = ask(client)
    job = job_waiting_on_the_llm(app, llm, user_id)
    with db.engine.connect() as conn:
        open_transactions = conn.exec_driver_sql(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND state LIKE 'idle in transaction%%'").scalar()
    job.join(10)
    assert open_transactions == 0
    assert len(bot_replies(user_id)) == 1


@pytest.mark.redis_only
@pytest.mark.postgres_only
@pytest.mark.real_db
def test_the_poll_shows_the_answer_growing_then_the_message_replaces_it(app, client, kb, llm):
    llm.reply_with(Stream(ANSWER, first_delay=0.2, chunk_delay=0.35))
    session_id, user_id = ask(client)
    job = in_the_background(app, generate_reply, user_id)
    drafts_seen = []
    while job.is_alive():
        poll = client.get(f"/api/chat/poll/{session_id}?after={user_id}").json
        if poll["draft"]:
            assert poll["pending"] is True and poll["draft"]["replyTo"] == user_id
            drafts_seen.append(poll["draft"]["text"])
        time.sleep(0.1)
    job.join()

    assert len(set(drafts_seen)) >= 2, drafts_seen
    assert all("".join(ANSWER).startswith(text) for text in drafts_seen)
    assert all(len(a) <= len(b) for a, b in zip(drafts_seen, drafts_seen[1:])), "it only grows"
    poll = client.get(f"/api/chat/poll/{session_id}?after={user_id}").json
    assert poll["draft"] is None and poll["pending"] is False
    assert [m["message"] for m in poll["messages"]] == ["".join(ANSWER)]
    assert not dispatch.redis_connection(app).exists(drafts.key(session_id)), "the draft is gone with the reply"


@pytest.mark.redis_only
@pytest.mark.postgres_only
@pytest.mark.real_db
@pytest.mark.parametrize("hang_after", [0, 2], ids=["before the first word", "mid-answer"])
def test_a_hanging_llm_still_gives_an_answer_within_the_deadline(app, client, kb, llm, monkeypatch, hang_after):
    monkeypatch.setitem(app.config, "AI_REPLY_DEADLINE_SECONDS", 6)
    llm.reply_with(Stream(ANSWER, first_delay=0.1, chunk_delay=0.1, hang_after=hang_after))
    session_id, user_id = ask(client)

    started = time.monotonic()
    build_worker(app, concurrency=2).work(burst=True)

    assert time.monotonic() - started < 6
    [bot] = bot_replies(user_id)
    assert bot.meta["provider"] == "offline" and bot.meta["fallbackFrom"] == "openai"
    poll = client.get(f"/api/chat/poll/{session_id}?after={user_id}").json
    assert poll["pending"] is False and poll["draft"] is None


@pytest.mark.redis_only
def test_without_any_worker_the_poll_answers_at_the_deadline_once(app, client, kb, llm, monkeypatch, run_jobs):
    monkeypatch.setitem(app.config, "AI_REPLY_DEADLINE_SECONDS", 2)
    session_id, user_id = ask(client)
    url = f"/api/chat/poll/{session_id}?after={user_id}"

    first = client.get(url).json  # within the deadline: still the job's, and the answer is cached as pending
    assert first["pending"] is True and first["messages"] == []
    assert client.get(url).json["pending"] is True  # served from the cache
    time.sleep(2.1)
    late = client.get(url).json  # the cached "pending" no longer serves past the deadline
    assert late["pending"] is False
    [bot] = late["messages"]
    assert bot["sender"] == "BOT" and bot["metadata"]["provider"] == "offline"
    assert llm.requests == []

    assert run_jobs() == 1  # the worker is back: its job finds the message answered
    assert len(bot_replies(user_id)) == 1 and llm.requests == []


def test_past_its_deadline_a_job_answers_offline_at_once(app, make, kb, llm):
    chat = make.chat(ai_pending=True)
    user = make.message(chat, "Posso portare il cane?", created_at=utcnow() - timedelta(seconds=30))
    db.session.commit()

    generate_reply(user.id)

    [bot] = bot_replies(user.id)
    assert bot.meta["provider"] == "offline" and "fallbackFrom" not in bot.meta
    assert llm.requests == [], "no LLM call the deadline has no time for"


@pytest.mark.redis_only
@pytest.mark.postgres_only
@pytest.mark.real_db
def test_a_late_llm_answer_is_dropped_when_the_deadline_answered_first(app, client, kb, llm):
    llm.reply_with(Stream(ANSWER, first_delay=1.5))
    session_id, user_id = ask(client)
    job = job_waiting_on_the_llm(app, llm, user_id)

    session = db.session.query(ChatSession).filter_by(public_id=session_id).one()
    assert replies.answer_overdue(session.id, now=utcnow() + timedelta(seconds=60)) is True
    job.join(10)

    [bot] = bot_replies(user_id)
    assert bot.meta["provider"] == "offline"
    assert db.session.get(ChatSession, session.id).ai_pending is False
