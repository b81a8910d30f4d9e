"""The one-line push hooks the use cases call (`chat_assigned`, `chat_waiting`, `visitor_message`,
`ticket_overdue`): each only remembers the alert in the caller's transaction; it is enqueued once that transaction
commits, and dropped if it rolls back (the pattern of notifications/webhooks.py). The jobs (jobs/push.py)
re-load everything and decide then (push/alerts.py).
"""
from flask import has_app_context

from lucine_chatbot.extensions import db
from lucine_chatbot.models import PushSubscription
from lucine_chatbot.platform import dispatch
from lucine_chatbot.platform.database import listen_on_every_session

PENDING_KEY, READY_KEY = "lucine_push_pending", "lucine_push_ready"


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
    for job_name, args in ready:
        dispatch.enqueue(job_name, *args)


def install():
    listen_on_every_session(("after_commit", _committed), ("after_rollback", _rolled_back),
                            ("after_soft_rollback", _rolled_back), ("after_transaction_end", _transaction_ended))
