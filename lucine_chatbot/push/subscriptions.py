"""Operators' devices subscribed to Web Push: which push services an endpoint may point at, valid keys, the alerts
each device wants (by role), and subscribing, re-subscribing and unsubscribing."""
import ipaddress
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy.exc import IntegrityError

from lucine_chatbot.extensions import db
from lucine_chatbot.models import PushSubscription, utcnow
from lucine_chatbot.platform.errors import ValidationError
from lucine_chatbot.push import vapid

CHAT_ASSIGNED, CHAT_WAITING, VISITOR_MESSAGE, SLA_BREACHED = ("chat_assigned", "chat_waiting", "visitor_message",
                                                              "sla_breached")
OPERATOR_EVENTS = (CHAT_ASSIGNED, CHAT_WAITING, VISITOR_MESSAGE)
ADMIN_EVENTS = OPERATOR_EVENTS + (SLA_BREACHED,)


def allowed_events(operator):
    return ADMIN_EVENTS if operator.is_admin else OPERATOR_EVENTS


def is_loopback(host):
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def host_listed(host, patterns):
    host = host.lower().rstrip(".")
    for pattern in (p.strip().lower() for p in patterns):
        if host == pattern or (pattern.startswith("*.") and host.endswith(pattern[1:])):
            return True
    return False


def check_endpoint(endpoint, patterns):
    """The endpoint must be https on a known push service (PUSH_SERVICE_HOSTS); http only for a listed loopback
    host. Anything else would make the worker POST wherever a caller likes."""
    try:
        parts = urlsplit(endpoint)
        host = parts.hostname or ""
        secure = parts.scheme == "https" or (parts.scheme == "http" and is_loopback(host))
        known = secure and host and host_listed(host, patterns) and not (parts.username or parts.password)
    except ValueError:  # e.g. a malformed IPv6 host
        known = False
    if not known:
        raise ValidationError("The endpoint is not on a known push service.",
                              fields={"endpoint": "not on a known push service"})


def check_keys(p256dh, auth):
    fields = {}
    if not vapid.valid_public_point(p256dh):
        fields["keys.p256dh"] = "must be the base64url P-256 public key of the subscription"
    try:
        auth_ok = len(vapid.b64url_decode(auth)) == 16
    except ValueError:
        auth_ok = False
    if not auth_ok:
        fields["keys.auth"] = "must be the base64url 16-byte authentication secret"
    if fields:
        raise ValidationError("The subscription keys are not valid.", fields=fields)


def check_events(operator, events):
    allowed = allowed_events(operator)
    unknown = [name for name in events if name not in allowed]
    if unknown:
        raise ValidationError(f"Unknown or not allowed alerts: {', '.join(unknown)}.",
                              fields={"events": f"allowed: {', '.join(allowed)}"})
    return [name for name in allowed if name in events]  # one order, no duplicates


def device_label(user_agent):
    """A label like "Chrome · Android" from a User-Agent: enough for her to tell her devices apart."""
    ua = user_agent or ""
    browsers = (("Edg/", "Edge"), ("SamsungBrowser", "Samsung Internet"), ("Firefox", "Firefox"),
                ("OPR/", "Opera"), ("Chrome", "Chrome"), ("Safari", "Safari"))
    systems = (("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"), ("Windows", "Windows"),
               ("Mac OS X", "Mac"), ("Linux", "Linux"))
    browser = next((name for token, name in browsers if token in ua), None)
    system = next((name for token, name in systems if token in ua), None)
    return " · ".join(part for part in (browser, system) if part) or None


def list_subscriptions(operator_id):
    return (db.session.query(PushSubscription).filter(PushSubscription.operator_id == operator_id)
            .order_by(PushSubscription.id).all())


def subscribe(operator, endpoint, p256dh, auth, events=None, user_agent=None):
    """Store (or take over, or update) the device's subscription for `operator`; commits.

    Without `events`, a device she already had keeps its alerts; a new one, or one taken over from a
    colleague, gets every alert her role allows.
    """
    check_endpoint(endpoint, current_app.config["PUSH_SERVICE_HOSTS"])
    check_keys(p256dh, auth)
    if events is not None:
        events = check_events(operator, events)
    try:
        return _store(operator, endpoint, p256dh, auth, events, device_label(user_agent))
    except IntegrityError:  # the same device subscribed twice at once: the other request inserted the row
        db.session.rollback()
        return _store(operator, endpoint, p256dh, auth, events, device_label(user_agent))


def _store(operator, endpoint, p256dh, auth, events, device):
    allowed = allowed_events(operator)
    row = db.session.query(PushSubscription).filter(PushSubscription.endpoint == endpoint).with_for_update() \
        .one_or_none()
    if events is None:
        kept = row.events if row is not None and row.operator_id == operator.id else None
        events = list(allowed) if kept is None else [name for name in allowed if name in kept]
    if row is None:
        row = PushSubscription(endpoint=endpoint, created_at=utcnow())
    row.operator_id, row.p256dh, row.auth, row.events, row.device = operator.id, p256dh, auth, events, device
    db.session.add(row)
    db.session.commit()
    return row


def unsubscribe(operator_id, endpoint):
    """Forget her device; someone else's subscription or an unknown one is left alone (still a success)."""
    db.session.query(PushSubscription).filter(PushSubscription.endpoint == endpoint,
                                              PushSubscription.operator_id == operator_id).delete()
    db.session.commit()
