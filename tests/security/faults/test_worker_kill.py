"""A worker killed with SIGKILL mid-job: after a restart the visitor's message is answered exactly once."""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from lucine_chatbot import seed
from lucine_chatbot.extensions import db
from lucine_chatbot.models import ChatSession, Message, Sender
from lucine_chatbot.platform import dispatch
from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL
from tests.support.openai_stub import StubOpenAI, completion

ROOT = Path(__file__).resolve().parents[3]
pytestmark = [pytest.mark.redis_only, pytest.mark.postgres_only, pytest.mark.real_db]


def start_worker(tmp_path, llm_url, burst=False):
    """`flask --app wsgi worker` as render.yaml starts it. Its reply deadline is long: on a busy machine a start
    (imports, warm-up) can take many seconds, and these tests are about the job, not its deadline."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "APP_ENV"))}
    env.update(DATABASE_URL=TEST_DATABASE_URL, REDIS_URL=TEST_REDIS_URL, OPENAI_API_KEY="test-key",
               OPENAI_BASE_URL=llm_url, AI_TIMEOUT_SECONDS="60", AI_MAX_RETRIES="0",
               AI_REPLY_DEADLINE_SECONDS="300", LUCINE_INSTANCE_PATH=str(tmp_path))
    command = [sys.executable, "-m", "flask", "--app", "wsgi", "worker"] + (["--burst"] if burst else [])
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_for(check, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.2)
    return False


def kill_worker(process):
    """SIGKILL the worker in the middle of its job (it runs jobs itself: there is no work-horse to kill)."""
    assert psutil.Process(process.pid).children() == []
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def bot_replies(user_id):
    db.session.expire_all()
    return db.session.query(Message).filter_by(sender=Sender.BOT, reply_to_id=user_id).all()


def test_a_job_whose_worker_was_killed_is_answered_once_after_restart(client, tmp_path):
    seed.seed_all()
    db.session.commit()
    with StubOpenAI() as llm:
        llm.reply_with((200, completion("Risposta che non arriverà mai"), 120),
                       "Sì, i cani sono ammessi al guinzaglio.")
        response = client.post("/api/chat", json={"message": "Posso portare il cane?"})
        assert response.status_code == 202 and response.json["pending"] is True
        user_id = response.json["messages"][0]["id"]

        worker = start_worker(tmp_path, llm.base_url)
        try:
            assert wait_for(lambda: llm.requests), "the job never reached the LLM"
        finally:
            kill_worker(worker)
        assert bot_replies(user_id) == []

        # What the next worker's maintenance does once the dead job's heartbeat has expired.
        from rq.registry import StartedJobRegistry

        connection = dispatch.redis_connection()
        StartedJobRegistry(queue=dispatch.get_queue("ai", connection)).cleanup(timestamp=time.time() + 3600)
        assert dispatch.get_queue("ai", connection).count == 1  # retried, not failed

        restarted = start_worker(tmp_path, llm.base_url, burst=True)
        output = restarted.communicate(timeout=90)[0]
        assert restarted.returncode == 0, output[-2000:]

    [bot] = bot_replies(user_id)
    assert bot.body == "Sì, i cani sono ammessi al guinzaglio." and bot.meta["provider"] == "openai"
    session = db.session.get(ChatSession, bot.session_id)
    assert session.ai_pending is False
    poll = client.get(f"/api/chat/poll/{session.public_id}").json
    assert [m["sender"] for m in poll["messages"]] == ["USER", "BOT"] and poll["pending"] is False


def test_with_the_worker_killed_and_not_restarted_the_poll_answers_at_the_deadline_and_nothing_twice_after(
        app, client, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "AI_REPLY_DEADLINE_SECONDS", 6)
    seed.seed_all()
    db.session.commit()
    with StubOpenAI() as llm:
        llm.reply_with((200, completion("Risposta che non arriverà mai"), 120), "Risposta del worker riavviato")
        response = client.post("/api/chat", json={"message": "Posso portare il cane?"})
        session_id, user_id = response.json["sessionId"], response.json["messages"][0]["id"]
        worker = start_worker(tmp_path, llm.base_url)
        try:
            assert wait_for(lambda: llm.requests), "the job never reached the LLM"
        finally:
            kill_worker(worker)

        url = f"/api/chat/poll/{session_id}?after={user_id}"
        assert wait_for(lambda: not client.get(url).json["pending"], timeout=15)
        [bot] = bot_replies(user_id)
        assert bot.meta["provider"] == "offline"

        from rq.registry import StartedJobRegistry

        connection = dispatch.redis_connection()
        StartedJobRegistry(queue=dispatch.get_queue("ai", connection)).cleanup(timestamp=time.time() + 3600)
        restarted = start_worker(tmp_path, llm.base_url, burst=True)
        output = restarted.communicate(timeout=90)[0]
        assert restarted.returncode == 0, output[-2000:]
        assert len(llm.requests) == 1, "the retried job found the message answered: no second LLM call"
    assert [b.id for b in bot_replies(user_id)] == [bot.id]


def test_sigterm_lets_the_jobs_in_hand_finish_before_the_worker_exits(client, tmp_path):
    seed.seed_all()
    db.session.commit()
    with StubOpenAI() as llm:
        llm.reply_with((200, completion("Sì, al guinzaglio."), 2))
        users = [client.post("/api/chat", json={"message": f"Posso portare il cane? ({n})"}).json["messages"][0]["id"]
                 for n in range(3)]
        worker = start_worker(tmp_path, llm.base_url)
        try:
            assert wait_for(lambda: llm.in_flight == 3), "three jobs at once in the one worker process"
            worker.send_signal(signal.SIGTERM)
            output = worker.communicate(timeout=30)[0]
        finally:
            if worker.poll() is None:
                worker.kill()
        assert worker.returncode == 0, output[-2000:]
    for user_id in users:
        [bot] = bot_replies(user_id)
        assert bot.body == "Sì, al guinzaglio." and bot.meta["provider"] == "openai"
