"""The daily retention purge (insights.retention), scheduled in jobs/schedule.py."""
from lucine_chatbot.insights import retention
from lucine_chatbot.platform.dispatch import job


@job(queue="default", timeout=900)
def run_retention():
    return retention.purge()
