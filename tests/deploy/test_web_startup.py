"""Nothing connects before gunicorn forks: the web app loads only what it serves, creating it opens no socket,
and gunicorn started without APP_ENV exits and says why."""
import os
import socket
import subprocess
import sys

import pytest

from .deploy_files import ROOT


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
