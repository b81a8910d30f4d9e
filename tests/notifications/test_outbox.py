"""The notification outbox: owed in the use case's commit, sent once by a job or the drain, marked, retried, given up."""
import threading
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from lucine_chatbot.extensions import db
from lucine_chatbot.jobs import notify
from lucine_chatbot.jobs.schedule import periodic_jobs
from lucine_chatbot.models import OutboxMessage, OutboxStatus, utcnow
from lucine_chatbot.notifications import outbox, webhooks
from lucine_chatbot.platform import dispatch
from lucine_chatbot.tickets import intake
from tests.support.receivers import HttpServer, SmtpServer

NOW = datetime(2026, 12, 12, 18, 0)


@pytest.fixture
def smtp(app, monkeypatch):
    with SmtpServer() as server:
        for key, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": server.port, "SMTP_STARTTLS": False,
                           "MAIL_FROM": "info@lucinedinatale.test", "ADMIN_ALERT_EMAILS": ["boss@example.com"],
                           "PUBLIC_BASE_URL": "https://chat.example.com"}.items():
            monkeypatch.setitem(app.config, key, value)
        yield server


def rows(kind=None):
    db.session.expire_all()
    query = db.session.query(OutboxMessage).order_by(OutboxMessage.id)
    return query.filter_by(kind=kind).all() if kind else query.all()


def owe_without_a_job(kind, **fields):
    """A committed row whose enqueue was lost (a crash right after the commit): no ORM object, so no job."""
    now = utcnow()
    values = {"kind": kind, "payload": {}, "status": OutboxStatus.PENDING, "attempts": 0, "created_at": now,
              "next_attempt_at": now - timedelta(seconds=1), **fields}
    row_id = db.session.execute(sa.insert(OutboxMessage).values(**values).returning(OutboxMessage.id)).scalar_one()
    db.session.commit()
    return row_id


def a_ticket(email="ana@example.com"):
    ticket, _ = intake.create_ticket_from_visitor("Aiuto", "EMAIL", email=email, now=NOW)
    return ticket


def test_a_confirmation_is_owed_in_the_ticket_commit_and_marked_delivered_without_its_nonce(smtp, run_jobs):
    ticket = a_ticket()
    run_jobs()
    [row] = rows("ticket_confirmation")
    assert (row.status, row.channel, row.attempts) == (OutboxStatus.DELIVERED, "email", 1)
    assert row.delivered_at is not None and row.payload == {"ticketId": ticket.id}
    assert notify.deliver_notification(row.id) is None
    assert len(smtp.messages) == 1


def test_in_process_mode_sends_right_after_the_commit(app, smtp):
    if dispatch.mode(app) == "rq":
        pytest.skip("jobs run on a worker when Redis is configured")
    a_ticket()
    assert len(smtp.messages) == 1 and rows()[0].status == OutboxStatus.DELIVERED


def test_a_rolled_back_use_case_owes_nothing(app, run_jobs):
    outbox.add("breach_alert", ticketId=1)
    db.session.rollback()
    run_jobs()
    assert rows() == []


def test_a_savepoint_rolled_back_inside_a_committed_use_case_keeps_what_was_owed_before_it(smtp, run_jobs):
    ticket = a_ticket()
    run_jobs()
    smtp.messages.clear()
    outbox.add("breach_alert", ticketId=ticket.id)
    savepoint = db.session.begin_nested()
    outbox.add("breach_alert", ticketId=ticket.id)
    db.session.flush()
    savepoint.rollback()
    db.session.commit()
    run_jobs()
    assert [row.status for row in rows("breach_alert")] == [OutboxStatus.DELIVERED]
    assert len(smtp.messages) == 1


def test_a_lost_enqueue_is_sent_by_the_drain_once(smtp):
    ticket = a_ticket()
    smtp.messages.clear()
    row_id = owe_without_a_job("breach_alert", payload={"ticketId": ticket.id})
    assert outbox.drain() == 1
    assert outbox.drain() == 0
    [alert] = smtp.messages
    assert alert["to"] == ["boss@example.com"] and ticket.number in alert["subject"]
    assert db.session.get(OutboxMessage, row_id).status == OutboxStatus.DELIVERED


