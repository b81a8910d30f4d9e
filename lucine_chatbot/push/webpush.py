"""Web Push delivery (RFC 8291 aes128gcm payload, RFC 8292 VAPID) through pywebpush, and what an answer means."""
import json
import logging

from lucine_chatbot.notifications.base import DeliveryError

logger = logging.getLogger(__name__)
HTTP_TIMEOUT_SECONDS = 10  # shorter than the delivery job's timeout (jobs/push.py)
GONE = (404, 410)          # RFC 8030 §7.3: the subscription expired or was unsubscribed; never retry it
RETRYABLE = (429, 500, 502, 503, 504)


class SubscriptionGone(Exception):
    """The push service no longer knows this subscription: delete it."""


def send(subscription, payload, vapid, subject, ttl, urgency):
    """Encrypt `payload` (a dict) for `subscription` and POST it; returns the push service's status.

    Raises SubscriptionGone (404/410), DeliveryError when a retry may succeed (429, 5xx, network), and
    returns the status of any other refusal after logging it (a retry would be refused the same way).
    """
    # Imported here: pywebpush brings requests and aiohttp (~15 MB), which the worker needs only once a push
    # is sent, not for the AI replies it spends its evenings on.
    from pywebpush import WebPushException, webpush

    info = {"endpoint": subscription.endpoint, "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth}}
    data = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    try:
        # A new claims dict each time: pywebpush writes `aud` (this endpoint's origin) and `exp` into it.
        response = webpush(info, data, vapid_private_key=vapid, vapid_claims={"sub": subject}, ttl=ttl,
                           headers={"Urgency": urgency}, timeout=HTTP_TIMEOUT_SECONDS)
    except WebPushException as exc:
        return _refused(subscription, exc)
    except OSError as exc:  # requests' ConnectionError and Timeout are OSErrors
        raise DeliveryError(f"push service unreachable for subscription {subscription.id}: {exc}") from exc
    return response.status_code


def _refused(subscription, exc):  # exc: pywebpush.WebPushException
    status = exc.response.status_code if exc.response is not None else None
    if status in GONE:
        raise SubscriptionGone(status)
    if status is None or status in RETRYABLE:
        raise DeliveryError(f"push to subscription {subscription.id} failed ({status}): {exc.message}") from exc
    logger.warning("push service refused subscription %s with HTTP %s; not retried", subscription.id, status)
    return status
