"""The RQ worker started by `flask --app wsgi worker`: one process that runs up to AI_CONCURRENCY jobs at once,
each in a thread of it, in the app context.

No fork per job and no scheduler process: RQ's default `Worker` forks a work-horse for every job (a copy of a
~130 MB process that opens its own database connection) and `with_scheduler` forks the scheduler (another copy).
Here jobs run in threads of the worker process and the scheduler in one more (docs/performance.md). An AI reply
spends its time waiting on the LLM, so threads overlap those waits: replies/s ≈ AI_CONCURRENCY ÷ LLM latency.
"""
import gc
import importlib
import logging
import os
import pkgutil
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import sqlalchemy as sa
from rq import SimpleWorker
from rq.defaults import DEFAULT_LOGGING_DATE_FORMAT, DEFAULT_LOGGING_FORMAT
from rq.exceptions import StopRequested
from rq.scheduler import RQScheduler
from rq.timeouts import JobTimeoutException, TimerDeathPenalty
from rq.worker import WorkerStatus

from lucine_chatbot.extensions import db
from lucine_chatbot.jobs.schedule import periodic_jobs
from lucine_chatbot.platform import dispatch

logger = logging.getLogger(__name__)


class ThreadScheduler(RQScheduler):
    """RQ's scheduler (the lock per queue, moving due jobs onto their queue every second) in a daemon thread of
    the worker instead of a forked process. It only talks to Redis, on its own connection."""

    def start(self):
        self._status = self.Status.STARTED
        self._stop_requested = False
        self._process = threading.Thread(target=self._run, name="rq-scheduler", daemon=True)
        self._process.start()
        return self._process

    def _run(self):
        try:
            self.work()
        except Exception:  # the worker's maintenance restarts a dead scheduler (acquire_locks(auto_start=True))
            logger.exception("RQ scheduler thread stopped")

    def _install_signal_handlers(self):
        """Signals go to the main thread, the worker's: it stops this thread through `stop_thread`."""

    def stop_thread(self, timeout=5):
        self._stop_requested = True
        if self._process is not None and self._process.is_alive():
            self._process.join(timeout)


class AppWorker(SimpleWorker):
    """Runs each job in this process inside the Flask app context; after it, the job's database connection goes
    back to the pool (rolled back), so the next job reuses it."""

    flask_app = None
    timed_out = False  # set by handle_exception for the job in hand

    def execute_job(self, job, queue):
        self.timed_out = False
        with self.flask_app.app_context():
            try:
                return super().execute_job(job, queue)
            finally:
                release_connection(discard=self.timed_out)

    def handle_exception(self, job, *exc_info):
        self.timed_out = isinstance(exc_info[1], JobTimeoutException)
        return super().handle_exception(job, *exc_info)

    def _start_scheduler(self, burst=False, logging_level="INFO", date_format=DEFAULT_LOGGING_DATE_FORMAT,
                         log_format=DEFAULT_LOGGING_FORMAT):
        if burst:  # RQ's burst path: one pass over the due jobs, in this thread, then stop
            return super()._start_scheduler(burst, logging_level, date_format, log_format)
        self.scheduler = ThreadScheduler(self.queues, connection=self.connection, serializer=self.serializer,
                                         logging_level=logging_level or self.log.level, date_format=date_format,
                                         log_format=log_format)
        self.scheduler.acquire_locks(auto_start=True)

    def stop_scheduler(self):
        if isinstance(self.scheduler, ThreadScheduler):
            self.scheduler.stop_thread()
        else:
            super().stop_scheduler()


_connections = {}  # thread id → the DBAPI connection that thread has checked out (a worker's engine only)


def track_connections(engine):
    """Know which database connection each job thread holds, so its timeout can cancel the query in flight."""
    if not isinstance(engine, sa.engine.Engine) or sa.event.contains(engine, "checkout", _checked_out):
        return
    sa.event.listen(engine, "checkout", _checked_out)
    sa.event.listen(engine, "checkin", _checked_in)


def _checked_out(dbapi_connection, _record, _proxy):
    _connections[threading.get_ident()] = dbapi_connection


def _checked_in(_dbapi_connection, _record):
    _connections.pop(threading.get_ident(), None)


