"""One benchmark run: the ceiling, then the app with its workers, every phase bounded in requests and time."""
import platform
import tempfile
import time
from dataclasses import dataclass

import psutil

from . import ai_peak, paced, scenarios, slo, wrk
from .servers import appenv, stack
from .servers.llm_stub import LlmStub

WARM_UP_SECONDS = 2  # each app scenario first runs this long, unmeasured
SCENARIOS = ("poll", "new_visitor", "mixed")


@dataclass(frozen=True)
class Settings:
    seconds: int = 10            # each wrk run
    connections: int = 64
    web_concurrency: int = 1     # gunicorn sync workers: production's default (gunicorn.conf.py)
    llm_latency: float = 0.3     # the stub LLM's answer time, s
    sessions: int = 200          # open widgets the poll and mix scenarios cycle through
    overhead_samples: int = 40
    llm_stream_seconds: float = 0.05  # a streamed answer: the first chunk after llm_latency, the rest over this
    peak_visitors: int = 300     # AI at peak: visitors who ask at the same moment
    peak_latencies: tuple = (0.3, 2.0)  # AI at peak: the stub LLM's time to the first token, one row each
    ai_concurrency: int | None = None  # AI_CONCURRENCY of the AI-at-peak worker; None = render.yaml's value
    peak_timeout: int = 90       # AI at peak: the longest the visitors wait, s
    scenarios: tuple = SCENARIOS  # which web scenarios run (`--only`); all of them for a report
    ai: bool = True              # the AI overhead and AI-at-peak phases (`--skip-ai`)
    app_python: str = ""         # the app's interpreter; "" = a virtualenv of requirements.txt only (appenv.py)

    @classmethod
    def quick(cls):
        return cls(seconds=5, sessions=100, overhead_samples=20, peak_latencies=(0.3,))


def cpu_probe_ms(steps=2_000_000, tries=3):
    """How fast this core runs Python right now: the best of `tries` timings of a fixed loop, in ms. A shared
    box's speed moves (the reference box ran the same code ~2× slower at noon than at its best of the morning on
    2026-12-02), so a run's absolute figures compare only with another's at a similar probe."""
    best = float("inf")
    for _ in range(tries):
        started = time.perf_counter()
        total = 0
        for i in range(steps):
            total += i
        best = min(best, time.perf_counter() - started)
    return round(best * 1000)


def machine():
    return {"load_average": [round(x, 1) for x in psutil.getloadavg()], "cpu_probe_ms": cpu_probe_ms(),
            "cpus": psutil.cpu_count(),
            "cpu": platform.processor() or platform.machine(),
            "memory_gb": round(psutil.virtual_memory().total / 2**30, 1), "python": platform.python_version()}


