"""The daily retention purge (services.retention), scheduled in jobs/schedule.py."""
from ..services import retention
from .dispatch import job


@job(queue="default", timeout=900)
def run_retention():
    return retention.purge()