def test_the_drain_leaves_a_fresh_row_to_its_job(smtp):
    owe_without_a_job("breach_alert", payload={"ticketId": a_ticket().id},
                      next_attempt_at=utcnow() + outbox.FIRST_ATTEMPT_GRACE)
    assert outbox.drain() == 0


def test_a_row_another_worker_is_sending_is_not_sent_again(smtp):
    row_id = owe_without_a_job("breach_alert", payload={"ticketId": a_ticket().id})
    smtp.messages.clear()
    assert outbox.claim(row_id)
    assert outbox.deliver(row_id) is None and outbox.drain() == 0
    assert smtp.messages == []


def test_a_crashed_workers_claim_lapses_and_the_drain_sends_the_row(smtp):
    row_id = owe_without_a_job("breach_alert", payload={"ticketId": a_ticket().id}, attempts=1,
                               claimed_until=utcnow() - timedelta(seconds=1))
    smtp.messages.clear()
    assert outbox.drain() == 1
    assert len(smtp.messages) == 1 and db.session.get(OutboxMessage, row_id).attempts == 2


def test_a_failing_row_is_given_up_after_the_last_attempt(app, monkeypatch, run_jobs):
    for key, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": 1, "MAIL_FROM": "a@example.com"}.items():
        monkeypatch.setitem(app.config, key, value)
    ticket = a_ticket()
    run_jobs()
    [row] = rows("ticket_confirmation")
    assert (row.status, row.attempts) == (OutboxStatus.PENDING, 1)
    db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == row.id).values(
        attempts=outbox.MAX_ATTEMPTS - 1, next_attempt_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert outbox.drain() == 1
    [row] = rows("ticket_confirmation")
    assert row.status == OutboxStatus.FAILED and "SMTP delivery" in row.last_error
    assert row.payload == {"ticketId": ticket.id}, "the nonce is forgotten with the row"
    assert outbox.drain() == 0


def test_a_row_whose_last_attempt_never_reported_is_given_up(app):
    row_id = owe_without_a_job("breach_alert", attempts=outbox.MAX_ATTEMPTS,
                               claimed_until=utcnow() - timedelta(seconds=1))
    outbox.drain()
    assert db.session.get(OutboxMessage, row_id).status == OutboxStatus.FAILED


def test_finished_rows_are_forgotten_after_a_week_and_pending_ones_kept(app):
    old = utcnow() - timedelta(days=outbox.KEEP_DAYS + 1)
    done = owe_without_a_job("breach_alert", status=OutboxStatus.DELIVERED, created_at=old)
    pending = owe_without_a_job("breach_alert", created_at=old, next_attempt_at=utcnow() + timedelta(hours=1))
    outbox.tidy()
    assert [row.id for row in rows()] == [pending] and done != pending


def test_the_drain_is_a_periodic_job_every_30_seconds():
    jobs = {job.name: job for job in periodic_jobs({"SWEEP_INTERVAL_SECONDS": 60})}
    assert jobs["outbox"].func == "lucine_chatbot.jobs.notify:drain_outbox" and jobs["outbox"].interval == 30
    assert jobs["outbox"].interval <= outbox.RETRY_BACKOFF[0]


@pytest.mark.postgres_only
@pytest.mark.real_db
def test_workers_racing_for_one_row_send_it_once(app, monkeypatch):
    with HttpServer(status=200) as hooks:
        monkeypatch.setitem(app.config, "WEBHOOK_SECRET", "s")
        row_id = owe_without_a_job("webhook", payload={"url": hooks.url, "event": webhooks.new_event(
            "chat_started", {}, "2026-12-12T18:00:00.000Z")})
        barrier = threading.Barrier(8)

        def deliver():
            with app.app_context():
                db.session.connection()
                barrier.wait(timeout=10)
                outbox.deliver(row_id)
                db.session.remove()

        threads = [threading.Thread(target=deliver) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert len(hooks.requests) == 1
        assert db.session.get(OutboxMessage, row_id).status == OutboxStatus.DELIVERED
