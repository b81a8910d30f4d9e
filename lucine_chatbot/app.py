"""The application factory: a table of contents of the steps that build the app."""
import logging
import os
import sys
import time

import sqlalchemy as sa
from flask import Flask

from config import load_config
from lucine_chatbot import security
from lucine_chatbot.extensions import cors, db, jwt, limiter


def create_app(config=None):
    """Build the app. `config` is an APP_ENV name, or a dict/object of settings laid over the environment."""
    app = Flask(__name__, instance_relative_config=True, template_folder="../templates",
                static_folder="../static", instance_path=os.environ.get("LUCINE_INSTANCE_PATH") or None)
    configure(app, config)
    register_extensions(app)
    register_static_assets(app)
    register_security(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    start_embedded_services(app)
    return app


def configure(app, config):
    name = config if isinstance(config, str) else None
    overrides = {} if isinstance(config, (str, type(None))) else (
        config if isinstance(config, dict) else {k: getattr(config, k) for k in dir(config) if k.isupper()})
    settings = load_config(name or overrides.get("APP_ENV"), instance_path=app.instance_path)
    settings.update(overrides)
    app.config.update(settings)
    app.json.sort_keys = False  # keep the field order of the API contract in responses
    app.config["RATELIMIT_DEFAULT"] = app.config["RATE_LIMIT_DEFAULT"]
    app.config["JWT_COOKIE_SECURE"] = app.config["APP_ENV"] == "production"
    logging.basicConfig(level=app.config["LOG_LEVEL"], format="%(asctime)s %(levelname)s %(name)s: %(message)s")


def register_extensions(app):
    from lucine_chatbot import models  # noqa: F401  (the models must be known before migrate binds)

    db.init_app(app)
    if app.testing:  # the suite migrates its databases with flask_migrate.upgrade(); elsewhere `flask db` binds it
        from lucine_chatbot.cli import attach_migrations

        attach_migrations(app)
    jwt.init_app(app)
    limiter.init_app(app)
    cors.init_app(app, resources=security.cors_resources(app.config["CORS_ORIGINS"]))
    from lucine_chatbot.chats.visitor import poll_cache
    from lucine_chatbot.insights import events

    events.install()  # a transaction's analytics events are written before its commit
    poll_cache.install()  # commits that change what a poll shows invalidate its cached answer
    with app.app_context():
        configure_sqlite(db.engine)
        configure_pool(db.engine, app.config["DB_PING_IDLE_SECONDS"])


def configure_sqlite(engine):
    """SQLite needs foreign keys switched on (cascades) and a busy timeout for the threaded dev server."""
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()


def configure_pool(engine, idle_seconds):
    """Check a pooled connection before use when it sat idle for `idle_seconds`, and replace it if it is gone.

    SQLAlchemy's `pool_pre_ping` pings at every checkout: one more round trip on every request, a tenth of a
    visitor's message. A connection that served a request a moment ago is alive; one idle for a while may
    have been closed by a database restart or a network timeout. If the database goes away under load, the
    request that meets the dead connection fails and SQLAlchemy replaces the pool's connections.
    """

    @sa.event.listens_for(engine, "checkin")
    def on_checkin(_dbapi_connection, record):
        record.info["idle_since"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def on_checkout(dbapi_connection, record, _proxy):
        idle_since = record.info.get("idle_since")  # a new connection has none: it was just opened
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
            dbapi_connection.rollback()  # the ping may have begun a transaction: hand the connection over idle
        except engine.dialect.loaded_dbapi.Error as exc:
            if not engine.dialect.is_disconnect(exc, dbapi_connection, None):
                raise
            raise sa.exc.DisconnectionError(f"pooled connection is gone: {exc}") from exc


def register_static_assets(app):
    from lucine_chatbot.widget import assets

    assets.init_app(app)  # before the security headers' middleware, which wraps it


def register_security(app):
    security.init_app(app)


def register_blueprints(app):
    from lucine_chatbot.api import (
        analytics,
        archive,
        automated_texts,
        canned_replies,
        chat,
        chat_management,
        health,
        knowledge,
        openapi,
        operators,
        tickets,
    )
    from lucine_chatbot.dashboard import pages, pwa, views

    for module in (chat, operators, chat_management, tickets, analytics, health, knowledge, archive,
                   automated_texts, canned_replies, openapi, pages, views, pwa):
        app.register_blueprint(module.bp)


def register_error_handlers(app):
    from lucine_chatbot.platform import errors

    errors.init_app(app)


def register_commands(app):
    from lucine_chatbot import cli

    cli.init_app(app)


def start_embedded_services(app):
    """`flask run` on the embedded default: migrate + seed SQLite, print the demo logins, start the sweep."""
    if not app.config["EMBEDDED_SETUP"] or not _serving_with_flask_run():
        return
    from lucine_chatbot.cli import prepare_embedded

    prepare_embedded(app)


def _serving_with_flask_run():
    if os.environ.get("FLASK_RUN_FROM_CLI") != "true" or "run" not in sys.argv[1:]:
        return False
    reloader_parent = os.environ.get("WERKZEUG_RUN_MAIN") is None and "--debug" in sys.argv
    return not reloader_parent
