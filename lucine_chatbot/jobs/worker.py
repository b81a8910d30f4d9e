"""The RQ worker started by `flask --app wsgi worker`: jobs run inside the app context."""
import logging

from rq import SimpleWorker, Worker

from ..extensions import db
from . import dispatch
from .schedule import periodic_jobs

logger = logging.getLogger(__name__)


class AppContextMixin:
    """Push the Flask app context around every job (in the forked work-horse too)."""

    flask_app = None

    def execute_job(self, job, queue):
        with self.flask_app.app_context():
            return super().execute_job(job, queue)

    def main_work_horse(self, job, queue):
        # The forked child must not share the parent's pooled connections (SQLAlchemy pooling docs).
        with self.flask_app.app_context():
            db.engine.dispose(close=False)
        return super().main_work_horse(job, queue)


class AppWorker(AppContextMixin, Worker):
    pass


class AppSimpleWorker(AppContextMixin, SimpleWorker):
    """No fork: for tests and for platforms without fork."""


def build_worker(app, simple=False, name=None):
    connection = dispatch.redis_connection(app)
    cls = AppSimpleWorker if simple else AppWorker
    queues = [dispatch.get_queue(queue_name, connection) for queue_name in dispatch.QUEUE_NAMES]
    worker = cls(queues, connection=connection, name=name)
    worker.flask_app = app
    return worker


def run_worker(app, burst=False, simple=False):
    """Register the periodic jobs (idempotently), then work with RQ's scheduler."""
    connection = dispatch.redis_connection(app)
    changes = dispatch.sync_periodic_jobs(connection, periodic_jobs(app.config))
    logger.info("periodic jobs: %s", changes)
    worker = build_worker(app, simple=simple)
    return worker.work(burst=burst, with_scheduler=True, logging_level=app.config["LOG_LEVEL"])
