"""The notification outbox: a use case owes a notification by adding a row to its own transaction; a job sends it
after commit and marks it, and a periodic drain sends whatever no job did (a lost enqueue, a crash, a retry).

A row is claimed (a conditional UPDATE, committed) before it is sent and marked DELIVERED right after, so a job
that runs twice, a retry and the drain never send it twice. Only a crash between sending and marking can: the
claim lapses after CLAIM_SECONDS and the drain sends again (webhooks carry an event id for that case).
"""
import logging
import time
from datetime import timedelta

import sqlalchemy as sa
from flask import has_app_context

from lucine_chatbot.extensions import db
from lucine_chatbot.models import OutboxMessage, OutboxStatus, utcnow
from lucine_chatbot.notifications.base import DeliveryError
from lucine_chatbot.platform import dispatch
from lucine_chatbot.platform.database import listen_on_every_session

logger = logging.getLogger(__name__)
S = OutboxStatus
PENDING_KEY = "lucine_outbox_pending"
READY_KEY = "lucine_outbox_ready"
# The job enqueued after commit sends a new row at once; the drain leaves it alone that long first.
FIRST_ATTEMPT_GRACE = timedelta(seconds=60)
# Seconds to wait after the 1st, 2nd, … failed attempt: a mail server or Twilio hiccup heals in minutes, an
# outage in an hour. The drain runs every 30 s, so the shortest wait is kept.
RETRY_BACKOFF = (30, 120, 600, 1800)
MAX_ATTEMPTS = len(RETRY_BACKOFF) + 1
CLAIM_SECONDS = 120  # longer than a delivery job's timeout: only a crashed worker's claim lapses
DRAIN_BATCH = 50
DRAIN_BUDGET_SECONDS = 240  # under the drain job's timeout
KEEP_DAYS = 7  # sent, skipped and failed rows are kept this long (the SMS cap counts today's)
SECRET_FIELDS = ("nonce",)  # what a delivered row no longer needs (the resume token is derived from it)
# What each kind of row sends, by import path: the senders compose from the domains that owe rows through this
# module (tickets, automated texts, phone limits, webhooks), so it names them rather than importing them.
SENDERS = {kind: f"lucine_chatbot.notifications.deliveries:send_{kind}" for kind in (
    "ticket_confirmation", "public_note", "breach_alert", "sms_cap_alert", "webhook")}


def add(kind, **payload):
    """Owe one notification of `kind`; it leaves once the caller commits, and never if it rolls back.

    `payload` is JSON of ids and values the sender re-loads from; never a resume token or a contact address.
    """
    install()
    now = utcnow()
    row = OutboxMessage(kind=kind, payload=payload, status=S.PENDING, attempts=0, created_at=now,
                        next_attempt_at=now + FIRST_ATTEMPT_GRACE)
    db.session.add(row)
    return row


# --- delivery ------------------------------------------------------------------------------------------------


def deliver(row_id):
    """Send row `row_id` unless it is sent, given up or being sent; safe to run twice.

    Returns the row's status after this call, or None when there was nothing for this call to do.
    """
    if not claim(row_id):
        return None
    row = db.session.get(OutboxMessage, row_id)
    try:
        channel = sender(row.kind)(row)
    except DeliveryError as exc:
        db.session.rollback()
        return record_failure(row_id, str(exc))
    return record_success(row, channel)


def sender(kind):
    return dispatch.resolve(SENDERS[kind])


