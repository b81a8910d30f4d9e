"""The newcomer's commands, run for real: `flask run` on a fresh instance folder, and the RQ worker."""
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil
import pytest

from .conftest import TEST_DATABASE_URL, TEST_REDIS_URL

ROOT = Path(__file__).resolve().parent.parent
HEALTH_TOKEN = "embedded-health-token-0123456789"  # /api/health's details (HEALTH_CHECK_TOKEN, docs/security.md)


def free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(url, headers=None):
    import json

    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def wait_for(check, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return True
        except OSError:
            pass
        time.sleep(0.3)
    return False


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "APP_ENV", "TEST_DATABASE_URL", "TEST_REDIS_URL")}
    env.update(extra)
    return env


def test_flask_run_migrates_seeds_prints_logins_and_serves(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "wsgi", "run", "--port", str(port)], cwd=ROOT,
        env=clean_env(LUCINE_INSTANCE_PATH=str(tmp_path), HEALTH_CHECK_TOKEN=HEALTH_TOKEN), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    details = {"X-Health-Token": HEALTH_TOKEN}
    try:
        base = f"http://127.0.0.1:{port}"
        assert wait_for(lambda: get_json(f"{base}/api/health")[0] == 200), "the server did not start"
        assert get_json(f"{base}/api/health") == (200, {"status": "up"})
        status, health = get_json(f"{base}/api/health", details)
        assert health["database"] == "connected" and health["services"]["queue"]["mode"] == "inline"
        for page in ("/demo", "/dashboard/login", "/"):
            with urllib.request.urlopen(base + page, timeout=5) as response:
                assert response.status == 200
        assert (tmp_path / "lucine.sqlite3").exists()
        assert wait_for(lambda: get_json(f"{base}/api/health", details)[1]["services"]["scheduler"]["lastSweepAt"])
    finally:
        process.terminate()
        output = process.communicate(timeout=10)[0]
    assert "Admin login:" in output and "Operator login: operatore /" in output


@pytest.mark.redis_only
@pytest.mark.real_db
def test_worker_started_as_documented_shows_in_health_and_runs_the_sweep_without_forking(client, app, monkeypatch):
    env = clean_env(REDIS_URL=TEST_REDIS_URL, SWEEP_INTERVAL_SECONDS="1")
    if TEST_DATABASE_URL:
        env["DATABASE_URL"] = TEST_DATABASE_URL
    else:
        pytest.skip("the worker needs the same database as the test app")
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    monkeypatch.setitem(app.config, "HEALTH_CHECK_TOKEN", HEALTH_TOKEN)

    def health():
        return client.get("/api/health", headers={"X-Health-Token": HEALTH_TOKEN}).json

    try:
        assert wait_for(lambda: health()["services"]["queue"]["workers"] >= 1)
        assert wait_for(lambda: health()["services"]["scheduler"]["lastSweepAt"])
        first = health()["services"]["scheduler"]["lastSweepAt"]
        assert wait_for(lambda: health()["services"]["scheduler"]["lastSweepAt"] != first), \
            "the scheduler (a thread of the worker) books and runs the next sweep"
        assert health()["status"] == "healthy"
        assert psutil.Process(process.pid).children() == [], "jobs and the scheduler run in the worker process"
    finally:
        process.terminate()
        output = process.communicate(timeout=15)[0]
    assert "periodic jobs" in output or "Listening" in output
