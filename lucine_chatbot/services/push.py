"""Web Push for operators (SPEC §8, issue 23): their devices' subscriptions, what each alert says and who gets
it, and the one-line hooks the use cases call.

A hook (`chat_assigned`, `chat_waiting`, `visitor_message`, `ticket_overdue`) only remembers the alert in the
caller's transaction; it is enqueued once that transaction commits, and dropped if it rolls back (the pattern
of services/notifications/webhooks.py). The jobs (jobs/push.py) re-load everything and decide then.
"""
import ipaddress
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy.exc import IntegrityError

from ..errors import ValidationError
from ..extensions import db
from ..models import ChatSession, ChatStatus, Message, Operator, PushSubscription, Sender, Ticket, utcnow
from . import assignment, presence, vapid

CHAT_ASSIGNED, CHAT_WAITING, VISITOR_MESSAGE, SLA_BREACHED = ("chat_assigned", "chat_waiting", "visitor_message",
                                                              "sla_breached")
OPERATOR_EVENTS = (CHAT_ASSIGNED, CHAT_WAITING, VISITOR_MESSAGE)
ADMIN_EVENTS = OPERATOR_EVENTS + (SLA_BREACHED,)
EXCERPT_LENGTH = 100
PENDING_KEY, READY_KEY = "lucine_push_pending", "lucine_push_ready"


# --- subscriptions ----------------------------------------------------------------------------------------


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


# --- hooks: one call from each use case; enqueued after its commit ---------------------------------------


def chat_assigned(session, operator, via):
    """The chat was given to `operator` (not when she took it herself: she is looking at it)."""
    if via != "take":
        _after_commit("push_chat_assigned", session.id, operator.id)


def chat_waiting(session):
    _after_commit("push_chat_waiting", session.id)


def visitor_message(session):
    _after_commit("push_visitor_message", session.id)


def ticket_overdue(ticket):
    _after_commit("push_ticket_overdue", ticket.id)


def _after_commit(job_name, *args):
    if not has_app_context():
        return
    install()
    db.session().info.setdefault(PENDING_KEY, []).append((job_name, args))


def _committed(session):
    session.info.setdefault(READY_KEY, []).extend(session.info.pop(PENDING_KEY, []))


def _rolled_back(session, *_args):
    session.info.pop(PENDING_KEY, None)


def _transaction_ended(session, transaction):
    """Enqueue once the transaction has fully ended: an inline job may use the session again."""
    if transaction.parent is not None or not session.info.get(READY_KEY) or not has_app_context():
        return
    ready = session.info.pop(READY_KEY)
    if session.query(PushSubscription.id).limit(1).scalar() is None:
        return  # nobody has a device subscribed: no job at all (the common case before the season starts)
    from ..jobs import dispatch
    from ..jobs import push as push_jobs

    for job_name, args in ready:
        dispatch.enqueue(getattr(push_jobs, job_name), *args)


def install():
    from . import listen_on_every_session

    listen_on_every_session(("after_commit", _committed), ("after_rollback", _rolled_back),
                            ("after_soft_rollback", _rolled_back), ("after_transaction_end", _transaction_ended))


# --- alerts: who gets which push, saying what --------------------------------------------------------------


def subscriptions_for(operator_ids, event):
    """Subscriptions of these operators that want `event` (filtered here: JSON containment differs by dialect)."""
    if not operator_ids:
        return []
    rows = db.session.query(PushSubscription).filter(PushSubscription.operator_id.in_(operator_ids)).all()
    return [row for row in rows if event in (row.events or [])]


def chat_url(session):
    return f"/dashboard/chats/{session.public_id}"


def excerpt(session):
    body = db.session.query(Message.body).filter(Message.session_id == session.id, Message.sender == Sender.USER) \
        .order_by(Message.id.desc()).limit(1).scalar()
    body = " ".join((body or "").split())
    return body if len(body) <= EXCERPT_LENGTH else body[:EXCERPT_LENGTH - 1] + "…"


def chat_payload(session, title):
    return {"title": title, "body": excerpt(session) or "Un visitatore chiede un operatore.",
            "url": chat_url(session), "tag": f"chat-{session.public_id}"}


def assigned_alert(session_id, operator_id):
    """(payload, subscriptions) for a chat still assigned to her, else None."""
    session = db.session.get(ChatSession, session_id)
    if (session is None or session.operator_id != operator_id
            or session.status not in assignment.OPERATOR_SIDE_STATUSES):
        return None
    return chat_payload(session, "Chat assegnata a te"), subscriptions_for([operator_id], CHAT_ASSIGNED)


def free_operator_ids():
    """Online, active operators below MAX_CHATS_PER_OPERATOR."""
    counts = assignment.open_counts_subquery()
    rows = (db.session.query(Operator.id).outerjoin(counts, counts.c.operator_id == Operator.id)
            .filter(Operator.is_online.is_(True), Operator.is_active.is_(True),
                    sa.func.coalesce(counts.c.n, 0) < assignment.capacity()).all())
    return [row.id for row in rows]


def waiting_alert(session_id):
    """(payload, subscriptions) while the chat still waits in the queue, for everyone who could take it."""
    session = db.session.get(ChatSession, session_id)
    if session is None or session.operator_id is not None or session.status != ChatStatus.WAITING_OPERATOR:
        return None
    return (chat_payload(session, "Chat in coda: puoi prenderla"),
            subscriptions_for(free_operator_ids(), CHAT_WAITING))


def visitor_message_alert(session_id):
    """(payload, subscriptions) for the chat's operator, unless a dashboard tab of hers is visible."""
    session = db.session.get(ChatSession, session_id)
    operator = session.operator if session is not None else None
    if operator is None or presence.dashboard_visible(operator.id):
        return None
    return (chat_payload(session, "Nuovo messaggio del visitatore"),
            subscriptions_for([operator.id], VISITOR_MESSAGE))


def overdue_alert(ticket_id):
    """(payload, subscriptions) for the active admins while the ticket is still past its SLA."""
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is None or not ticket.sla_breached or ticket.resolved_at is not None:
        return None
    admins = [row.id for row in db.session.query(Operator.id).filter(Operator.role == "ADMIN",
                                                                     Operator.is_active.is_(True))]
    payload = {"title": f"Ticket {ticket.number} oltre lo SLA", "body": (ticket.subject or "")[:EXCERPT_LENGTH],
               "url": f"/dashboard/tickets?breached=true&id={ticket.id}", "tag": f"ticket-{ticket.id}"}
    return payload, subscriptions_for(admins, SLA_BREACHED)
