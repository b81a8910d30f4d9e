"""The only module that knows how jobs run: RQ queues when REDIS_URL is set, in-process otherwise."""
import importlib
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timezone

from flask import current_app

from lucine_chatbot.extensions import db
from lucine_chatbot.platform.redis import redis_connection

logger = logging.getLogger(__name__)
QUEUE_NAMES = ("ai", "default")
PERIODIC_KEY = "lucine:periodic"
PERIODIC_PREFIX = "periodic-"
# Every job a service starts, by name: services name a job and never import its module (the job modules import
# the services). RQ stores the function's dotted path with each queued job.
JOBS = {
    "generate_reply": "lucine_chatbot.jobs.ai_reply:generate_reply",
    "deliver_notification": "lucine_chatbot.jobs.notify:deliver_notification",
    "push_chat_assigned": "lucine_chatbot.jobs.push:push_chat_assigned",
    "push_chat_waiting": "lucine_chatbot.jobs.push:push_chat_waiting",
    "push_visitor_message": "lucine_chatbot.jobs.push:push_visitor_message",
    "push_ticket_overdue": "lucine_chatbot.jobs.push:push_ticket_overdue",
}


@dataclass(frozen=True)
class JobOptions:
    queue: str
    timeout: int
    retries: int
    retry_interval: int


def job(queue="default", timeout=300, retries=0, retry_interval=0):
    """Declare where and how long a job runs, next to its definition (STYLE rule 8)."""
    if queue not in QUEUE_NAMES:
        raise ValueError(f"unknown queue {queue!r}")

    def decorator(func):
        func.job_options = JobOptions(queue, timeout, retries, retry_interval)
        return func

    return decorator


def mode(app=None):
    app = app or current_app
    return "rq" if app.config.get("REDIS_URL") else "inline"


def get_queue(name, connection=None):
    from rq import Queue

    return Queue(name, connection=connection or redis_connection())


def enqueue(func, *args, job_id=None):
    """Run `func(*args)` as a job; call only after the data it reads is committed. `func` is a job function, or
    the name of one in JOBS.

    Without Redis, or when Redis is down, the job runs here and now: an accepted message is always answered.
    Returns the RQ job, or None when it ran inline.
    """
    if isinstance(func, str):
        func = resolve(JOBS[func])
    options = func.job_options
    if mode() == "rq":
        try:
            return _enqueue_rq(func, args, options, job_id)
        except Exception as exc:  # redis.exceptions.ConnectionError and friends
            if not _is_redis_error(exc):
                raise
            logger.warning("Redis unavailable (%s); running %s inline", exc, func.__name__)
    run_inline(func, *args)
    return None


def _is_redis_error(exc):
    from redis.exceptions import RedisError

    return isinstance(exc, RedisError)


def _enqueue_rq(func, args, options, job_id):
    from rq import Retry

    retry = Retry(max=options.retries, interval=options.retry_interval) if options.retries else None
    queue = get_queue(options.queue)
    with queue.connection.pipeline() as pipe:  # one MULTI/EXEC round trip instead of RQ's two
        job = queue.enqueue(func, args=args, job_id=job_id, job_timeout=options.timeout, retry=retry,
                            result_ttl=300, failure_ttl=7 * 86400, description=func.__name__,
                            pipeline=pipe)
        pipe.execute()
    return job


def run_inline(func, *args):
    """What a worker would do: run the job, log a failure, never break the caller's request."""
    try:
        return func(*args)
    except Exception:
        db.session.rollback()
        logger.exception("inline job %s%s failed", func.__name__, args)
        return None


def status(app=None):
    """Queue facts for /api/health, read from RQ's own registries."""
    app = app or current_app
    info = {"mode": mode(app), "expected": mode(app) == "rq", "redis": "not_configured", "depth": 0,
            "workers": 0}
    if info["mode"] != "rq":
        return info
    try:
        from rq import Worker

        conn = redis_connection(app)
        conn.ping()
        info["redis"] = "connected"
        info["depth"] = sum(get_queue(name, conn).count for name in QUEUE_NAMES)
        info["workers"] = Worker.count(connection=conn)
    except Exception as exc:
        logger.warning("Redis health check failed: %s", exc)
        info["redis"] = "error"
    return info


