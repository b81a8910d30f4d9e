"""The real stack on 127.0.0.1: a throwaway PostgreSQL database, Redis DB 7, gunicorn, RQ workers, memory sampling."""
import json
import os
import re
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
# Overridable so two runs on one machine (two engineers, two worktrees) don't share a database or Redis DB.
BENCH_DATABASE = os.environ.get("BENCH_DATABASE", "lucine_benchrun")
BENCH_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/7")
UNLIMITED = "1000000/minute"  # every request comes from 127.0.0.1: the limits would measure themselves


def free_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def recreate_database(name=BENCH_DATABASE):
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"postgresql://postgres@127.0.0.1:5432/{name}"


def drop_database(name=BENCH_DATABASE):
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def flush_redis(url=BENCH_REDIS_URL):
    from redis import Redis

    Redis.from_url(url).flushdb()


HEALTH_TOKEN = "bench-health-token-" + "z" * 16  # /api/health shows the worker count to this token only


def app_environment(database_url, llm_base_url, instance_path, web_concurrency):
    """Production settings, pointed at local services only."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "FLASK_"))}
    env.update({
        "APP_ENV": "production", "SECRET_KEY": "bench-secret-key-" + "x" * 32,
        "JWT_SECRET_KEY": "bench-jwt-secret-key-" + "y" * 32, "DATABASE_URL": database_url,
        "REDIS_URL": BENCH_REDIS_URL, "OPENAI_API_KEY": "bench-key", "OPENAI_BASE_URL": llm_base_url,
        "AI_MAX_RETRIES": "0", "ADMIN_PASSWORD": "bench-admin-password", "LUCINE_INSTANCE_PATH": str(instance_path),
        # every simulated visitor comes from 127.0.0.1, where production's come from addresses of their own
        "RATE_LIMIT_CHAT": UNLIMITED, "RATE_LIMIT_POLL": UNLIMITED, "RATE_LIMIT_POLL_ADDRESS": UNLIMITED,
        "RATE_LIMIT_DEFAULT": UNLIMITED, "RATE_LIMIT_TICKET": UNLIMITED, "LOG_LEVEL": "WARNING",
        "WEB_CONCURRENCY": str(web_concurrency),
        "PYTHONUNBUFFERED": "1", "HEALTH_CHECK_TOKEN": HEALTH_TOKEN,
    })
    return env


def run_flask(env, *args, python=sys.executable):
    """`flask --app wsgi …` as the pre-deploy step runs it; raises with its output when it fails."""
    done = subprocess.run([python, "-m", "flask", "--app", "wsgi", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    if done.returncode:
        raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}")
    return done.stdout


class Processes:
    """Starts and stops the processes of one run, with the app's interpreter; each gets a role for the memory
    report."""

    def __init__(self, log_dir, python=sys.executable):
        self.log_dir = Path(log_dir)
        self.python = python
        self.started = []  # (role, Popen)

    def start(self, role, argv, env):
        log = open(self.log_dir / f"{role}.log", "ab")
        process = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
        self.started.append((role, process))
        return process

    def gunicorn(self, role, wsgi_app, port, env):
        env = {**env, "GUNICORN_BIND": f"127.0.0.1:{port}"}
        process = self.start(role, [self.python, "-m", "gunicorn", "-c", "gunicorn.conf.py", wsgi_app], env)
        wait_until_serving(f"http://127.0.0.1:{port}", process)
        return process

    def worker(self, role, env):
        return self.start(role, [self.python, "-m", "flask", "--app", "wsgi", "worker"], env)

    def stop(self, process, timeout=20):
        """SIGTERM (gunicorn and RQ shut down gracefully), SIGKILL after `timeout`."""
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)
        self.started = [(role, p) for role, p in self.started if p is not process]

    def stop_all(self):
        for _role, process in list(reversed(self.started)):
            self.stop(process)


def wait_until_serving(base_url, process, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{base_url} exited with {process.returncode} before serving")
        for path in ("/api/health", "/ceiling"):
            try:
                with urllib.request.urlopen(base_url + path, timeout=2) as response:
                    if response.status == 200:
                        return
            except urllib.error.HTTPError:
                continue
            except OSError:
                break
        time.sleep(0.2)
    raise RuntimeError(f"{base_url} did not start within {timeout} s")


def wait_for_workers(base_url, count, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        request = urllib.request.Request(base_url + "/api/health", headers={"X-Health-Token": HEALTH_TOKEN})
        with urllib.request.urlopen(request, timeout=5) as response:
            if json.loads(response.read())["services"]["queue"]["workers"] >= count:
                return
        time.sleep(0.2)
    raise RuntimeError(f"{count} RQ workers did not register within {timeout} s")


class MemoryMonitor:
    """Samples the RSS (and PSS, which splits shared pages fairly) of every process of the run and its children."""

    def __init__(self, processes, interval=0.25):
        self.processes = processes
        self.interval = interval
        self.peaks = {}  # (role, kind, pid) -> {"rss": bytes, "pss": bytes}
        self.role_peaks = {}  # role -> the largest simultaneous {"rss", "pss"} of its whole process tree
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="memory-monitor", daemon=True)

    def start(self):
        self._thread.start()
        return self

    def stop(self):
        self._stop.set()
        self._thread.join(5)

    def _loop(self):
        while not self._stop.wait(self.interval):
            for role, popen in list(self.processes.started):
                self._sample(role, popen.pid)

    def _sample(self, role, pid):
        try:
            root = psutil.Process(pid)
            tree = [(self._kind(root, True), root)] + [(self._kind(c, False), c) for c in root.children(True)]
        except psutil.Error:
            return
        now = {"rss": 0, "pss": 0}
        for kind, proc in tree:
            try:
                info = proc.memory_full_info()
            except psutil.Error:
                continue
            peak = self.peaks.setdefault((role, kind, proc.pid), {"rss": 0, "pss": 0})
            for field in ("rss", "pss"):
                value = getattr(info, field, 0)
                peak[field] = max(peak[field], value)
                now[field] += value
        role_peak = self.role_peaks.setdefault(role, {"rss": 0, "pss": 0})
        for field in now:
            role_peak[field] = max(role_peak[field], now[field])

    @staticmethod
    def _kind(proc, is_root):
        if is_root:
            return "master" if "gunicorn" in " ".join(proc.cmdline()) else "worker"
        return "child"

    def by_role(self, role):
        return {key: value for key, value in self.peaks.items() if key[0] == role}


ACCESS_MS = re.compile(r'" \d{3} \S+ (\d+)ms "')  # gunicorn.conf.py's access_log_format: … status size Nms "ua"


class AccessLog:
    """The server-side time of each request (the access log's `%(M)sms`), read from where a scenario began:
    with wrk keeping every connection busy, the client's latency is mostly waiting in the listen queue, and
    this tells how long serving took."""

    def __init__(self, path):
        self.path = Path(path)

    def offset(self):
        return self.path.stat().st_size if self.path.exists() else 0

    def server_ms(self, since):
        with open(self.path, "rb") as handle:
            handle.seek(since)
            text = handle.read().decode("utf-8", "replace")
        return sorted(int(match) for match in ACCESS_MS.findall(text))


class CpuMeter:
    """CPU seconds (user + system) spent by a process tree and by the PostgreSQL backends serving a database:
    the server-side cost of a scenario, which other load on the machine barely changes (unlike wall time)."""

    def __init__(self, root_pid, database_url=None):
        self.root_pid = root_pid
        self.database_url = database_url

    def snapshot(self):
        seconds = {}
        try:
            root = psutil.Process(self.root_pid)
            procs = [root, *root.children(recursive=True)]
        except psutil.Error:
            procs = []
        backends = [p for p in map(_process_or_none, self._backend_pids()) if p]
        for group, members in (("app", procs), ("db", backends)):
            for proc in members:
                try:
                    times = proc.cpu_times()
                except psutil.Error:
                    continue
                seconds[(group, proc.pid)] = times.user + times.system
        return seconds

    def _backend_pids(self):
        if not self.database_url:
            return []
        import psycopg

        name = self.database_url.rsplit("/", 1)[-1]
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            rows = conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
                                (name,)).fetchall()
        return [pid for (pid,) in rows]

    @staticmethod
    def spent(before, after, group=None):
        return sum(max(0.0, value - before.get(key, 0.0)) for key, value in after.items()
                   if group is None or key[0] == group)


# Linux counts guest time inside user time already (psutil docs): adding it again would count it twice.
NOT_SUMMED = ("guest", "guest_nice")


def box_times():
    """The whole machine's CPU times since boot (all cores); two of them give `box_share`."""
    return psutil.cpu_times()


def box_share(before, after):
    """How busy the whole box was between two `box_times()` (% of all cores' time: the app, PostgreSQL, Redis,
    the load generator and anything else) and how much of it the hypervisor gave to other guests (steal): the
    load average shows neither, and on a shared virtual machine steal is what makes one run slower than the
    next."""
    spent = {field: max(0.0, getattr(after, field) - getattr(before, field))
             for field in after._fields if field not in NOT_SUMMED}
    total = sum(spent.values())
    if not total:
        return {"busy_pct": 0.0, "steal_pct": 0.0}
    idle = spent.get("idle", 0.0) + spent.get("iowait", 0.0)
    steal = spent.get("steal", 0.0)
    return {"busy_pct": round(100 * (total - idle - steal) / total, 1), "steal_pct": round(100 * steal / total, 1)}


def _process_or_none(pid):
    try:
        return psutil.Process(pid)
    except psutil.Error:
        return None
