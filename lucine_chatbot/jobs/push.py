"""Web Push jobs: one per alert decides who gets it (from what is committed now), then one retried delivery
per device, so a retry never pushes twice to the devices that already got it."""
import logging
import time

from lucine_chatbot.extensions import db
from lucine_chatbot.models import PushSubscription, utcnow
from lucine_chatbot.platform.dispatch import enqueue, job
from lucine_chatbot.push import alerts, vapid, webpush

logger = logging.getLogger(__name__)
# Live events matter for a few minutes: after OPERATOR_REPLY_TIMEOUT_SECONDS the chat is requeued anyway.
LIVE = {"ttl": 120, "urgency": "high"}
SLA = {"ttl": 6 * 3600, "urgency": "normal"}
DELIVERY_BACKOFF = (5, 15, 45)
ALERT = {"queue": "default", "timeout": 60, "retries": 2, "retry_interval": (10, 30)}
DELIVERY = {"queue": "default", "timeout": 30, "retries": len(DELIVERY_BACKOFF), "retry_interval": DELIVERY_BACKOFF}


@job(**ALERT)
def push_chat_assigned(session_id, operator_id):
    return fan_out(alerts.assigned_alert(session_id, operator_id), LIVE)


@job(**ALERT)
def push_chat_waiting(session_id):
    return fan_out(alerts.waiting_alert(session_id), LIVE)


@job(**ALERT)
def push_visitor_message(session_id):
    return fan_out(alerts.visitor_message_alert(session_id), LIVE)


@job(**ALERT)
def push_ticket_overdue(ticket_id):
    return fan_out(alerts.overdue_alert(ticket_id), SLA)


def fan_out(alert, options):
    """Enqueue one delivery per subscribed device; returns how many."""
    if alert is None:
        return 0
    payload, subscriptions = alert
    ids = [subscription.id for subscription in subscriptions]
    for subscription_id in ids:
        enqueue(deliver_push, subscription_id, payload, options["ttl"], options["urgency"], time.time())
    return len(ids)


@job(**DELIVERY)
def deliver_push(subscription_id, payload, ttl, urgency, created_at):
    """Send one encrypted, VAPID-signed push; a subscription the push service calls gone is deleted."""
    if time.time() - created_at > ttl:
        return "expired"  # the push service would drop it too; a retry past its TTL only adds noise
    signer = vapid.keys()
    subscription = db.session.get(PushSubscription, subscription_id)
    if subscription is None:
        return "unsubscribed"
    try:
        status = webpush.send(subscription, payload, signer, vapid.subject(), ttl, urgency)
    except webpush.SubscriptionGone as gone:
        logger.info("push subscription %s is gone (HTTP %s): deleted", subscription_id, gone)
        db.session.delete(subscription)
        db.session.commit()
        return "deleted"
    if status < 300:
        subscription.last_success_at = utcnow()
        db.session.commit()
    return status
