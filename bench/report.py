"""The Markdown of a run written into docs/performance.md, with its verdict (bench/verdict.py)."""
import re
from pathlib import Path

from .verdict import checks, rate_found, ratio_to_ceiling

BEGIN, END = "<!-- bench:results:begin -->", "<!-- bench:results:end -->"
def _probe(results):
    before, after = results["machine"].get("cpu_probe_ms"), results.get("cpu_probe_ms_after")
    if before is None:
        return ""
    return (f" a 2-million-step Python loop took {before} ms before and {after} ms after (best of 3; the box's "
            "speed of the moment);")


STEAL_WARNING_PCT = 5
BUSY_LOAD_AVERAGE = 2  # per-minute load average on this 2-core box above which other work shared it


def _load(results):
    """A warning when other processes (other engineers' test suites) kept the box's run queue long: the steal
    figure does not show them, they run inside the same guest."""
    loads = [results["machine"].get("load_average"), results.get("load_average_after")]
    worst = max((load[0] for load in loads if load), default=0)
    if worst <= BUSY_LOAD_AVERAGE:
        return ""
    return (f" **the load average reached {worst}: other work shared the box, so the wall-clock figures measured "
            "it as much as the app; judge them on a quieter run**;")


def _steal(results):
    """The hypervisor's share of the box during the scenarios; a warning when other guests took enough of it that
    the wall-clock figures (req/s, percentiles) say more about them than about the app."""
    rows = [*results.get("ceiling_runs", []), *results.get("load", {}).values(),
            *(row for search in results.get("capacity", {}).values() for row in search["steps"])]
    steal = [row["box"]["steal_pct"] for row in rows if row.get("box")]
    if not steal:
        return ""
    text = (f" the hypervisor took {min(steal):.0f}–{max(steal):.0f} % of the box's CPU time during the scenarios "
            "(steal)")
    if max(steal) > STEAL_WARNING_PCT:
        return (text + f": **more than {STEAL_WARNING_PCT} %, so the wall-clock figures (req/s, percentiles, AI "
                "overhead) measured the other guests as much as the app; judge them on a run without steal**;")
    return text + ";"


def _app_python(results):
    app = results.get("app_python") or {}
    if app.get("requirements_only"):
        return "the app's processes ran in a virtualenv of requirements.txt alone, as Render installs it"
    return f"the app's processes ran with {app.get('path', 'the current interpreter')}"


def markdown(results, command):
    s, m = results["settings"], results["machine"]
    lines = [BEGIN, "", f"Run {results['started']} on {m['cpus']} CPUs ({m['cpu']}), {m['memory_gb']} GB RAM, "
             f"Python {m['python']}, load average {m.get('load_average')} before and "
             f"{results.get('load_average_after')} after;{_load(results)}{_probe(results)}{_steal(results)} "
             f"{s['web_concurrency']} gunicorn sync workers, wrk with {s['connections']} "
             f"connections for {s['seconds']} s per scenario, stub LLM latency {s['llm_latency'] * 1000:.0f} ms; "
             f"{_app_python(results)}.",
             "", "```", command, "```", "", "### Targets", "", "| target | measured | |", "|---|---|---|"]
    lines += [f"| {target} | {measured} | {'✅' if ok else '❌'} |" for target, measured, ok in checks(results)]
    lines += _closed_loop(results)
    lines += _capacity(results) + _ai(results) + _memory(results) + ["", END]
    return "\n".join(lines)