class JobDeathPenalty(TimerDeathPenalty):
    """RQ's thread-safe timeout: an exception raised in the job's thread. A thread blocked in a database call only
    sees it when the call returns, so the query in flight is cancelled too (psycopg's cancel is made to be called
    from another thread; SQLite's interrupt as well)."""

    def handle_death_penalty(self):
        super().handle_death_penalty()
        connection = _connections.get(self._target_thread_id)
        cancel = getattr(connection, "cancel_safe", None) or getattr(connection, "cancel", None) \
            or getattr(connection, "interrupt", None)
        if cancel is not None:
            try:
                cancel()
            except Exception:  # noqa: BLE001 (the query ended meanwhile, or the connection is gone)
                logger.debug("could not cancel the timed-out job's query", exc_info=True)


class ConcurrentWorker(AppWorker):
    """RQ's loop (dequeue, registries, heartbeats, retries, results, the scheduler, warm shutdown) with each job
    run by a pool of `concurrency` threads; the loop takes a job only when a thread is free, so a job waits in
    Redis, not here, and another worker can take it.

    What RQ keeps per worker and a job changes is kept per thread: the execution (its StartedJobRegistry entry)
    and the timeout flag. The timeout is RQ's thread-safe death penalty (SIGALRM reaches only the main thread).
    SIGTERM stops the dequeuing and lets the jobs in hand finish (warm); a second one abandons them (cold): RQ
    requeues abandoned jobs that have retries left, and the reply deadline answers their visitors meanwhile.
    """

    death_penalty_class = JobDeathPenalty
    HEARTBEAT_WHILE_FULL = 15  # s: the worker's heartbeat while every thread is busy (its TTL is minutes)
    HEARTBEAT_EVERY = 5  # s: the most often a plain heartbeat is written
    _busy = 0  # jobs in hand
    _waiting = False  # the main thread waits for a free thread or for Redis to hand it a job

    def __init__(self, *args, concurrency=1, **kwargs):
        self._local = threading.local()  # before RQ's __init__, which sets `execution`
        super().__init__(*args, **kwargs)
        self.concurrency = concurrency
        self._slots = threading.BoundedSemaphore(concurrency)
        self._busy_lock = threading.Lock()
        self._pool = ThreadPoolExecutor(concurrency, thread_name_prefix="rq-job")

    execution = property(lambda self: getattr(self._local, "execution", None),
                         lambda self, value: setattr(self._local, "execution", value))
    timed_out = property(lambda self: getattr(self._local, "timed_out", False),
                         lambda self, value: setattr(self._local, "timed_out", value))

    def dequeue_job_and_maintain_ttl(self, timeout, max_idle_time=None):
        """Wait for a free thread, then dequeue as RQ does; None (stop) when a stop is requested meanwhile."""
        self._waiting, beat = True, time.monotonic()
        try:
            while not self._slots.acquire(timeout=1):
                if time.monotonic() - beat >= self.HEARTBEAT_WHILE_FULL:
                    self.heartbeat()
                    beat = time.monotonic()
            try:
                result = super().dequeue_job_and_maintain_ttl(timeout, max_idle_time)
            except BaseException:
                self._slots.release()
                raise
        finally:
            self._waiting = False
        if result is None:
            self._slots.release()
        return result

    def _shutdown(self):
        """SIGTERM: stop taking jobs. Waiting (for a thread or on Redis), the loop stops at once; the jobs in hand
        finish in `teardown` either way (RQ's own rule waits only while its one job runs)."""
        self._stop_requested = True
        self.set_shutdown_requested_date()
        if self.scheduler:
            self.stop_scheduler()
        if self._waiting:
            raise StopRequested()

    def execute_job(self, job, queue):
        with self._busy_lock:
            self._busy += 1
        self.set_state(WorkerStatus.BUSY)
        self._pool.submit(self._run, job, queue)

    def _run(self, job, queue):
        try:
            super().execute_job(job, queue)
        except Exception:  # RQ handles a job's own failure; this is RQ's bookkeeping failing (Redis gone)
            self.log.exception("job %s: the worker could not run or record it", job.id)
        finally:
            with self._busy_lock:
                self._busy -= 1
                idle = self._busy == 0
            self._slots.release()
            if idle and not self._stop_requested:
                self.set_state(WorkerStatus.IDLE)

    def set_state(self, state, pipeline=None):
        if state == WorkerStatus.IDLE and self._busy:  # SimpleWorker marks itself idle after each job
            state = WorkerStatus.BUSY
        if pipeline is None and state == self._state:  # RQ sets it several times a job: write changes only
            return None
        return super().set_state(state, pipeline=pipeline)

    def heartbeat(self, timeout=None, pipeline=None):
        """RQ beats around every dequeue and after every job, each time two commands: at dozens of jobs a second
        that is most of the worker's Redis traffic for a key that lives for minutes (worker_ttl). A plain beat
        within HEARTBEAT_EVERY seconds of the last is skipped; one with a timeout or in a pipeline is not."""
        if timeout is None and pipeline is None and self.last_heartbeat is not None \
                and (datetime.now(timezone.utc) - self.last_heartbeat).total_seconds() < self.HEARTBEAT_EVERY:
            return None
        return super().heartbeat(timeout, pipeline)

    def teardown(self):
        """Warm shutdown: the jobs in hand finish before the worker unregisters."""
        if self._busy:
            self.log.info("Worker %s: waiting for %d job(s) in hand", self.name, self._busy)
        self._pool.shutdown(wait=True)
        super().teardown()

    def request_force_stop(self, signum, frame):
        try:
            super().request_force_stop(signum, frame)
        except SystemExit:
            self.log.warning("Worker %s: cold shut down, abandoning %d job(s) in hand", self.name, self._busy)
            self.register_death()
            os._exit(1)  # the pool's threads would otherwise hold the interpreter until their jobs end


