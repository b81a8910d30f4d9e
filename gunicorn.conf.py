"""gunicorn settings for the web tier: sync workers sized from the environment (docs/deploy.md, docs/performance.md)."""
import functools
import os
import re

from gunicorn.glogging import Logger

# A visitor's sessionId and a ticket's resume token are credentials that travel in URLs: never log them. The
# paths and query keys that carry them are listed in lucine_chatbot/platform/redaction.py (standard library only).
from lucine_chatbot.platform.redaction import redact

# Render sets PORT; locally and in the benchmark the same file binds wherever PORT/BIND say.
bind = os.environ.get("GUNICORN_BIND") or f"0.0.0.0:{os.environ.get('PORT', '8000')}"

# Sync workers: one request at a time per process. Every endpoint is short (polls are O(1) and LLM calls run in
# RQ jobs), so a few processes serve hundreds of open widgets. Each worker is a whole Python process with the
# app, ~100 MB RSS: the default of one is what fits web + RQ worker in 300 MB (docs/performance.md, "How many
# web workers"); give more where memory allows. The host's CPU count is a poor guide inside a container (Render
# reports the host's cores), so WEB_CONCURRENCY decides; render.yaml sets it per plan.
DEFAULT_WORKERS = 1
workers = int(os.environ.get("WEB_CONCURRENCY") or DEFAULT_WORKERS)
worker_class = "sync"

# A request that takes longer than this is a bug (or a stuck database): kill the worker, free the slot.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
# Render waits maxShutdownDelaySeconds (30 s by default) after SIGTERM; finish in-flight requests before it.
graceful_timeout = int(os.environ.get("GUNICORN_GRACEFUL_TIMEOUT", "20"))
keepalive = 2  # ignored by sync workers (they close every connection); kept for a gthread override
backlog = 2048

# Each worker imports the app itself; the master is gunicorn alone (~25 MB). Preloading the app in the master
# (GUNICORN_PRELOAD=1) shares its pages with the workers copy-on-write, but only until refcounting writes to
# them: after a few requests a preloaded worker is as large as one that imported the app, and the master stays
# at ~110 MB, so preloading costs memory (RSS: +85 MB; even PSS only -10 %; docs/performance.md). It stays
# safe to turn on: the app opens no connection at import or in create_app (tests/deploy/test_web_startup.py).
preload_app = os.environ.get("GUNICORN_PRELOAD", "0") not in ("0", "false", "no")

# No runtime control socket (gunicornc): nothing on Render uses it, and two gunicorns on one machine (the
# benchmark runs the app and the ceiling) would fight over its default path.
control_socket_disable = True

# The heartbeat file on tmpfs: on a container's overlay disk a slow fsync can make the arbiter kill healthy
# workers (gunicorn docs, "Blocking OS calls").
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None

# Render's proxy terminates TLS and is the only way in, so its X-Forwarded-Proto is trusted; the client IP
# for rate limits comes from the app's ProxyFix with TRUSTED_PROXY_HOPS, not from gunicorn.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "*")

# One line per request on stdout (Render collects it): client, request (secrets redacted), status, size, ms.
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
access_log_format = '%({x-forwarded-for}i)s %(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s"'


ATOM = re.compile(r"%\(([^)]+)\)s")
# The atoms computed one by one; gunicorn's Logger.atoms builds ~70 (every header, every environ key and a
# strftime of now) and SafeAtoms copies them all: ~70 µs of each request's ~165 µs of access logging.
CHEAP_ATOMS = {
    "h": lambda resp, environ, ms: environ.get("REMOTE_ADDR", "-"),
    "r": lambda resp, environ, ms: f"{environ['REQUEST_METHOD']} {environ['RAW_URI']} {environ['SERVER_PROTOCOL']}",
    "s": lambda resp, environ, ms: resp.status.split(None, 1)[0] if isinstance(resp.status, str) else resp.status,
    "b": lambda resp, environ, ms: str(resp.sent) if getattr(resp, "sent", None) is not None else "-",
    "M": lambda resp, environ, ms: ms,
    "a": lambda resp, environ, ms: environ.get("HTTP_USER_AGENT", "-"),
    "U": lambda resp, environ, ms: environ.get("PATH_INFO"),
    "f": lambda resp, environ, ms: environ.get("HTTP_REFERER", "-"),
}


@functools.cache
def format_atoms(log_format):
    """(plain atoms, request-header atoms) the format uses, or None if it uses one gunicorn must compute."""
    plain, headers = [], []
    for name in ATOM.findall(log_format):
        if name in CHEAP_ATOMS:
            plain.append(name)
        elif name.startswith("{") and name.endswith("}i"):
            headers.append(name.lower())
        else:
            return None
    return tuple(plain), tuple(headers)


class RedactingLogger(Logger):
    """gunicorn's logger with session ids and resume tokens replaced by `…` in the access log, computing only
    the atoms the access log format uses (the same values as gunicorn's, tests/deploy/test_gunicorn.py)."""

    def atoms(self, resp, req, environ, request_time):
        wanted = format_atoms(self.cfg.access_log_format)
        if wanted is None:
            atoms = super().atoms(resp, req, environ, request_time)
        else:
            plain, header_atoms = wanted
            ms = request_time.seconds * 1000 + request_time.microseconds // 1000
            atoms = {name: CHEAP_ATOMS[name](resp, environ, ms) for name in plain}
            if header_atoms:
                headers = {f"{{{key.lower()}}}i": value for key, value in getattr(req, "headers", req)}
                atoms.update((name, headers[name]) for name in header_atoms if name in headers)
        for name in ("r", "U", "f"):
            if name in atoms:
                atoms[name] = redact(atoms[name])
        return atoms


logger_class = RedactingLogger


def _load_what_first_requests_would():
    """SQLAlchemy's mapper configuration and RQ's enqueueing modules (dispatch imports them lazily)."""
    import rq.job  # noqa: F401
    import rq.queue  # noqa: F401
    from sqlalchemy.orm import configure_mappers

    configure_mappers()


def when_ready(_server):
    """With GUNICORN_PRELOAD=1, in the master before the workers fork: do the one-off work every worker would
    otherwise do on its first requests, so its pages start shared (~6 MB less private memory per worker,
    docs/performance.md)."""
    if preload_app:
        _load_what_first_requests_would()


def post_worker_init(_worker):
    """In each worker, once the app is loaded: the same one-off work, then move every object that exists now
    into the collector's permanent generation (gc.freeze). The app's ~150,000 long-lived objects otherwise
    make each full collection a ~120 ms pause, and with sync workers every request queued behind it waits too:
    that pause was the poll's p99 (docs/performance.md)."""
    import gc

    _load_what_first_requests_would()
    gc.freeze()