def _closed_loop(results):
    ceilings = results.get("ceiling_runs") or ([results["ceiling"]] if "ceiling" in results else [])
    if not ceilings:  # only the AI phases ran
        return []
    lines = ["", "### Web tier (wrk, closed loop)", "",
             "Each scenario ran between two ceiling runs; its ratio is to their mean. Server CPU = CPU seconds of "
             "the gunicorn tree and the PostgreSQL backends ÷ requests (Redis and wrk not included). Served in = "
             "the time gunicorn took from reading a request to sending its response (access log, whole ms); the "
             "rest of the latency wrk measures is the wait in the listen queue behind the other connections. "
             "Box busy / steal = share of both cores' time spent on anything (app, databases, load tool) and "
             "taken by the hypervisor for other guests, during the scenario.", "",
             "| scenario | req/s | ceiling req/s around it | % of ceiling | p50 ms | p95 ms | p99 ms | max ms | "
             "errors | served in p50 / p99 ms | server CPU ms/req (of which PostgreSQL) | box busy / steal % |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for row in [*ceilings, *results.get("load", {}).values()]:
        errors = row["errors"] if not row["error_detail"] else f"{row['errors']} {row['error_detail']}"
        around = row.get("ceiling_rps")
        lines.append(f"| {row['name']} | {row['rps']:.0f} | {around or '–'} | "
                     f"{(ratio_to_ceiling(results, row) if around else 1):.0%} | {row['p50_ms']:.1f} | "
                     f"{row['p95_ms']:.1f} | {row['p99_ms']:.1f} | {row['max_ms']:.1f} | {errors} | {_served(row)} | "
                     f"{row.get('cpu_ms_per_request', '–')} ({row.get('db_cpu_ms_per_request', '–')}) | "
                     f"{_box(row)} |")
    return lines


def _capacity(results):
    capacity = results.get("capacity", {})
    if not capacity:
        return []
    lines = ["", "### Capacity at SLO (open loop)", "",
             "The highest arrival rate each path serves with p99 ≤ 100 ms, searched by bisection: the lowest rate "
             "(10 % of the path's closed-loop req/s) first, then each next rate the geometric mean of the highest "
             "that met the SLO and the lowest that missed it (the closed-loop req/s, untried, to begin with). Each "
             f"step: a Poisson process at that rate over {next(iter(capacity.values()))['steps'][0]['connections']} "
             "connections; an arrival that finds its connection busy waits, and its latency counts from the moment "
             "it arrived (`bench/paced.py`, no coordinated omission). Waited = arrival to the request being sent; "
             "server CPU as above (the mix's includes the RQ worker's PostgreSQL work); client CPU = the "
             "generator's own (Python, uvloop).", "",
             "| path | capacity at SLO, arrivals/s | of its closed-loop req/s |", "|---|---|---|"]
    for search in capacity.values():
        lines.append(f"| {search['steps'][0]['name']} | {rate_found(search)} | {search['rate'] / search['high']:.0%} |")
    lines += ["", "| path | arrivals/s | meets SLO | answered/s | p50 ms | p95 ms | p99 ms | max ms | errors | "
              "waited p99 ms | served in p50 / p99 ms | server CPU ms/req | client CPU ms/req | box busy / steal % |",
              "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for search in capacity.values():
        for row in search["steps"]:
            errors = row["errors"] if not row["error_detail"] else f"{row['errors']} {row['error_detail']}"
            lines.append(f"| {row['name']} | {row['offered_rps']:.0f} | {'✅' if row['meets_slo'] else '❌'} | "
                         f"{row['rps']:.0f} | {row['p50_ms']:.1f} | {row['p95_ms']:.1f} | {row['p99_ms']:.1f} | "
                         f"{row['max_ms']:.1f} | {errors} | {row['send_lag_p99_ms']:.1f} | {_served(row)} | "
                         f"{row.get('cpu_ms_per_request', '–')} | {row['client_cpu_ms_per_request']} | {_box(row)} |")
    return lines


def _box(row):
    box = row.get("box")
    return f"{box['busy_pct']:.0f} / {box['steal_pct']:.0f}" if box else "–"


def _served(row):
    served = row.get("server_ms")
    return f"{served['p50']} / {served['p99']}" if served else "–"


def _ai(results):
    lines = []
    if "ai_overhead" in results:
        o = results["ai_overhead"]
        lines += ["", "### AI reply overhead", "",
                  f"{o['samples']} visitors one after another, 1 RQ worker; overhead = reply visible in a poll − "
                  f"{o['llm_latency_ms']:.0f} ms LLM latency (polled every {o['poll_interval_ms']:.0f} ms); "
                  "server side = BOT message stored − USER message stored − LLM latency.", "",
                  "| | p50 ms | p95 ms | max ms |", "|---|---|---|---|",
                  f"| visible to the visitor | {o['visible']['p50']} | {o['visible']['p95']} | {o['visible']['max']} |",
                  f"| server side | {o['server']['p50']} | {o['server']['p95']} | {o['server']['max']} |"]
        if o.get("first_words"):
            w = o["first_words"]
            lines.append(f"| first words shown, from asking ({o['drafts_seen']} of {o['samples']} as a draft) | "
                         f"{w['p50']} | {w['p95']} | {w['max']} |")
    if results.get("ai_peak"):
        lines += _peak(results["ai_peak"])
    return lines


def _polls(polls):
    """p50 / p99 / max ms of the visitors' polls, and those that failed (timed out, refused, not 200)."""
    failed = polls.get("failed") or {}
    text = f"{polls['p50_ms']} / {polls['p99_ms']} / {polls.get('max_ms', '–')}"
    return text + (" (failed: " + ", ".join(f"{why} {n}" for why, n in sorted(failed.items())) + ")" if failed else "")


def _seconds(summary):
    return f"{summary['p50']} / {summary['p95']} ({summary['n']})" if summary else "–"


def _peak(rows):
    lines = ["", "### AI at peak", "",
             "N visitors each send one message at the same moment (`POST /api/chat`, new conversations) and poll "
             "like the widget (`GET /api/chat/poll/<id>?after=<their message>` every 0.5 s) until the reply shows. "
             f"The worker is render.yaml's command (`{rows[0]['command']}`), alone on the queue, with "
             f"AI_CONCURRENCY={rows[0]['ai_concurrency']}. Replies/s = replies ÷ (last BOT message stored − first "
             "USER message stored); capacity rule = AI_CONCURRENCY ÷ the LLM's time per answer (first token + "
             "the stream, when the app asked for one). Times are seconds from the visitor's POST (p50 / p95, and "
             "how many visitors saw one); server side = BOT stored − USER stored. Exactly once is counted in the "
             "database after the queue and the LLM went quiet: one BOT message per USER message. Worker memory: "
             "the largest simultaneous RSS / PSS of its process tree (parent + children, psutil every 250 ms).", "",
             "| LLM first token | visitors | replies/s | capacity rule | messages / missing / doubled | written by | "
             "first draft s | reply s | first words s | server side s | polls p50 / p99 / max ms | "
             "LLM calls (streamed, most at once) | worker CPU ms/reply | worker tree RSS / PSS MB |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        written = ", ".join(f"{k} {v}" for k, v in sorted(r["providers"].items())) or "–"
        errors = "; ".join(f"{k}: {v}" for k, v in r["visitor_errors"].items())
        lines.append(f"| {r['first_token_s'] * 1000:.0f} ms | {r['visitors']} | {r['replies_per_s']} | "
                     f"{r['capacity_rule']} | {r['messages']} / {r['missing']} / {r['doubled']} | {written} | "
                     f"{_seconds(r['draft_s'])} | {_seconds(r['reply_s'])}{f' ({errors})' if errors else ''} | "
                     f"{_seconds(r['first_words_s'])} | {_seconds(r['server_reply_s'])} | "
                     f"{_polls(r['polls'])} | {r['llm_calls']} ({r['streamed_calls']}, "
                     f"{r['llm_peak_in_flight']}) | {r['worker_cpu_ms_per_reply']} | "
                     f"{r['worker_rss_mb']} / {r['worker_pss_mb']} |")
    if all(r.get("cpu_s") for r in rows):
        lines += ["", "Where the CPU went while the visitors waited (CPU seconds; the harness = the visitors' client, "
                  "the stub LLM and the memory sampling, one Python process; both cores give 2 s per second):", "",
                  "| LLM first token | visitors waited s | web tree | PostgreSQL | worker | harness | box busy / "
                  "steal % |", "|---|---|---|---|---|---|---|"]
        lines += [f"| {r['first_token_s'] * 1000:.0f} ms | {r['wall_seconds']} | {r['cpu_s']['web']} | "
                  f"{r['cpu_s']['postgresql']} | {r['cpu_s']['worker']} | {r['cpu_s']['harness']} | {_box(r)} |"
                  for r in rows]
    return lines


def _memory(results):
    memory = results.get("memory")
    if not memory:
        return []
    lines = ["", "### Peak memory", "", "| process | peak RSS MB | peak PSS MB |", "|---|---|---|"]
    children = {}
    for row in memory["processes"]:
        if row["kind"] == "child" and row["role"] != "web":
            children[row["role"]] = max(children.get(row["role"], row), row, key=lambda r: r["rss_mb"])
            continue
        name = f"{row['role']} {'gunicorn worker' if row['kind'] == 'child' else row['kind']} (pid {row['pid']})"
        lines.append(f"| {name} | {row['rss_mb']} | {row['pss_mb']} |")
    lines += [f"| {role} largest child (work-horse/scheduler) | {row['rss_mb']} | {row['pss_mb']} |"
              for role, row in children.items()]
    for role, peak in memory["roles"].items():
        if role in ("web", "rq-worker-1"):
            lines.append(f"| **{role}, whole tree at its peak** | **{peak['rss_mb']}** | **{peak['pss_mb']}** |")
    lines.append(f"| **web + one RQ worker** | **{memory['total_rss_mb']}** | **{memory['total_pss_mb']}** |")
    return lines


def write(path, results, command):
    """Replace the results block of docs/performance.md (other sections are left as they are)."""
    path = Path(path)
    text = path.read_text() if path.exists() else ""
    block = markdown(results, command)
    if BEGIN in text and END in text:
        text = re.sub(re.escape(BEGIN) + ".*?" + re.escape(END), lambda _m: block, text, flags=re.S)
    else:
        text = text.rstrip() + "\n\n## Latest results\n\n" + block + "\n"
    path.write_text(text)
