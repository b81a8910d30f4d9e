"""The deploy files: render.yaml wires the whole system, gunicorn.conf.py sizes the web tier, nothing connects
before gunicorn forks, and the database connection budget fits Render's limit."""
import os
import re
import runpy
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from config import ProductionConfig

ROOT = Path(__file__).resolve().parent.parent
RENDER_CONNECTION_LIMIT = 100  # basic-256mb: every Render Postgres plan under 8 GB RAM
RESERVED_BY_POSTGRES = 10


@pytest.fixture(scope="module")
def blueprint():
    return yaml.safe_load((ROOT / "render.yaml").read_text())


def service(blueprint, kind):
    return next(s for s in blueprint["services"] if s["type"] == kind)


def env_of(entry, blueprint=None):
    """Env vars of a service, with those of its groups, as {key: spec}."""
    env = {}
    for var in entry["envVars"]:
        if "fromGroup" in var:
            group = next(g for g in blueprint["envVarGroups"] if g["name"] == var["fromGroup"])
            env.update({v["key"]: v for v in group["envVars"]})
        else:
            env[var["key"]] = var
    return env


@pytest.fixture(scope="module")
def gunicorn_conf():
    def load(**env):
        with pytest.MonkeyPatch.context() as patch:
            for key in ("WEB_CONCURRENCY", "GUNICORN_TIMEOUT", "PORT", "GUNICORN_BIND", "GUNICORN_PRELOAD"):
                patch.delenv(key, raising=False)
            for key, value in env.items():
                patch.setenv(key, value)
            return SimpleNamespace(**runpy.run_path(str(ROOT / "gunicorn.conf.py")))

    return load


def test_blueprint_has_a_web_service_a_worker_a_key_value_and_a_database(blueprint):
    kinds = sorted(s["type"] for s in blueprint["services"])
    assert kinds == ["keyvalue", "web", "worker"]
    assert [db["plan"] for db in blueprint["databases"]] == ["basic-256mb"]


def test_everything_runs_in_frankfurt(blueprint):
    regions = {s["region"] for s in blueprint["services"]} | {d["region"] for d in blueprint["databases"]}
    assert regions == {"frankfurt"}


def test_web_service_runs_gunicorn_checks_health_and_migrates_then_seeds_before_deploy(blueprint):
    web = service(blueprint, "web")
    assert web["runtime"] == "python"
    assert web["startCommand"] == "gunicorn -c gunicorn.conf.py wsgi:app"
    assert web["healthCheckPath"] == "/api/health"
    assert web["preDeployCommand"] == "flask --app wsgi db upgrade && flask --app wsgi seed"


def test_worker_runs_the_rq_worker_and_may_finish_its_job_on_shutdown(blueprint):
    worker = service(blueprint, "worker")
    assert worker["startCommand"] == "flask --app wsgi worker"
    from lucine_chatbot.jobs.ai_reply import generate_reply

    assert generate_reply.job_options.timeout < worker["maxShutdownDelaySeconds"] <= 300


def test_key_value_never_evicts_and_accepts_only_internal_connections(blueprint):
    kv = service(blueprint, "keyvalue")
    assert kv["maxmemoryPolicy"] == "noeviction"
    assert kv["ipAllowList"] == []


@pytest.mark.parametrize("kind", ["web", "worker"])
def test_both_services_pin_python_and_run_in_production(blueprint, kind):
    env = env_of(service(blueprint, kind), blueprint)
    assert env["PYTHON_VERSION"]["value"] == "3.11.7"
    assert env["APP_ENV"]["value"] == "production"
    assert env["TRUSTED_PROXY_HOPS"]["value"] == "1"


@pytest.mark.parametrize("kind", ["web", "worker"])
def test_both_services_reach_the_database_and_key_value_of_the_blueprint(blueprint, kind):
    env = env_of(service(blueprint, kind), blueprint)
    assert env["DATABASE_URL"]["fromDatabase"] == {"name": "lucine-db", "property": "connectionString"}
    assert env["REDIS_URL"]["fromService"] == {"type": "keyvalue", "name": "lucine-kv",
                                               "property": "connectionString"}
    assert blueprint["databases"][0]["name"] == "lucine-db"
    assert service(blueprint, "keyvalue")["name"] == "lucine-kv"


