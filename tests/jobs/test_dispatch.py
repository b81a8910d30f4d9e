"""The dispatcher: inline without Redis, RQ with it; periodic jobs registered as data, idempotently."""
import pytest

from lucine_chatbot.extensions import db
from lucine_chatbot.jobs.schedule import PeriodicJob, periodic_jobs
from lucine_chatbot.models import SystemState
from lucine_chatbot.platform import dispatch
from tests.conftest import TEST_REDIS_URL

CALLS = []


@dispatch.job(queue="default", timeout=10)
def remember(value):
    CALLS.append(value)
    db.session.merge(SystemState(key=f"probe-{value}", value={"v": value}))
    db.session.commit()
    return value


@dispatch.job(queue="default", timeout=10)
def explode():
    raise RuntimeError("job failed")


def probe():
    CALLS.append("probe")
    return "ran"


@pytest.fixture(autouse=True)
def clear_calls():
    CALLS.clear()


def test_job_options_are_declared_where_the_job_is_defined():
    assert remember.job_options.queue == "default" and remember.job_options.timeout == 10


def test_unknown_queue_is_a_programming_error():
    with pytest.raises(ValueError):
        dispatch.job(queue="nope")


def test_enqueue_runs_the_job_now_or_on_a_worker(app, run_jobs):
    job = dispatch.enqueue(remember, 7)
    if TEST_REDIS_URL:
        assert job is not None and CALLS == []
        assert run_jobs() == 1
    else:
        assert job is None
    assert CALLS == [7]
    assert db.session.get(SystemState, "probe-7").value == {"v": 7}


def test_a_failing_inline_job_does_not_break_the_caller(app):
    if TEST_REDIS_URL:
        pytest.skip("inline mode only")
    assert dispatch.run_inline(explode) is None


def test_mode_follows_redis_url(app):
    assert dispatch.mode(app) == ("rq" if TEST_REDIS_URL else "inline")


def test_enqueue_falls_back_to_inline_when_redis_is_down(app):
    broken = {"REDIS_URL": "redis://127.0.0.1:1/0"}
    original = dict(app.config)
    app.extensions.pop("lucine_redis", None)
    app.config.update(broken)
    try:
        assert dispatch.enqueue(remember, 9) is None
        assert CALLS == [9]
    finally:
        app.config.clear()
        app.config.update(original)
        app.extensions.pop("lucine_redis", None)


def test_schedule_is_data_from_config(app):
    jobs = periodic_jobs({"SWEEP_INTERVAL_SECONDS": 15})
    sweep = next(job for job in jobs if job.name == "sweep")
    assert sweep.interval == 15 and sweep.func == "lucine_chatbot.jobs.sweep:run_sweep"


@pytest.mark.redis_only
class TestPeriodicRegistration:
    JOB = PeriodicJob("probe", "tests.jobs.test_dispatch:probe", interval=60, timeout=10)

    def scheduled(self, app):
        return sorted(dispatch._pending_periodic_ids(dispatch.redis_connection(app), "probe"))

    def test_added_job_is_scheduled_once_with_a_deterministic_id(self, app):
        conn = dispatch.redis_connection(app)
        assert dispatch.sync_periodic_jobs(conn, [self.JOB])["added"] == ["probe"]
        first = self.scheduled(app)
        assert len(first) == 1 and first[0].startswith("periodic-probe-")
        assert dispatch.sync_periodic_jobs(conn, [self.JOB])["kept"] == ["probe"]
        assert self.scheduled(app) == first

    def test_changed_job_is_rescheduled(self, app):
        conn = dispatch.redis_connection(app)
        dispatch.sync_periodic_jobs(conn, [self.JOB])
        faster = PeriodicJob("probe", self.JOB.func, interval=30, timeout=10)
        assert dispatch.sync_periodic_jobs(conn, [faster])["changed"] == ["probe"]
        assert len(self.scheduled(app)) == 1

    def test_removed_job_is_unscheduled(self, app):
        conn = dispatch.redis_connection(app)
        dispatch.sync_periodic_jobs(conn, [self.JOB])
        assert dispatch.sync_periodic_jobs(conn, [])["removed"] == ["probe"]
        assert self.scheduled(app) == []
        assert conn.hget(dispatch.PERIODIC_KEY, "probe") is None

    def test_a_periodic_run_books_the_next_slot(self, app):
        conn = dispatch.redis_connection(app)
        dispatch.sync_periodic_jobs(conn, [self.JOB])
        before = self.scheduled(app)
        assert dispatch.run_periodic("probe") == "ran"
        after = self.scheduled(app)
        assert CALLS == ["probe"] and len(after) == 2 and set(before) < set(after)

    def test_a_removed_job_does_not_run_or_rebook(self, app):
        assert dispatch.run_periodic("never-registered") is None
        assert CALLS == []
