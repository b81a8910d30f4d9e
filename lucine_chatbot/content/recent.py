"""Small reads the assistant makes on every reply — the knowledge base's change stamp, the season plan, the
upcoming calendar overrides — kept per process for KB_RECHECK_SECONDS (docs/performance.md, "AI at peak").

An edit made by this process is seen at once (its writer calls `forget`); one made by another process (the
dashboard's web worker, for the RQ worker) within KB_RECHECK_SECONDS. 0 reads every time (the tests' setting).
"""
import time

from flask import current_app

_KEY = "lucine_recent"


def value(name, read):
    """`read()`, or what it returned less than KB_RECHECK_SECONDS ago in this app and process."""
    seconds = current_app.config["KB_RECHECK_SECONDS"]
    if seconds <= 0:
        return read()
    memo = current_app.extensions.setdefault(_KEY, {})
    now = time.monotonic()
    hit = memo.get(name)
    if hit is not None and hit[0] > now:
        return hit[1]
    result = read()
    memo[name] = (now + seconds, result)
    return result


def forget():
    """This process changed what the memo holds: the next read goes to the database."""
    current_app.extensions.pop(_KEY, None)