def test_web_and_worker_share_the_same_generated_secrets(blueprint):
    web_env = env_of(service(blueprint, "web"), blueprint)
    worker_env = env_of(service(blueprint, "worker"), blueprint)
    for key in ("SECRET_KEY", "JWT_SECRET_KEY"):
        assert web_env[key] == {"key": key, "generateValue": True}
        assert worker_env[key] is web_env[key]  # one definition, in the shared group


def test_envvar_groups_hold_only_what_render_allows_in_a_group(blueprint):
    for group in blueprint["envVarGroups"]:
        for var in group["envVars"]:
            assert set(var) <= {"key", "value", "generateValue"}, var


def test_deployer_is_asked_for_the_openai_key_and_admin_password_and_never_commits_them(blueprint):
    web_env = env_of(service(blueprint, "web"), blueprint)
    for key in ("OPENAI_API_KEY", "ADMIN_PASSWORD", "PUBLIC_BASE_URL"):
        assert web_env[key] == {"key": key, "sync": False}


def test_worker_reads_the_openai_key_and_public_url_the_deployer_gave_the_web_service(blueprint):
    worker_env = env_of(service(blueprint, "worker"), blueprint)
    for key in ("OPENAI_API_KEY", "PUBLIC_BASE_URL"):
        assert worker_env[key]["fromService"] == {"type": "web", "name": "lucine-chatbot", "envVarKey": key}


def test_cors_lets_the_shop_call_the_visitor_api(blueprint):
    origins = env_of(service(blueprint, "web"), blueprint)["CORS_ORIGINS"]["value"].split(",")
    assert "https://lucinedinatale.it" in origins
    assert all(origin.startswith("https://") and not origin.endswith("/") for origin in origins)


def test_no_secret_value_is_written_in_the_blueprint(blueprint):
    secrets = ("SECRET_KEY", "JWT_SECRET_KEY", "OPENAI_API_KEY", "ADMIN_PASSWORD", "SMTP_PASSWORD",
               "TWILIO_AUTH_TOKEN", "WEBHOOK_SECRET")
    for kind in ("web", "worker"):
        env = env_of(service(blueprint, kind), blueprint)
        assert not [key for key in secrets if "value" in env.get(key, {})]


def test_database_connections_fit_the_plan_limit_even_while_a_deploy_overlaps(blueprint):
    web_env = env_of(service(blueprint, "web"), blueprint)
    options = ProductionConfig.SQLALCHEMY_ENGINE_OPTIONS
    per_process = options["pool_size"] + options["max_overflow"]
    web = int(web_env["WEB_CONCURRENCY"]["value"]) * per_process
    worker_env = env_of(service(blueprint, "worker"), blueprint)
    # one worker process (its jobs run in threads: no work-horse, no scheduler process), with its own pool
    worker = int(worker_env["DB_POOL_SIZE"]["value"]) + int(worker_env["DB_MAX_OVERFLOW"]["value"])
    assert worker <= int(worker_env["AI_CONCURRENCY"]["value"]), "no more connections than job threads"
    pre_deploy = per_process
    during_deploy = 2 * (web + worker) + pre_deploy  # old and new instances run side by side for a moment
    assert during_deploy <= RENDER_CONNECTION_LIMIT - RESERVED_BY_POSTGRES


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


