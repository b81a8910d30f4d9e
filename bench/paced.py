"""Open-loop HTTP load: requests arrive at a set rate, whatever the server's pace, over at most N connections.

wrk keeps every connection busy (closed loop): the next request waits for the previous answer, so at saturation
its latency is the listen queue, 64 ÷ throughput by Little's law, whatever the app does. Visitors do not wait for
each other: they arrive on their own. Here arrivals are a Poisson process at `rate` per second, split over
`connections` connections (each its own Poisson process at rate ÷ connections, as wrk2 gives each connection its
share); an arrival whose connection is still busy waits for it, and its latency counts from the moment it
arrived (no coordinated omission). wrk's `delay()` cannot do this against sync workers: it opens the next
connection before the delay, and a sync worker blocks on that silent connection.

The generator's own CPU (asyncio on uvloop: connect, write, read to EOF, close) is 0.3–0.5 ms per request on a
quiet 2-core box and up to ~1.5 ms on a busy one; the report prints it beside the server's.
"""
import asyncio
import random
import time
from dataclasses import dataclass
from urllib.parse import urlparse

from .scenarios import percentile
from .wrk import LoadResult


@dataclass
class PacedResult(LoadResult):
    """`requests` are those answered (any status); latencies run from arrival to the answer's last byte."""
    offered_rps: float          # the arrival rate asked for
    send_lag_p99_ms: float      # arrival → first byte sent: waiting for its connection, or a late generator
    client_cpu_ms_per_request: float


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
    p50, p95, p99 = (round(percentile(latencies, q), 1) for q in (50, 95, 99))
    return PacedResult(
        name, connections, answered, elapsed, sum(detail.values()), detail, p50, p95, p99,
        round(max(latencies, default=0.0), 1), offered_rps=rate, send_lag_p99_ms=round(percentile(lags, 99), 1),
        client_cpu_ms_per_request=round(cpu * 1000 / max(1, answered + sum(detail.values())), 3))


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
            except ReadError:
                errors["read"] += 1
                continue
            except OSError:  # refused, reset before it was accepted
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


class ReadError(OSError):
    """The connection broke after it was made (reset mid-answer)."""


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
            self.done.set_exception(ReadError(exc)) if exc else self.done.set_result(bytes(self.data))


async def _exchange(loop, host, port, request, timeout_s):
    """The whole exchange, connect included, within `timeout_s` (asyncio.timeout: a timer that cancels this
    task, where asyncio.wait_for would start a task per request)."""
    done = loop.create_future()
    transport = None
    try:
        async with asyncio.timeout(timeout_s):
            transport, _protocol = await loop.create_connection(lambda: _Exchange(request, done), host, port)
            return await done
    finally:
        if transport is not None:
            transport.close()
