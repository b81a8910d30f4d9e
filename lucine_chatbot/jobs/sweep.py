"""The periodic sweep job: inactivity, queue and SLA rules (services.timeouts)."""
from ..services import timeouts
from .dispatch import job


@job(queue="default", timeout=120)
def run_sweep():
    return timeouts.sweep()
