"""Where the deploy files are and what Render allows, for the deploy tests (and tests/api/insights/test_health.py)."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RENDER_CONNECTION_LIMIT = 100  # basic-256mb: every Render Postgres plan under 8 GB RAM
RESERVED_BY_POSTGRES = 10


def service(blueprint, kind):
    return next(s for s in blueprint["services"] if s["type"] == kind)


def env_of(entry, blueprint=None):
    """Env vars of a service, with those of its groups, as {key: spec}."""
    env = {}
    for var in entry["envVars"]:
        if "fromGroup" in var:
            group = next(g for g in blueprint["envVarGroups"] if g["name"] == var["fromGroup"])
            env.update({v["key"]: v for v in group["envVars"]})
        else:
            env[var["key"]] = var
    return env
