"""The RQ worker started by `flask --app wsgi worker`: jobs run inside the app context."""
import importlib
import logging
import pkgutil

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


def preload(app):
    """Load once, in the parent, what every job needs: forked work-horses inherit it (copy-on-write) instead of
    importing the OpenAI SDK (~1 s) and rebuilding the knowledge-base index on every job (docs/performance.md)."""
    from ..services import knowledge
    from ..services.assistant import openai_provider

    for module in pkgutil.iter_modules(importlib.import_module(__package__).__path__):
        importlib.import_module(f"{__package__}.{module.name}")  # every job module and what it imports
    with app.app_context():
        openai_provider.warm_up()
        try:
            knowledge.indexes()
        except Exception as exc:  # the database may still be starting: work-horses build the index themselves
            logger.warning("knowledge index not preloaded: %s", exc)
        finally:
            db.session.remove()
            db.engine.dispose()  # the parent keeps no connection; each work-horse opens its own


def run_worker(app, burst=False, simple=False):
    """Preload what jobs need, register the periodic jobs (idempotently), then work with RQ's scheduler."""
    preload(app)
    connection = dispatch.redis_connection(app)
    changes = dispatch.sync_periodic_jobs(connection, periodic_jobs(app.config))
    logger.info("periodic jobs: %s", changes)
    worker = build_worker(app, simple=simple)
    return worker.work(burst=burst, with_scheduler=True, logging_level=app.config["LOG_LEVEL"])
