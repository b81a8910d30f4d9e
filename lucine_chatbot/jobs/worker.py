"""The RQ worker started by `flask --app wsgi worker`: one process that runs every job itself, in the app context.

No fork per job and no scheduler process: RQ's default `Worker` forks a work-horse for every job (a copy of a
~130 MB process that opens its own database connection) and `with_scheduler` forks the scheduler (another copy).
Here jobs run in the worker process (RQ's `SimpleWorker`: its SIGALRM death penalty still enforces each job's
timeout) and the scheduler runs in a thread of it (docs/performance.md).
"""
import gc
import importlib
import logging
import pkgutil
import threading

from rq import SimpleWorker
from rq.defaults import DEFAULT_LOGGING_DATE_FORMAT, DEFAULT_LOGGING_FORMAT
from rq.scheduler import RQScheduler
from rq.timeouts import JobTimeoutException

from ..extensions import db
from . import dispatch
from .schedule import periodic_jobs

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


def release_connection(discard=False):
    """End the job's session and return its connection to the pool, for the next job. A job stopped by its timeout
    may have been stopped in the middle of a query, on a connection that can't even roll back: that connection is
    closed instead (the next job opens a new one), as it died with the forked work-horse before."""
    if discard:
        db.session().invalidate()
    db.session.remove()


def build_worker(app, name=None):
    connection = dispatch.redis_connection(app)
    queues = [dispatch.get_queue(queue_name, connection) for queue_name in dispatch.QUEUE_NAMES]
    worker = AppWorker(queues, connection=connection, name=name)
    worker.flask_app = app
    return worker


def warm_up(app):
    """Load once, before the first job, what every job needs: the job modules, the OpenAI SDK and its client
    (~1 s), the knowledge-base index; otherwise the first reply after a start pays for them. Then freeze them
    out of the garbage collector's full collections (a ~120 ms pause each, docs/performance.md)."""
    from ..services import knowledge
    from ..services.assistant import openai_provider

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


def run_worker(app, burst=False):
    """Warm up, register the periodic jobs (idempotently), then work with RQ's scheduler."""
    warm_up(app)
    connection = dispatch.redis_connection(app)
    changes = dispatch.sync_periodic_jobs(connection, periodic_jobs(app.config))
    logger.info("periodic jobs: %s", changes)
    worker = build_worker(app)
    return worker.work(burst=burst, with_scheduler=True, logging_level=app.config["LOG_LEVEL"])
