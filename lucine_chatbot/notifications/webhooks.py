"""Signed webhooks for chat and ticket events, owed through the outbox by the transaction that records them."""
import hashlib
import hmac
import json
import urllib.error
import urllib.request
import uuid

from flask import current_app, has_app_context

from lucine_chatbot.models import utcnow
from lucine_chatbot.notifications.base import DeliveryError
from lucine_chatbot.platform.clock import iso

HTTP_TIMEOUT_SECONDS = 10
SIGNATURE_HEADER = "X-Lucine-Signature"
EVENT_ID_HEADER = "X-Lucine-Event-Id"
EVENT_PREFIXES = ("chat_", "ticket_", "escalation_", "queue_", "operator_connected", "internal_note_added",
                  "data_deleted")


def sign(body, secret):
    """`sha256=<hex HMAC-SHA256 of the raw body>`: receivers recompute it over the bytes they got."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def new_event(event_type, data, occurred_at):
    """What the outbox keeps of an event: a unique `id` (the same on every retry and every URL, so a receiver
    can drop a duplicate) and when it happened; values made plain JSON, as the row stores them."""
    return {"id": str(uuid.uuid4()), "event": event_type, "data": json.loads(json.dumps(data, default=str)),
            "occurredAt": occurred_at}


def encode(event, timestamp):
    """The raw body of one attempt: the event and `timestamp`, the moment it was signed (so a receiver can refuse
    a replayed old body: the signature covers the timestamp)."""
    body = {"id": event["id"], "event": event["event"], "data": event["data"], "occurredAt": event["occurredAt"],
            "timestamp": timestamp}
    return json.dumps(body, separators=(",", ":"), ensure_ascii=False)


def post(url, body, secret, event_id=None):
    """POST one payload; any non-2xx or network failure raises DeliveryError (the outbox retries)."""
    raw = body.encode("utf-8")
    headers = {"Content-Type": "application/json", "User-Agent": "lucine-chatbot-webhooks/1"}
    if event_id:
        headers[EVENT_ID_HEADER] = event_id
    if secret:
        headers[SIGNATURE_HEADER] = sign(raw, secret)
    request = urllib.request.Request(url, data=raw, method="POST", headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"webhook {url} answered HTTP {exc.code}") from exc
    except OSError as exc:
        raise DeliveryError(f"webhook {url} unreachable: {exc}") from exc


def wanted(event_type):
    return event_type.startswith(EVENT_PREFIXES)


def track(session, event_type, session_public_id, operator_id, data):
    """Owe the event to every WEBHOOK_URLS entry: one outbox row per URL in `session`'s transaction, sent after
    its commit and dropped by its rollback."""
    if not (has_app_context() and current_app.config.get("WEBHOOK_URLS") and wanted(event_type)):
        return
    from lucine_chatbot.notifications import outbox

    event = new_event(event_type, dict(data, sessionId=session_public_id, operatorId=operator_id), iso(utcnow()))
    for url in current_app.config["WEBHOOK_URLS"]:
        outbox.add("webhook", url=url, event=event)


def deliver(url, event):
    """POST a stored event to `url`, stamped and signed now (with today's WEBHOOK_SECRET)."""
    body = encode(event, iso(utcnow()))
    return post(url, body, current_app.config.get("WEBHOOK_SECRET", ""), event.get("id"))
