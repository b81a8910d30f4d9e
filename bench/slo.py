"""Capacity at SLO: the highest open-loop arrival rate a path serves with p99 ≤ the limit, found by bisection.

The latency verdict is settled this way: a p99 read at a fixed fraction of the ceiling
measured this box's idle wake-ups as much as the app (docs/performance.md); the rate at which a path still
meets the SLO, as a ratio to the same figure for the bare view measured in the same run, says how much of the
box's latency budget the app leaves to visitors.
"""
import math
from dataclasses import dataclass, field

P99_LIMIT_MS = 100
LOW_FRACTION = 0.1  # the search's lowest rate, as a fraction of the path's closed-loop req/s
STEPS = 5           # bisection steps after the lowest rate: (1 / LOW_FRACTION) ** (1 / 2**STEPS) ≈ 7.5 % apart


def meets_slo(row, limit_ms=P99_LIMIT_MS):
    """Every arrival answered without error, and the 99th percentile (from arrival) within the limit."""
    return row["errors"] == 0 and row["requests"] > 0 and row["p99_ms"] <= limit_ms


@dataclass
class Search:
    """The steps tried, in order, and the highest rate that met the SLO (0 when even `low` missed it)."""
    low: float
    high: float
    limit_ms: float
    steps: list = field(default_factory=list)  # measured rows, each with "offered_rps" and "meets_slo"

    @property
    def rate(self):
        return max((row["offered_rps"] for row in self.steps if row["meets_slo"]), default=0.0)

    @property
    def capped(self):
        """True when every rate tried met the SLO: the capacity is at least `rate`, perhaps more."""
        return bool(self.steps) and all(row["meets_slo"] for row in self.steps)

    def as_dict(self):
        return {"rate": round(self.rate, 1), "low": round(self.low, 1), "high": round(self.high, 1),
                "limit_ms": self.limit_ms, "capped": self.capped, "steps": self.steps}


def search(measure, high, low=None, limit_ms=P99_LIMIT_MS, steps=STEPS, log=lambda _text: None):
    """`measure(rate)` runs the open-loop load at `rate` arrivals/s and returns its row (paced.run's as_dict plus
    anything). `high` is the path's closed-loop req/s: no open-loop rate above its throughput can be served with
    headroom, so it bounds the search from above untried. The lowest rate is tried first; if it misses the SLO the
    search stops there (capacity 0). Then geometric bisection: the next rate is the geometric mean of the highest
    rate that met the SLO and the lowest that missed it, so each step halves the ratio between them."""
    low = high * LOW_FRACTION if low is None else low
    found = Search(low, high, limit_ms)
    good, bad = low, high
    for index in range(steps + 1):
        rate = low if index == 0 else math.sqrt(good * bad)
        row = measure(rate)
        row = {**row, "offered_rps": rate, "meets_slo": meets_slo(row, limit_ms)}
        found.steps.append(row)
        log(f"  {rate:.0f} arrivals/s: p99 {row['p99_ms']:.1f} ms, {row['errors']} errors → "
            f"{'meets' if row['meets_slo'] else 'misses'} the SLO")
        if row["meets_slo"]:
            good = rate
        elif index == 0:
            break
        else:
            bad = rate
    return found
