"""The RQ worker runs jobs in its own process (no fork per job, no scheduler process): timeouts still stop a job,
a failing job leaves the worker and its pooled database connection usable, the scheduler is a thread."""
import gc
import os
import sys
import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from lucine_chatbot.assistant import openai_provider
from lucine_chatbot.content import knowledge
from lucine_chatbot.extensions import db
from lucine_chatbot.jobs import worker
from lucine_chatbot.platform import dispatch
from lucine_chatbot.platform.dispatch import job


@job(timeout=10)
def backend_pid():
    """Which process ran the job, and which PostgreSQL backend (connection) it used."""
    return os.getpid(), db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar()


@job(timeout=10)
def fail_mid_transaction():
    db.session.execute(sa.text("SELECT 1"))
    db.session.execute(sa.text("SELECT 1 / 0"))


@job(timeout=1)
def overrun_in_the_database():
    db.session.execute(sa.text("SELECT pg_sleep(5)"))


@pytest.fixture
def openai_settings(app):
    saved = {key: app.config[key] for key in ("OPENAI_API_KEY", "OPENAI_BASE_URL")}
    app.config.update(OPENAI_API_KEY="test-key", OPENAI_BASE_URL="http://127.0.0.1:9/v1")
    openai_provider._client.cache_clear()
    yield app.config
    app.config.update(saved)
    openai_provider._client.cache_clear()


def test_openai_client_is_built_once_per_process_and_settings(openai_settings):
    first = openai_provider.client()
    assert openai_provider.client() is first
    openai_settings["OPENAI_BASE_URL"] = "http://127.0.0.1:10/v1"
    assert openai_provider.client() is not first


def test_warm_up_builds_no_client_without_an_api_key(app, monkeypatch):
    monkeypatch.setitem(app.config, "OPENAI_API_KEY", "")
    openai_provider._client.cache_clear()
    openai_provider.warm_up()
    assert openai_provider._client.cache_info().currsize == 0


@pytest.mark.real_db
def test_worker_warms_up_the_sdk_jobs_and_knowledge_index_and_holds_no_connection(app, openai_settings, make):
    knowledge._cache.update(stamp=None, docs=[], indexes={})
    gc.unfreeze()
    try:
        worker.warm_up(app)
        assert gc.get_freeze_count() > 10_000  # the warmed-up objects are out of the full collections
    finally:
        gc.unfreeze()
    assert "openai" in sys.modules and "lucine_chatbot.jobs.ai_reply" in sys.modules
    assert openai_provider._client.cache_info().currsize == 1
    assert knowledge._cache["stamp"] is not None
    assert db.engine.pool.checkedout() == 0


@pytest.fixture
def pool_events(app):
    """New DBAPI connections and invalidated ones, while the test runs."""
    seen = {"connect": 0, "invalidate": 0}
    listeners = {name: (lambda *_args, _name=name: seen.__setitem__(_name, seen[_name] + 1)) for name in seen}
    for name, listener in listeners.items():
        sa.event.listen(db.engine, name, listener)
    yield seen
    for name, listener in listeners.items():
        sa.event.remove(db.engine, name, listener)


@pytest.mark.redis_only
@pytest.mark.postgres_only
@pytest.mark.real_db
def test_jobs_run_in_the_worker_process_reuse_its_connections_and_survive_failures_and_timeouts(app, pool_events):
    first = dispatch.enqueue(backend_pid)
    failing = dispatch.enqueue(fail_mid_transaction)
    second = dispatch.enqueue(backend_pid)
    overrun = dispatch.enqueue(overrun_in_the_database)
    after_timeout = dispatch.enqueue(backend_pid)

    started = time.monotonic()
    worker.build_worker(app).work(burst=True)
    elapsed = time.monotonic() - started

    assert first.latest_result().return_value[0] == os.getpid(), "no work-horse: the job ran in the worker"
    assert failing.get_status() == "failed" and "DivisionByZero" in failing.latest_result().exc_string
    assert second.get_status() == "finished"
    assert overrun.get_status() == "failed" and "JobTimeoutException" in overrun.latest_result().exc_string
    assert elapsed < 4, "the 1 s timeout stopped pg_sleep(5)"
    assert after_timeout.get_status() == "finished"
    assert pool_events["invalidate"] == 1, "only the connection the timeout cut mid-query was thrown away"
    assert pool_events["connect"] <= 1, "the jobs reused pooled connections (at most one replaced the discarded)"
    assert db.engine.pool.checkedout() == 0


@pytest.mark.redis_only
def test_the_scheduler_runs_in_a_thread_of_the_worker_and_stops_with_it(app):
    connection = dispatch.redis_connection(app)
    queue = dispatch.get_queue("default", connection)
    due = queue.enqueue_at(datetime.now(timezone.utc) - timedelta(seconds=1), backend_pid)
    scheduler = worker.ThreadScheduler([queue], connection=connection)
    scheduler.acquire_locks(auto_start=True)
    try:
        assert isinstance(scheduler._process, threading.Thread)
        deadline = time.monotonic() + 5
        while due.id not in queue.job_ids and time.monotonic() < deadline:
            time.sleep(0.05)
        assert due.id in queue.job_ids, "the thread moved the due job onto its queue"
    finally:
        scheduler.stop_thread()
    assert not scheduler._process.is_alive()
    assert not connection.exists(scheduler.get_locking_key("default")), "the lock is released for another worker"
