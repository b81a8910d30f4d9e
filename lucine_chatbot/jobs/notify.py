"""Notification jobs: each takes an outbox row id (never a token or an address), re-loads it, and sends it once.

Retries are the outbox's (`notifications.outbox.RETRY_BACKOFF`, picked up by the periodic drain), not RQ's: a row
knows whether it was sent, an RQ retry would not.
"""
from lucine_chatbot.notifications import outbox
from lucine_chatbot.platform.dispatch import job


@job(queue="default", timeout=60)
def deliver_notification(outbox_id):
    """Send one owed notification; a no-op when it is sent, given up or being sent by another worker."""
    return outbox.deliver(outbox_id)


@job(queue="default", timeout=300)
def drain_outbox():
    """Periodic (jobs/schedule.py): send what is due and no job sent, then forget old rows."""
    return outbox.drain()