def claim(row_id):
    """Take row `row_id` for CLAIM_SECONDS, counting the attempt; committed, so the claim shows to every worker.

    On PostgreSQL a concurrent claim waits for this one's commit, then re-reads the row and finds it taken.
    """
    now = utcnow()
    result = db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.id == row_id, OutboxMessage.status == S.PENDING,
               OutboxMessage.attempts < MAX_ATTEMPTS,
               sa.or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now))
        .values(claimed_until=now + timedelta(seconds=CLAIM_SECONDS), attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return result.rowcount == 1


def record_success(row, channel):
    """Sent on `channel` (DELIVERED), or nothing to send (SKIPPED, `last_error` says why). Commits."""
    row.status = S.DELIVERED if channel else S.SKIPPED
    row.channel, row.delivered_at, row.claimed_until = channel, utcnow(), None
    row.payload = {key: value for key, value in row.payload.items() if key not in SECRET_FIELDS}
    db.session.commit()
    return row.status


def record_failure(row_id, error):
    """The channel failed: try again after the backoff, or give up after MAX_ATTEMPTS. Commits."""
    row = db.session.get(OutboxMessage, row_id)
    row.last_error, row.claimed_until = error[:1000], None
    if row.attempts >= MAX_ATTEMPTS:
        row.status = S.FAILED
        row.payload = {key: value for key, value in row.payload.items() if key not in SECRET_FIELDS}
        logger.error("notification %s (%s) given up after %s attempts: %s", row.id, row.kind, row.attempts, error)
    else:
        row.next_attempt_at = utcnow() + timedelta(seconds=RETRY_BACKOFF[row.attempts - 1])
        logger.warning("notification %s (%s) failed, attempt %s: %s", row.id, row.kind, row.attempts, error)
    db.session.commit()
    return row.status


# --- the periodic drain ---------------------------------------------------------------------------------------


def due_ids(now, limit=DRAIN_BATCH):
    return db.session.scalars(
        sa.select(OutboxMessage.id)
        .where(OutboxMessage.status == S.PENDING, OutboxMessage.next_attempt_at <= now,
               OutboxMessage.attempts < MAX_ATTEMPTS,
               sa.or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now))
        .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id).limit(limit)).all()


def drain(budget_seconds=DRAIN_BUDGET_SECONDS):
    """Send what is due and no job sent (lost enqueue, crashed worker, retry time come); returns how many."""
    ids = due_ids(utcnow())
    db.session.commit()
    started, sent = time.monotonic(), 0
    for row_id in ids:
        if time.monotonic() - started > budget_seconds:
            break
        if deliver(row_id) is not None:
            sent += 1
    tidy()
    return sent


def tidy():
    """Give up rows whose last claim lapsed without a word (a worker died on the last attempt); forget old rows."""
    now = utcnow()
    db.session.execute(
        sa.update(OutboxMessage)
        .where(OutboxMessage.status == S.PENDING, OutboxMessage.attempts >= MAX_ATTEMPTS,
               OutboxMessage.claimed_until < now)
        .values(status=S.FAILED, payload={}, last_error="the last attempt never reported back")
        .execution_options(synchronize_session=False))
    db.session.execute(
        sa.delete(OutboxMessage)
        .where(OutboxMessage.status != S.PENDING, OutboxMessage.created_at < now - timedelta(days=KEEP_DAYS))
        .execution_options(synchronize_session=False))
    db.session.commit()


# --- after commit: one job per new row ---------------------------------------------------------------------


def _after_flush(session, _context):
    ids = [obj.id for obj in session.new if isinstance(obj, OutboxMessage)]
    if ids:
        session.info.setdefault(PENDING_KEY, []).extend(ids)


def _after_commit(session):
    """The transaction committed (not a savepoint: its rows are the outer one's): its rows are owed for good, and
    deliverable once it has fully ended (SQL is allowed again, which an in-process job needs)."""
    if not session.in_nested_transaction():
        session.info.setdefault(READY_KEY, []).extend(session.info.pop(PENDING_KEY, []))


def _after_transaction_end(session, transaction):
    """The outermost transaction ended: enqueue the committed rows; forget those it rolled back. A row of a
    savepoint rolled back inside a committed transaction gets a job that finds nothing to do."""
    if transaction.parent is not None:
        return
    session.info.pop(PENDING_KEY, None)
    ids = session.info.pop(READY_KEY, None)
    if not ids or not has_app_context():
        return
    for row_id in ids:
        dispatch.enqueue("deliver_notification", row_id)


def install():
    listen_on_every_session(("after_flush", _after_flush), ("after_commit", _after_commit),
                            ("after_transaction_end", _after_transaction_end))
