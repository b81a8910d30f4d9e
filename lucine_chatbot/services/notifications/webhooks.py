"""Signed webhooks for chat and ticket events, sent only once the transaction that recorded them commits."""
import hashlib
import hmac
import json
import logging
import urllib.error
import urllib.request

from flask import current_app, has_app_context

from ...models import utcnow
from ...schemas.common import iso
from .base import DeliveryError

logger = logging.getLogger(__name__)
HTTP_TIMEOUT_SECONDS = 10
SIGNATURE_HEADER = "X-Lucine-Signature"
PENDING_KEY = "lucine_webhook_payloads"
READY_KEY = "lucine_webhook_ready"
EVENT_PREFIXES = ("chat_", "ticket_", "escalation_", "queue_", "operator_connected", "internal_note_added",
                  "data_deleted")


def sign(body, secret):
    """`sha256=<hex HMAC-SHA256 of the raw body>`: receivers recompute it over the bytes they got."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def encode(event_type, data, timestamp):
    return json.dumps({"event": event_type, "data": data, "timestamp": timestamp}, separators=(",", ":"),
                      ensure_ascii=False, default=str)


def post(url, body, secret):
    """POST one payload; any non-2xx or network failure raises DeliveryError (so the job retries)."""
    raw = body.encode("utf-8")
    headers = {"Content-Type": "application/json", "User-Agent": "lucine-chatbot-webhooks/1"}
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
    """Remember an event of `session`'s transaction; it goes out after commit, and is dropped on rollback."""
    if not (has_app_context() and current_app.config.get("WEBHOOK_URLS") and wanted(event_type)):
        return
    install()
    payload = dict(data, sessionId=session_public_id, operatorId=operator_id)
    session.info.setdefault(PENDING_KEY, []).append(encode(event_type, payload, iso(utcnow())))


def _after_commit(session):
    """Committed: the payloads become deliverable once the transaction has fully ended (SQL is allowed again,
    which an inline job may need)."""
    session.info.setdefault(READY_KEY, []).extend(session.info.pop(PENDING_KEY, []))


def _after_rollback(session, *_args):
    session.info.pop(PENDING_KEY, None)


def _after_transaction_end(session, transaction):
    if transaction.parent is not None or not session.info.get(READY_KEY) or not has_app_context():
        return
    bodies = session.info.pop(READY_KEY)
    from ...jobs import dispatch, notify

    for body in bodies:
        for url in current_app.config["WEBHOOK_URLS"]:
            dispatch.enqueue(notify.deliver_webhook, url, body)


def install():
    from .. import listen_on_every_session

    listen_on_every_session(("after_commit", _after_commit), ("after_rollback", _after_rollback),
                            ("after_soft_rollback", _after_rollback),
                            ("after_transaction_end", _after_transaction_end))