# --- periodic jobs -----------------------------------------------------------------------------


def resolve(path):
    """The function an import path `module:function` names."""
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def _pending_periodic_ids(connection, name):
    from rq.registry import ScheduledJobRegistry, StartedJobRegistry

    prefix = f"{PERIODIC_PREFIX}{name}-"
    ids = set()
    for queue_name in QUEUE_NAMES:
        queue = get_queue(queue_name, connection)
        ids.update(queue.job_ids)
        ids.update(ScheduledJobRegistry(queue=queue).get_job_ids())
        ids.update(StartedJobRegistry(queue=queue).get_job_ids())
    return {job_id for job_id in ids if job_id.startswith(prefix)}


def _cancel(connection, job_ids):
    from rq.job import Job

    for job_id in job_ids:
        try:
            Job.fetch(job_id, connection=connection).delete()
        except Exception:  # already gone: nothing to cancel
            pass


def schedule_next(connection, name, spec, after=None, immediately=False):
    """Schedule the next run in its time slot; the job id names the slot, so two schedulers agree."""
    from rq.job import Job

    after = after or datetime.now(timezone.utc)
    slot = int(after.timestamp() // spec["interval"]) + (0 if immediately else 1)
    job_id = f"{PERIODIC_PREFIX}{name}-{slot}"
    if Job.exists(job_id, connection=connection):
        return job_id
    run_at = datetime.fromtimestamp(max(slot * spec["interval"], after.timestamp()), timezone.utc)
    get_queue(spec["queue"], connection).enqueue_at(
        run_at, run_periodic, args=(name,), job_id=job_id, job_timeout=spec["timeout"], result_ttl=600,
        failure_ttl=86400, description=f"periodic {name}")
    return job_id


def sync_periodic_jobs(connection, jobs):
    """Make Redis hold exactly `jobs`: add the new, reschedule the changed, drop the removed. Idempotent."""
    import json

    wanted = {job.name: job.as_spec() for job in jobs}
    stored = {k.decode(): json.loads(v) for k, v in connection.hgetall(PERIODIC_KEY).items()}
    changes = {"added": [], "changed": [], "removed": [], "kept": []}
    for name in stored.keys() - wanted.keys():
        _cancel(connection, _pending_periodic_ids(connection, name))
        connection.hdel(PERIODIC_KEY, name)
        changes["removed"].append(name)
    for name, spec in wanted.items():
        pending = _pending_periodic_ids(connection, name)
        if stored.get(name) == spec and pending:
            changes["kept"].append(name)
            continue
        changes["changed" if name in stored else "added"].append(name)
        _cancel(connection, pending)
        connection.hset(PERIODIC_KEY, name, json.dumps(spec))
        schedule_next(connection, name, spec, immediately=True)
    return changes


def run_periodic(name):
    """The job RQ runs for every periodic slot: do the work, then book the next slot."""
    import json

    connection = redis_connection()
    raw = connection.hget(PERIODIC_KEY, name)
    if raw is None:
        return None  # removed from the schedule since this slot was booked
    spec = json.loads(raw)
    try:
        return resolve(spec["func"])()
    finally:
        schedule_next(connection, name, spec)


# --- in-process scheduler (embedded default) -----------------------------------------------------


def start_inline_scheduler(app, jobs):
    """A daemon thread that runs the periodic jobs for the development server (no Redis)."""
    next_run = {job.name: 0.0 for job in jobs}

    def loop():
        while True:
            for periodic in jobs:
                if time.monotonic() >= next_run[periodic.name]:
                    next_run[periodic.name] = time.monotonic() + periodic.interval
                    with app.app_context():
                        run_inline(resolve(periodic.func))
            time.sleep(1)

    thread = threading.Thread(target=loop, name="lucine-scheduler", daemon=True)
    thread.start()
    return thread
