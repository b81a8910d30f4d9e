"""gunicorn.conf.py sizes the web tier, times out stuck requests, and logs each request as gunicorn does with
the secrets redacted."""
from datetime import timedelta
from types import SimpleNamespace

import pytest

from .deploy_files import service


def test_gunicorn_uses_sync_workers_sized_by_web_concurrency(gunicorn_conf):
    conf = gunicorn_conf(WEB_CONCURRENCY="3", PORT="10000")
    assert (conf.workers, conf.worker_class, conf.bind) == (3, "sync", "0.0.0.0:10000")


def test_one_web_worker_by_default_and_the_benchmark_measures_that_default(gunicorn_conf):
    from bench.run import Settings

    assert gunicorn_conf().workers == 1 == Settings().web_concurrency


def test_gunicorn_times_out_stuck_requests_and_stops_within_renders_shutdown_delay(gunicorn_conf, blueprint):
    conf = gunicorn_conf()
    assert 10 <= conf.timeout <= 60
    assert conf.graceful_timeout < service(blueprint, "web")["maxShutdownDelaySeconds"]


def test_gunicorn_workers_import_the_app_themselves_and_log_each_request_with_its_duration(gunicorn_conf):
    conf = gunicorn_conf()
    assert conf.preload_app is False, "a preloading master holds a whole app's RSS more (docs/performance.md)"
    assert gunicorn_conf(GUNICORN_PRELOAD="1").preload_app is True
    assert conf.accesslog == "-" and "%(M)s" in conf.access_log_format and "%(s)s" in conf.access_log_format


def test_a_preloading_master_prepares_shared_state_before_forking_without_connecting(gunicorn_conf):
    conf = gunicorn_conf(GUNICORN_PRELOAD="1")
    conf.when_ready(None)  # configures the mappers of the app's models; opens no socket (nothing to connect to)
    from sqlalchemy.orm import class_mapper

    from lucine_chatbot.models import ChatSession

    assert class_mapper(ChatSession).configured


@pytest.mark.parametrize("path", [
    "/api/chat/poll/s3cr3t-session?after=4", "/api/chat/s3cr3t-session/rating", "/api/tickets/resume/s3cr3t-session",
])
def test_access_log_never_shows_a_session_id_or_resume_token(gunicorn_conf, path):
    from gunicorn.glogging import SafeAtoms

    conf = gunicorn_conf()
    logger = conf.RedactingLogger(_gunicorn_settings(conf))
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": path, "SERVER_PROTOCOL": "HTTP/1.1",
               "PATH_INFO": path.split("?")[0], "REMOTE_ADDR": "10.0.0.1"}
    response = SimpleNamespace(status="200 OK", sent=10, headers=[])
    atoms = logger.atoms(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=3))
    assert "s3cr3t" not in conf.access_log_format % SafeAtoms(atoms)
    assert atoms["r"].startswith("GET /api/")


ACCESS_CASES = [
    ({"HTTP_USER_AGENT": 'Mozilla/5.0 "quoted"'}, [("X-FORWARDED-FOR", "203.0.113.9, 10.0.0.2")], "200 OK", 512, 3),
    ({}, [("Host", "shop"), ("x-forwarded-for", "198.51.100.1")], "404 NOT FOUND", None, 1500),
    ({"HTTP_REFERER": "https://shop/"}, [], 429, 0, 0),
]


@pytest.mark.parametrize("extra_environ, headers, status, sent, ms", ACCESS_CASES)
def test_the_access_line_is_gunicorns_own_with_secrets_redacted(gunicorn_conf, extra_environ, headers, status, sent,
                                                                ms):
    from gunicorn.glogging import Logger, SafeAtoms

    conf = gunicorn_conf()
    settings = _gunicorn_settings(conf)
    path = "/api/chat/poll/s3cr3t-session"
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": path + "?after=4", "SERVER_PROTOCOL": "HTTP/1.1",
               "PATH_INFO": path, "QUERY_STRING": "after=4", "REMOTE_ADDR": "10.0.0.1", **extra_environ}
    response = SimpleNamespace(status=status, sent=sent, headers=[("Content-Type", "application/json")])
    request, took = SimpleNamespace(headers=headers), timedelta(milliseconds=ms)
    theirs = Logger(settings).atoms(response, request, environ, took)
    theirs["r"] = conf.redact(theirs["r"])
    ours = conf.RedactingLogger(settings).atoms(response, request, environ, took)
    assert conf.access_log_format % SafeAtoms(ours) == conf.access_log_format % SafeAtoms(theirs)
    assert "s3cr3t" not in conf.access_log_format % SafeAtoms(ours)


def test_an_access_format_with_other_atoms_gets_gunicorns_full_set(gunicorn_conf):
    conf = gunicorn_conf()
    settings = _gunicorn_settings(conf)
    settings.set("access_log_format", '%(t)s "%(r)s" %({content-type}o)s')
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/api/tickets/resume/t0k3n", "SERVER_PROTOCOL": "HTTP/1.1",
               "PATH_INFO": "/api/tickets/resume/t0k3n"}
    response = SimpleNamespace(status="200 OK", sent=1, headers=[("Content-Type", "application/json")])
    atoms = conf.RedactingLogger(settings).atoms(response, SimpleNamespace(headers=[]), environ, timedelta(0))
    assert atoms["{content-type}o"] == "application/json" and atoms["t"].startswith("[")
    assert "t0k3n" not in atoms["r"] + atoms["U"]


def _gunicorn_settings(conf):
    from gunicorn.config import Config

    settings = Config()
    settings.set("access_log_format", conf.access_log_format)
    return settings


def test_each_web_worker_freezes_the_loaded_app_out_of_full_collections(gunicorn_conf):
    import gc

    gc.unfreeze()
    try:
        gunicorn_conf().post_worker_init(None)
        assert gc.get_freeze_count() > 10_000  # the app's objects are no longer rescanned by a full collection
    finally:
        gc.unfreeze()