def run(settings, keep_database=False, log=print):
    workdir = tempfile.mkdtemp(prefix="lucine-bench-")
    results = {"settings": settings.__dict__, "machine": machine(), "workdir": workdir,
               "started": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    python = settings.app_python or appenv.production_python(log=log)
    results["app_python"] = {"path": python, "requirements_only": not settings.app_python}
    with LlmStub(settings.llm_latency, stream_seconds=settings.llm_stream_seconds) as stub:
        db_url = stack.recreate_database()
        stack.flush_redis()
        env = stack.app_environment(db_url, stub.base_url, workdir, settings.web_concurrency)
        log("migrating and seeding a fresh database")
        stack.run_flask(env, "db", "upgrade", python=python)
        stack.run_flask(env, "seed", python=python)
        processes = stack.Processes(workdir, python)
        monitor = stack.MemoryMonitor(processes).start()
        try:
            ceiling = _start_ceiling(processes, env)
            _app(processes, monitor, env, db_url, stub, settings, results, ceiling, log)
        finally:
            monitor.stop()
            processes.stop_all()
            if not keep_database:
                stack.drop_database()
        results["memory"] = memory_report(monitor)
    results["load_average_after"] = [round(x, 1) for x in psutil.getloadavg()]
    results["cpu_probe_ms_after"] = cpu_probe_ms()
    return results


def _start_ceiling(processes, env):
    """The bare Flask view, kept running: it is measured again right before and after each app scenario, so a
    ratio compares moments of equal background load on the machine."""
    port = stack.free_port()
    server = processes.gunicorn("ceiling", "bench.servers.ceiling:app", port, env)
    url = f"http://127.0.0.1:{port}/ceiling"
    wrk.run("ceiling warm-up", url, wrk.get_script(["/ceiling"]), 64, WARM_UP_SECONDS)
    return {"url": url, "meter": stack.CpuMeter(server.pid), "runs": [],
            "log": stack.AccessLog(processes.log_dir / "ceiling.log")}


def _measure_ceiling(ceiling, settings):
    row = _measured(ceiling["meter"], lambda: wrk.run("ceiling", ceiling["url"], wrk.get_script(["/ceiling"]),
                                                      settings.connections, settings.seconds), ceiling["log"])
    ceiling["runs"].append(row)
    return row


def _measured(meter, load, access_log):
    """Run one load (a wrk scenario, or the paced generator's arrivals) and add the server CPU it cost per request
    (gunicorn tree + PostgreSQL backends), the time gunicorn took to serve each request (its access log), and how
    busy the whole box was meanwhile (and how much the hypervisor stole)."""
    since = access_log.offset()
    box_before = stack.box_times()
    before = meter.snapshot()
    result = load()
    after = meter.snapshot()
    box = stack.box_share(box_before, stack.box_times())
    per_request = 1000 / max(1, result.requests)
    served = access_log.server_ms(since)
    return {**result.as_dict(), "cpu_ms_per_request": round(stack.CpuMeter.spent(before, after) * per_request, 3),
            "db_cpu_ms_per_request": round(stack.CpuMeter.spent(before, after, "db") * per_request, 3),
            "server_ms": {f"p{q}": scenarios.percentile(served, q) for q in (50, 99)} if served else None,
            "box": box}


def _bracketed(ceiling, settings, load):
    """ceiling, scenario, ceiling: the scenario's ratio uses the mean of the two ceiling runs around it."""
    first = ceiling["runs"][-1] if ceiling["runs"] else _measure_ceiling(ceiling, settings)
    row = load()
    second = _measure_ceiling(ceiling, settings)
    row["ceiling_rps"] = round((first["rps"] + second["rps"]) / 2, 1)
    row["ceiling_cpu_ms_per_request"] = round((first["cpu_ms_per_request"] + second["cpu_ms_per_request"]) / 2, 3)
    return row


def _app(processes, monitor, env, db_url, stub, settings, results, ceiling, log):
    port = stack.free_port()
    base = f"http://127.0.0.1:{port}"
    web = processes.gunicorn("web", "wsgi:app", port, env)
    meter = stack.CpuMeter(web.pid, db_url)
    access_log = stack.AccessLog(processes.log_dir / "web.log")
    workers = [processes.worker("rq-worker-1", env)]
    stack.wait_for_workers(base, 1)

    cursors = _open_widgets(base, db_url, stub, settings, log) if settings.scenarios else {}

    load, capacity = {}, {}
    runs = {"poll": lambda seconds: scenarios.run_poll(base, cursors, settings.connections, seconds),
            "new_visitor": lambda seconds: scenarios.run_new_visitor(base, settings.connections, seconds),
            "mixed": lambda seconds: scenarios.run_mixed(base, cursors, settings.connections, seconds)}
    for name, scenario in runs.items():
        if name not in settings.scenarios:
            continue
        log(f"{name}: {WARM_UP_SECONDS} s warm-up, then measured")
        scenario(WARM_UP_SECONDS)  # the first seconds of a fresh process (lazy imports, caches, pool) are not
        if name != "poll":         # the steady state this measures
            _settle(env)
        load[name] = _bracketed(ceiling, settings,
                                lambda: _measured(meter, lambda: scenario(settings.seconds), access_log))
        if name != "poll":
            _settle(env)
    if "mixed" in load:
        capacity["mixed"] = _mix_capacity(meter, base, access_log, scenarios.mixed_source(cursors),
                                          load["mixed"]["rps"], settings, env, log)
    runs = sorted(ceiling["runs"], key=lambda row: row["rps"])
    if runs:  # none when only the AI phases ran
        results["ceiling"], results["ceiling_runs"] = runs[len(runs) // 2], ceiling["runs"]
    if capacity:
        capacity["ceiling"] = _ceiling_capacity(ceiling, results["ceiling"]["rps"], settings, log)
    results["load"], results["capacity"] = load, capacity
    if settings.ai:
        _ai_phases(processes, monitor, env, base, db_url, stub, settings, results, workers, meter, log)


def _open_widgets(base, db_url, stub, settings, log):
    """The conversations the poll and mix scenarios cycle through, each answered: {sessionId: newest id}."""
    log(f"creating {settings.sessions} conversations")
    stub.latency = 0.0  # setup only: the replies exist before the measured phases start
    sessions = scenarios.create_sessions(base, settings.sessions)
    scenarios.wait_for_replies(db_url, [sid for sid, _ in sessions], timeout=600)
    stub.latency = settings.llm_latency
    return scenarios.last_message_ids(base, [sid for sid, _ in sessions])


def _mix_capacity(meter, base, access_log, source, closed_loop_rps, settings, env, log):
    """Capacity at SLO of the widget mix: one source for every step, so each session's cursor keeps moving."""
    def measure(rate):
        row = _measured(meter, lambda: paced.run("widget mix", base + "/api/chat", source, rate,
                                                 settings.connections, settings.seconds), access_log)
        _settle(env)  # each step starts from an empty AI queue
        return row

    log(f"widget mix: capacity at p99 ≤ {slo.P99_LIMIT_MS} ms (open loop, bisection)")
    return slo.search(measure, closed_loop_rps, log=log).as_dict()


def _ceiling_capacity(ceiling, closed_loop_rps, settings, log):
    """The same search on the bare view: what the box and the generator allow without the app."""
    source = scenarios.RoundRobin([("GET", "/ceiling", None)])

    def measure(rate):
        return _measured(ceiling["meter"], lambda: paced.run("ceiling (the bare view)", ceiling["url"], source, rate,
                                                             settings.connections, settings.seconds),
                         ceiling["log"])

    log(f"ceiling: capacity at p99 ≤ {slo.P99_LIMIT_MS} ms (open loop, bisection)")
    return slo.search(measure, closed_loop_rps, log=log).as_dict()


def _ai_phases(processes, monitor, env, base, db_url, stub, settings, results, workers, web_meter, log):
    streamed = stub.streamed
    scenarios.ai_overhead(base, db_url, 0, 1)  # a first reply, unmeasured: does the app ask for a stream?
    llm_seconds = settings.llm_latency + (settings.llm_stream_seconds if stub.streamed > streamed else 0)
    log("AI reply overhead (1 worker, one visitor at a time)")
    results["ai_overhead"] = scenarios.ai_overhead(base, db_url, llm_seconds, settings.overhead_samples)
    for worker in workers:  # each AI-at-peak row has a fresh worker of its own, started as render.yaml starts it
        processes.stop(worker)
    results["ai_peak"] = [_ai_peak(processes, monitor, env, base, db_url, stub, settings, latency, web_meter, log)
                          for latency in settings.peak_latencies]
    stub.latency = settings.llm_latency


def _ai_peak(processes, monitor, env, base, db_url, stub, settings, latency, web_meter, log):
    """`peak_visitors` ask at once; the worker is render.yaml's command with AI_CONCURRENCY, its process tree's
    memory sampled throughout (MemoryMonitor: parent + children). Where the CPU went meanwhile: the web tree,
    PostgreSQL, the worker, this process (the visitors, the stub LLM, the memory sampling) and the whole box."""
    argv, command, render_env = ai_peak.render_worker(stack.ROOT / "render.yaml", processes.python)
    role = f"ai-peak-{latency * 1000:.0f}ms"
    concurrency = settings.ai_concurrency or int(render_env.get("AI_CONCURRENCY", 16))  # 16: the app's default
    worker = processes.start(role, argv, {**env, **render_env, "AI_CONCURRENCY": str(concurrency)})
    try:
        stack.wait_for_workers(base, 1)
        stub.latency = 0.0
        scenarios.ai_overhead(base, db_url, 0, 1)  # its first job, unmeasured (imports, pool, KB index)
        stub.latency, stub.peak_in_flight = latency, 0
        calls, streamed, meter = stub.calls, stub.streamed, stack.CpuMeter(worker.pid)
        cpu_before, web_before, box_before = meter.snapshot(), web_meter.snapshot(), stack.box_times()
        started, harness_before = time.monotonic(), time.process_time()
        log(f"AI at peak: {settings.peak_visitors} visitors at once, LLM {latency * 1000:.0f} ms to the first token")
        visitors = ai_peak.visit_all(base, settings.peak_visitors, settings.peak_timeout)
        wall = time.monotonic() - started
        cpu = {"worker": stack.CpuMeter.spent(cpu_before, meter.snapshot()),
               "harness": time.process_time() - harness_before}
        web_after = web_meter.snapshot()
        cpu.update(web=stack.CpuMeter.spent(web_before, web_after, "app"),
                   postgresql=stack.CpuMeter.spent(web_before, web_after, "db"))
        box = stack.box_share(box_before, stack.box_times())
        idle = ai_peak.wait_until_idle(env["REDIS_URL"], stub)
    finally:
        processes.stop(worker)
    sessions = [v.session_id for v in visitors if v.session_id]
    counts = ai_peak.tally(ai_peak.count_replies(db_url, sessions))
    streamed = stub.streamed - streamed
    llm_seconds = latency + (settings.llm_stream_seconds if streamed else 0)
    row = ai_peak.outcome(visitors, counts, ai_peak.server_times(db_url, sessions), llm_seconds,
                          concurrency, wall)
    peak = monitor.role_peaks.get(role, {"rss": 0, "pss": 0})
    row.update(first_token_s=latency, command=command, render_env=render_env, role=role, llm_calls=stub.calls - calls,
               streamed_calls=streamed, llm_peak_in_flight=stub.peak_in_flight, idle_before_count=idle,
               worker_cpu_ms_per_reply=round(cpu["worker"] * 1000 / max(1, counts["replies"]), 1),
               cpu_s={role: round(seconds, 1) for role, seconds in cpu.items()}, box=box,
               worker_rss_mb=round(peak["rss"] / 2**20, 1), worker_pss_mb=round(peak["pss"] / 2**20, 1))
    scenarios.clear_ai_queue(env["REDIS_URL"])
    return row


def _settle(env):
    """Empty the AI queue a write scenario filled, and let the worker finish the job in hand."""
    scenarios.clear_ai_queue(env["REDIS_URL"])
    time.sleep(1.5)


def memory_report(monitor):
    """Peak RSS/PSS per process, MB, and the largest simultaneous total of each role's process tree."""
    def mb(value):
        return round(value / 2**20, 1)

    rows = [{"role": role, "kind": kind, "pid": pid, "rss_mb": mb(peak["rss"]), "pss_mb": mb(peak["pss"])}
            for (role, kind, pid), peak in sorted(monitor.peaks.items())]
    roles = {role: {"rss_mb": mb(peak["rss"]), "pss_mb": mb(peak["pss"])}
             for role, peak in monitor.role_peaks.items()}
    web, worker = roles.get("web", {}), roles.get("rq-worker-1", {})
    return {"processes": [r for r in rows if r["role"] in ("web", "rq-worker-1")], "roles": roles,
            "total_rss_mb": round(web.get("rss_mb", 0) + worker.get("rss_mb", 0), 1),
            "total_pss_mb": round(web.get("pss_mb", 0) + worker.get("pss_mb", 0), 1)}
