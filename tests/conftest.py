"""Test fixtures: the backend is SQLite + in-process jobs by default, PostgreSQL + Redis when
TEST_DATABASE_URL / TEST_REDIS_URL are set (as .ci/run does). Every test runs inside a transaction
that is rolled back, except `real_db` tests, whose tables are emptied afterwards."""
import os
import socket

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from config import DEFAULT_PUSH_SERVICE_HOSTS, normalise_database_url
from lucine_chatbot.app import create_app
from lucine_chatbot.extensions import db, limiter
from tests.support import factories

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL", "")
TEST_REDIS_URL = os.environ.get("TEST_REDIS_URL", "")
ON_POSTGRES = TEST_DATABASE_URL.startswith(("postgres://", "postgresql"))
SHOP_ORIGINS = ["https://shop.example.test", "https://*.myshopify.com"]
# The real push services, plus the local one of tests/support/push_receiver.py (plain http: loopback only).
PUSH_SERVICE_HOSTS = [*DEFAULT_PUSH_SERVICE_HOSTS, "127.0.0.1"]


def pytest_collection_modifyitems(config, items):
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: set TEST_DATABASE_URL")
    skip_redis = pytest.mark.skip(reason="needs Redis: set TEST_REDIS_URL")
    for item in items:
        if "postgres_only" in item.keywords and not ON_POSTGRES:
            item.add_marker(skip_pg)
        if "redis_only" in item.keywords and not TEST_REDIS_URL:
            item.add_marker(skip_redis)


def database_url(tmp_path_factory):
    if TEST_DATABASE_URL:
        return normalise_database_url(TEST_DATABASE_URL)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"


def test_settings(url, **extra):
    settings = {"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url, "REDIS_URL": TEST_REDIS_URL,
                "CORS_ORIGINS": SHOP_ORIGINS, "PUSH_SERVICE_HOSTS": PUSH_SERVICE_HOSTS}
    if TEST_REDIS_URL:
        settings["RATELIMIT_STORAGE_URI"] = TEST_REDIS_URL
    settings.update(extra)
    return settings


def reset_schema():
    """Start from an empty database, then build it with the real migrations."""
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade()


def make_sqlite_savepoints_work(engine):
    """pysqlite's own transaction handling breaks SAVEPOINTs; let SQLAlchemy emit BEGIN (SQLAlchemy docs)."""
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def no_pysqlite_transactions(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def emit_begin(conn):
        conn.exec_driver_sql("BEGIN")

    engine.dispose()


@pytest.fixture(scope="session")
def shop_listener():
    """A socket for the browser tests' shop page (another origin), bound before the app so CORS_ORIGINS names it."""
    listener = socket.create_server(("127.0.0.1", 0))
    yield listener
    listener.close()


@pytest.fixture(scope="session")
def app(tmp_path_factory, shop_listener):
    shop_origin = "http://127.0.0.1:%d" % shop_listener.getsockname()[1]
    app = create_app(test_settings(database_url(tmp_path_factory), CORS_ORIGINS=SHOP_ORIGINS + [shop_origin]))
    with app.app_context():
        reset_schema()
        make_sqlite_savepoints_work(db.engine)
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def db_session(request, app):
    """Each test inside one outer transaction, rolled back (warehouse's pattern; see ecosystem.md §8.1)."""
    reset_services(app)
    if "real_db" in request.keywords:
        yield db.session
        db.session.remove()
        empty_tables()
        return
    engines = db._app_engines[app]
    real_engine = engines[None]
    connection = real_engine.connect()
    outer = connection.begin()
    engines[None] = connection
    db.session.remove()
    original = db.session
    db.session = db._make_scoped_session({"join_transaction_mode": "create_savepoint"})
    try:
        yield db.session
    finally:
        db.session.remove()
        db.session = original
        engines[None] = real_engine
        outer.rollback()
        connection.close()


def empty_tables():
    with db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())


def reset_services(app):
    from lucine_chatbot.chats.visitor import visitor_limits
    from lucine_chatbot.operators import presence

    limiter.reset()
    visitor_limits.reset()
    presence.reset()
    if TEST_REDIS_URL:
        from lucine_chatbot.platform import dispatch

        dispatch.redis_connection(app).flushdb()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def run_jobs(app):
    """Run what the web tier enqueued, as a worker would; a no-op when jobs run inline."""

    def run():
        from lucine_chatbot.jobs.worker import build_worker
        from lucine_chatbot.platform import dispatch

        if dispatch.mode(app) != "rq":
            return 0
        worker = build_worker(app)
        waiting = sum(queue.count for queue in worker.queues)
        worker.work(burst=True, with_scheduler=False)
        return waiting

    return run


@pytest.fixture
def make(app):
    """Factories bound to the test's session: `make.operator()`, `make.chat()`, …"""
    return factories


@pytest.fixture
def admin(app):
    return factories.operator(role="ADMIN", username="admin-test")


@pytest.fixture
def operator(app):
    return factories.operator(username="op-test", is_online=True)


@pytest.fixture
def admin_headers(admin):
    return factories.auth_headers(admin)


@pytest.fixture
def operator_headers(operator):
    return factories.auth_headers(operator)