def test_the_web_app_loads_neither_the_llm_sdk_nor_the_offline_matcher_nor_alembic():
    """They are the RQ worker's and the command line's: ~35 MB that every web worker would carry for nothing
    (docs/performance.md)."""
    env = {**os.environ, "APP_ENV": "production", "SECRET_KEY": "s" * 40, "JWT_SECRET_KEY": "j" * 40,
           "DATABASE_URL": "postgres://u:p@127.0.0.1:9/lucine", "REDIS_URL": "redis://127.0.0.1:9/0",
           "OPENAI_API_KEY": "sk-test"}
    env.pop("FLASK_RUN_FROM_CLI", None)
    script = ("import sys, wsgi; print(sorted(m for m in ('openai', 'rapidfuzz', 'snowballstemmer', 'alembic', "
              "'mako', 'lucine_chatbot.assistant.matcher') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_creating_the_app_connects_to_neither_postgres_nor_redis_so_preloading_is_safe():
    """gunicorn imports wsgi.py in the master and forks: a socket opened there would be shared by all workers.
    A subprocess, because the extensions are process-wide singletons this test must not rebind."""
    with _listener() as postgres, _listener() as redis:
        env = {**os.environ, "APP_ENV": "production", "SECRET_KEY": "s" * 40, "JWT_SECRET_KEY": "j" * 40,
               "DATABASE_URL": f"postgres://u:p@127.0.0.1:{postgres.getsockname()[1]}/lucine",
               "REDIS_URL": f"redis://127.0.0.1:{redis.getsockname()[1]}/0", "OPENAI_API_KEY": "sk-test"}
        script = ("import wsgi; print(wsgi.app.config['SQLALCHEMY_ENGINE_OPTIONS']['pool_size'], "
                  "'lucine_redis' in wsgi.app.extensions)")
        done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                              timeout=60)
        assert done.returncode == 0, done.stderr
        assert done.stdout.split() == ["2", "False"]
        assert _nobody_connected(postgres) and _nobody_connected(redis)


@pytest.mark.parametrize("preload", ["0", "1"])
def test_gunicorn_started_without_app_env_exits_and_says_why(tmp_path, preload):
    env = {k: v for k, v in os.environ.items() if k not in ("APP_ENV", "FLASK_RUN_FROM_CLI", "SERVER_SOFTWARE")}
    with _listener() as taken:
        port = taken.getsockname()[1]
    env.update(GUNICORN_BIND=f"127.0.0.1:{port}", GUNICORN_PRELOAD=preload, WEB_CONCURRENCY="1",
               LUCINE_INSTANCE_PATH=str(tmp_path), GUNICORN_ACCESSLOG="")
    done = subprocess.run([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0
    assert "APP_ENV is not set and gunicorn is serving" in done.stdout + done.stderr
    assert not list(tmp_path.glob(".*secret_key")), "no development secret was generated"


def _listener():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.setblocking(False)
    return sock


def _nobody_connected(sock):
    try:
        conn, _ = sock.accept()
    except BlockingIOError:
        return True
    conn.close()
    return False


def test_each_web_worker_freezes_the_loaded_app_out_of_full_collections(gunicorn_conf):
    import gc

    gc.unfreeze()
    try:
        gunicorn_conf().post_worker_init(None)
        assert gc.get_freeze_count() > 10_000  # the app's objects are no longer rescanned by a full collection
    finally:
        gc.unfreeze()


def _pins():
    pins = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"not pinned: {line}"
            pins[re.sub(r"[-_.]+", "-", name.split("[")[0]).lower()] = (version, name.partition("[")[2].rstrip("]"))
    return pins


def test_requirements_pin_everything_a_deploy_installs():
    """Render runs `pip install -r requirements.txt`: every package that pulls in, not just the direct ones, is
    pinned, so production gets the versions the tests ran with."""
    from importlib.metadata import distribution

    from packaging.requirements import Requirement

    pins, missing = _pins(), []
    for name, (_version, extras) in pins.items():
        for spec in distribution(name).requires or []:
            requirement = Requirement(spec)
            wanted = [{"extra": extra} for extra in extras.split(",") if extra] or [{"extra": ""}]
            if requirement.marker and not any(requirement.marker.evaluate(env) for env in wanted):
                continue
            if re.sub(r"[-_.]+", "-", requirement.name).lower() not in pins:
                missing.append(f"{name} needs {requirement.name}")
    assert missing == []
