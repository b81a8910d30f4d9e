"""The periodic sweep job: inactivity, queue and SLA rules (chats.sweep)."""
from lucine_chatbot.chats import sweep
from lucine_chatbot.platform.dispatch import job


@job(queue="default", timeout=120)
def run_sweep():
    return sweep.sweep()