def release_connection(discard=False):
    """End the job's session and return its connection to the pool, for the next job. A job stopped by its timeout
    may have been stopped in the middle of a query, on a connection that can't even roll back: that connection is
    closed instead (the next job opens a new one), as it died with the forked work-horse before."""
    if discard:
        db.session().invalidate()
    db.session.remove()


def build_worker(app, name=None, concurrency=None):
    connection = dispatch.redis_connection(app)
    queues = [dispatch.get_queue(queue_name, connection) for queue_name in dispatch.QUEUE_NAMES]
    worker = ConcurrentWorker(queues, connection=connection, name=name,
                              concurrency=concurrency or app.config["AI_CONCURRENCY"])
    worker.flask_app = app
    with app.app_context():
        track_connections(db.engine)
    return worker


def warm_up(app):
    """Load once, before the first job, what every job needs: the job modules, the OpenAI SDK and its client
    (~1 s), the knowledge-base index; otherwise the first reply after a start pays for them. Then freeze them
    out of the garbage collector's full collections (a ~120 ms pause each, docs/performance.md)."""
    from lucine_chatbot.assistant import openai_provider
    from lucine_chatbot.content import knowledge

    for module in pkgutil.iter_modules(importlib.import_module(__package__).__path__):
        importlib.import_module(f"{__package__}.{module.name}")  # every job module and what it imports
    with app.app_context():
        openai_provider.warm_up()
        try:
            knowledge.indexes()
        except Exception as exc:  # the database may still be starting: the first job builds the index
            logger.warning("knowledge index not preloaded: %s", exc)
        finally:
            db.session.remove()  # the connection stays in the pool for the first job
    gc.freeze()  # the warmed-up objects live as long as the worker: no full collection rescans them mid-job


# The interval after which a thread holding the GIL hands it over (CPython's default is 5 ms). The worker's
# threads mostly wait on the network and each wait gives the GIL up; taking it back waits for whichever thread
# runs, up to this long. RQ's loop makes ~10 Redis round trips per job in the main thread, so at 5 ms it
# dequeued ~18 jobs/s while 16 job threads ran; at 0.5 ms 25–35 (300 jobs, LLM stub 0.3 s, same CPU per job;
# docs/performance.md).
SWITCH_INTERVAL_SECONDS = 0.0005


def run_worker(app, burst=False):
    """Warm up, register the periodic jobs (idempotently), then work with RQ's scheduler."""
    sys.setswitchinterval(SWITCH_INTERVAL_SECONDS)
    warm_up(app)
    connection = dispatch.redis_connection(app)
    changes = dispatch.sync_periodic_jobs(connection, periodic_jobs(app.config))
    logger.info("periodic jobs: %s", changes)
    worker = build_worker(app)
    return worker.work(burst=burst, with_scheduler=True, logging_level=app.config["LOG_LEVEL"])
