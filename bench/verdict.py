"""The benchmark's targets checked against a run: [(target, measured, ok)] for the report."""
CAPACITY_AT_SLO = 0.25  # the widget mix's capacity at p99 ≤ 100 ms ≥ 25 % of the bare view's
OVERHEAD_P95_LIMIT_MS = 100
MEMORY_LIMIT_MB = 300
# AI at peak: with the LLM at 300 ms to the first token, 300 visitors at once get ≥ 40 replies/s,
# each exactly once, from a worker whose process tree stays ≤ 200 MB RSS; first words ≤ 1.5 s after asking.
PEAK_FIRST_TOKEN_S = 0.3
PEAK_REPLIES_PER_S = 40
PEAK_WORKER_RSS_MB = 200
FIRST_WORDS_S = 1.5


def checks(results):
    """[(target, measured, ok)] for every target of the issue."""
    load = results.get("load", {})
    out = []
    for key, label, target in (("poll", "poll", 0.35), ("new_visitor", "new-visitor message", 0.10)):
        if key in load:
            ratio = ratio_to_ceiling(results, load[key])
            cpu = cpu_ratio(load[key])
            measured = f"{ratio:.0%}" + (f" (server CPU per request: {cpu:.0%} of the ceiling's)" if cpu else "")
            out.append((f"{label} ≥ {target:.0%} of the ceiling's req/s", measured, ratio >= target))
    for row in load.values():
        out.append((f"{row['name']}: zero errors", str(row["errors"]), row["errors"] == 0))
    capacity = results.get("capacity", {})
    if "mixed" in capacity:
        out.append(_capacity_check(capacity))
    if "ai_overhead" in results:
        p95 = results["ai_overhead"]["visible"]["p95"]
        out.append((f"AI reply overhead p95 ≤ {OVERHEAD_P95_LIMIT_MS} ms", f"{p95:.1f} ms",
                    p95 <= OVERHEAD_P95_LIMIT_MS))
    memory = results.get("memory", {})
    if memory.get("total_rss_mb"):
        out.append((f"web workers + one RQ worker ≤ {MEMORY_LIMIT_MB} MB RSS", f"{memory['total_rss_mb']} MB",
                    memory["total_rss_mb"] <= MEMORY_LIMIT_MB))
    for row in results.get("ai_peak", []):
        out += _peak_checks(row)
    first_words = results.get("ai_overhead", {}).get("first_words")
    if first_words:
        out.append((f"first words of an answer (draft or reply) ≤ {FIRST_WORDS_S} s after asking, one visitor at a "
                    "time, p95", f"{first_words['p95'] / 1000:.2f} s", first_words["p95"] / 1000 <= FIRST_WORDS_S))
    return out


def _peak_checks(row):
    where = (f"AI at peak, {row['visitors']} visitors at once, LLM {row['first_token_s'] * 1000:.0f} ms to the "
             "first token")
    out = []
    if row["first_token_s"] == PEAK_FIRST_TOKEN_S:
        out.append((f"{where}: ≥ {PEAK_REPLIES_PER_S} replies/s",
                    f"{row['replies_per_s']} replies/s (capacity rule: {row['capacity_rule']})",
                    row["replies_per_s"] >= PEAK_REPLIES_PER_S))
    quiet = row.get("idle_before_count", True)  # a job still running could yet write a second reply
    out.append((f"{where}: every message answered exactly once",
                f"{row['messages']} messages, {row['missing']} missing, {row['doubled']} doubled"
                + ("" if quiet else " (counted while the worker was still busy: not conclusive)"),
                row["exactly_once"] and row["messages"] == row["visitors"] and quiet))
    out.append((f"{where}: the worker's process tree ≤ {PEAK_WORKER_RSS_MB} MB RSS", f"{row['worker_rss_mb']} MB",
                0 < row["worker_rss_mb"] <= PEAK_WORKER_RSS_MB))
    return out


def _capacity_check(capacity):
    mix, bare = capacity["mixed"], capacity.get("ceiling")
    target = (f"widget mix: capacity at SLO (highest arrival rate with p99 ≤ {mix['limit_ms']:.0f} ms, open loop) "
              f"≥ {CAPACITY_AT_SLO:.0%} of the bare view's")
    if not bare or not bare["rate"]:
        return target, f"{rate_found(mix)} arrivals/s; the bare view's: {rate_found(bare) if bare else '–'}", False
    ratio = mix["rate"] / bare["rate"]
    return target, f"{ratio:.0%} ({rate_found(mix)} of {rate_found(bare)} arrivals/s)", ratio >= CAPACITY_AT_SLO


def rate_found(search):
    """A capacity as found: "≥" when every rate tried met the SLO (the search's ceiling was the limit)."""
    return f"{'≥ ' if search['capped'] else ''}{search['rate']:.0f}"


def ratio_to_ceiling(results, row):
    return row["rps"] / (row.get("ceiling_rps") or results["ceiling"]["rps"])


def cpu_ratio(row):
    """Ceiling CPU per request ÷ scenario CPU per request: the req/s ratio a machine with idle cores would show."""
    if row.get("cpu_ms_per_request") and row.get("ceiling_cpu_ms_per_request"):
        return row["ceiling_cpu_ms_per_request"] / row["cpu_ms_per_request"]
    return None
