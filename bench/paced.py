"""Open-loop HTTP load: requests arrive at a set rate, whatever the server's pace, over at most N connections.

wrk keeps every connection busy (closed loop): the next request waits for the previous answer, so at saturation
its latency is the listen queue, 64 ÷ throughput by Little's law, whatever the app does. Visitors do not wait for
each other: they arrive on their own. Here arrivals are a Poisson process at `rate` per second, each served by
one of `connections` connections; when all of them are busy an arrival waits for one, and its latency counts from
the moment it arrived (no coordinated omission, as in wrk2). wrk's `delay()` cannot do this against sync workers:
it opens the next connection before the delay, and a sync worker blocks on that silent connection.

Python's asyncio costs ~0.1 ms of CPU per request (connect, write, read to EOF): a few percent of a core at the
rates this is run at, which the report states.
"""
import asyncio
import random
import time
from dataclasses import dataclass
from urllib.parse import urlparse

from .scenarios import percentile


@dataclass
class PacedResult:
    name: str
    connections: int
    offered_rps: float      # the arrival rate asked for
    requests: int           # answered (any status)
    seconds: float
    errors: int
    error_detail: dict
    p50_ms: float           # from arrival to the last byte of the answer
    p95_ms: float
    p99_ms: float
    max_ms: float
    send_lag_p99_ms: float  # arrival → first byte sent: waiting for a free connection, or a late generator
    client_cpu_ms_per_request: float

    @property
    def rps(self):
        return self.requests / self.seconds if self.seconds else 0.0

    def as_dict(self):
        return {**self.__dict__, "rps": round(self.rps, 1)}


def raw_request(host, port, method, path, body=None):
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close", "User-Agent: bench-paced"]
    payload = body.encode() if isinstance(body, str) else (body or b"")
    if method != "GET" or payload:
        lines += ["Content-Type: application/json", f"Content-Length: {len(payload)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


def split_response(data):
    """(status, body) of a whole HTTP/1.1 response read to EOF; (None, b"") if it is not one."""
    head, sep, body = data.partition(b"\r\n\r\n")
    parts = head.split(b" ", 2)
    if not sep or len(parts) < 2 or not parts[0].startswith(b"HTTP/") or not parts[1].isdigit():
        return None, b""
    return int(parts[1]), body


def _new_loop():
    """uvloop when installed (requirements-dev.txt): half the client CPU per request of asyncio's own loop."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def run(name, url, source, rate, connections=64, seconds=10, timeout_s=5, seed=1):
    """Arrivals at `rate`/s for `seconds`; `source.next()` gives (method, path, body) and `source.seen(path,
    status, body)` hears each answer (the widget mix moves its cursors there)."""
    parsed = urlparse(url)
    if parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError(f"the benchmark only loads loopback targets, not {parsed.hostname}")
    if rate <= 0:
        raise ValueError("the rate must be positive")
    cpu_before = time.process_time()
    loop = _new_loop()
    try:
        outcome = loop.run_until_complete(_drive(parsed.hostname, parsed.port, source, rate, connections, seconds,
                                                 timeout_s, random.Random(seed)))
    finally:
        loop.close()
    cpu = time.process_time() - cpu_before
    latencies, lags, errors, elapsed = outcome
    answered = len(latencies)
    detail = {kind: count for kind, count in errors.items() if count}
    return PacedResult(
        name, connections, rate, answered, elapsed, sum(detail.values()), detail,
        *(round(percentile(latencies, q), 1) for q in (50, 95, 99)), round(max(latencies, default=0.0), 1),
        round(percentile(lags, 99), 1), round(cpu * 1000 / max(1, answered + sum(detail.values())), 3))


async def _drive(host, port, source, rate, connections, seconds, timeout_s, rng):
    """Each connection has its own Poisson arrivals at rate ÷ connections (their sum is a Poisson process at
    `rate`); an arrival that finds its connection busy waits for it, and that wait is part of its latency."""
    loop = asyncio.get_running_loop()
    latencies, lags = [], []
    errors = {"connect": 0, "read": 0, "status": 0, "timeout": 0}
    start = loop.time()
    end = start + seconds
    per_connection = rate / connections

    async def connection(due):
        while (due := due + rng.expovariate(per_connection)) < end:
            wait = due - loop.time()
            if wait > 0:
                await asyncio.sleep(wait)
            method, path, body = source.next()
            sent = loop.time()
            lags.append((sent - due) * 1000)
            try:
                data = await _exchange(loop, host, port, raw_request(host, port, method, path, body), timeout_s)
            except TimeoutError:
                errors["timeout"] += 1
                continue
            except OSError:
                errors["connect"] += 1
                continue
            status, payload = split_response(data)
            if status is None:
                errors["read"] += 1
                continue
            latencies.append((loop.time() - due) * 1000)
            if status > 399:
                errors["status"] += 1
            source.seen(path, status, payload)

    await asyncio.gather(*(connection(start) for _ in range(connections)))
    return latencies, lags, errors, loop.time() - start


class _Exchange(asyncio.Protocol):
    """One request on a new connection, read to EOF (gunicorn's sync workers close after each response)."""

    def __init__(self, request, done):
        self.request, self.done, self.data = request, done, bytearray()

    def connection_made(self, transport):
        transport.write(self.request)

    def data_received(self, data):
        self.data += data

    def connection_lost(self, exc):
        if not self.done.done():
            self.done.set_exception(exc) if exc else self.done.set_result(bytes(self.data))


async def _exchange(loop, host, port, request, timeout_s):
    """(asyncio.wait_for would cost a task per request: a timer on the future is enough.)"""
    done = loop.create_future()
    timer = loop.call_later(timeout_s, lambda: done.done() or done.set_exception(TimeoutError()))
    transport = None
    try:
        transport, _protocol = await loop.create_connection(lambda: _Exchange(request, done), host, port)
        return await done
    finally:
        timer.cancel()
        if transport is not None:
            transport.close()
