"""Notifications reach local receivers: mails at an aiosmtpd server, Twilio calls and signed webhooks at an
HTTP server; channels without settings stay silent."""
import hashlib
import hmac
import json
import urllib.parse
from datetime import datetime, timedelta

import pytest

from lucine_chatbot import notifications
from lucine_chatbot.chats import sweep
from lucine_chatbot.extensions import db
from lucine_chatbot.insights import events
from lucine_chatbot.jobs import notify
from lucine_chatbot.models import OutboxMessage, OutboxStatus, utcnow
from lucine_chatbot.notifications import DeliveryError, outbox, webhooks
from lucine_chatbot.notifications.smtp import SmtpNotifier
from lucine_chatbot.tickets import desk, intake
from tests.support.receivers import HttpServer, SmtpServer

NOW = datetime(2026, 12, 12, 18, 0)
SECRET = "webhook-secret"


def outbox_rows(kind):
    db.session.expire_all()
    return db.session.query(OutboxMessage).filter_by(kind=kind).order_by(OutboxMessage.id).all()


def configure(app, monkeypatch, **settings):
    for key, value in settings.items():
        monkeypatch.setitem(app.config, key, value)


@pytest.fixture
def smtp(app, monkeypatch):
    with SmtpServer() as server:
        configure(app, monkeypatch, SMTP_HOST="127.0.0.1", SMTP_PORT=server.port, SMTP_STARTTLS=False,
                  MAIL_FROM="Lucine <info@lucinedinatale.test>", PUBLIC_BASE_URL="https://chat.example.com",
                  ADMIN_ALERT_EMAILS=["boss@example.com", "ops@example.com"])
        yield server


@pytest.fixture
def twilio(app, monkeypatch):
    with HttpServer(status=201) as server:
        configure(app, monkeypatch, TWILIO_ACCOUNT_SID="AC123", TWILIO_AUTH_TOKEN="tw-token",
                  TWILIO_WHATSAPP_FROM="+14155238886", TWILIO_SMS_FROM="+15005550006", TWILIO_API_BASE=server.url)
        yield server


@pytest.fixture
def hooks(app, monkeypatch):
    with HttpServer(status=200) as server:
        configure(app, monkeypatch, WEBHOOK_URLS=[server.url + "/lucine"], WEBHOOK_SECRET=SECRET)
        yield server


def test_visitor_gets_a_confirmation_mail_with_number_due_time_and_resume_link(smtp, run_jobs, make):
    chat = make.chat(language="en")
    ticket, token = intake.create_ticket_from_visitor("Lost my ticket", "EMAIL", email="ana@example.com",
                                                       session_public_id=chat.public_id, now=NOW)
    run_jobs()
    [mail] = smtp.messages
    assert mail["to"] == ["ana@example.com"] and ticket.number in mail["subject"]
    assert ticket.number in mail["text"] and intake.format_reply_by(ticket.due_at, "en") in mail["text"]
    assert f"https://chat.example.com/demo?lucine_ticket={token}" in mail["text"]


def test_whatsapp_ticket_confirmation_goes_through_twilio(twilio, run_jobs):
    ticket, _ = intake.create_ticket_from_visitor("Ciao", "WHATSAPP", phone="+39 333 1234567", now=NOW)
    run_jobs()
    [call] = twilio.requests
    assert call["path"] == "/2010-04-01/Accounts/AC123/Messages.json"
    assert call["headers"]["Authorization"].startswith("Basic ")
    form = dict(urllib.parse.parse_qsl(call["body"].decode()))
    assert form["To"] == "whatsapp:+393331234567" and form["From"] == "whatsapp:+14155238886"
    assert ticket.number in form["Body"]


def test_phone_ticket_confirmation_is_an_sms(twilio, run_jobs):
    intake.create_ticket_from_visitor("Ciao", "PHONE", phone="+393331234567", now=NOW)
    run_jobs()
    form = dict(urllib.parse.parse_qsl(twilio.requests[0]["body"].decode()))
    assert form["To"] == "+393331234567" and form["From"] == "+15005550006"


def test_a_public_note_is_mailed_to_the_visitor_and_a_private_one_is_not(smtp, run_jobs, operator):
    ticket, _ = intake.create_ticket_from_visitor("Rimborso?", "EMAIL", email="ana@example.com", now=NOW)
    run_jobs()
    desk.add_note(ticket.id, operator, "solo per noi")
    desk.add_note(ticket.id, operator, "Il rimborso è partito.", is_public=True)
    run_jobs()
    assert len(smtp.messages) == 2 and "Il rimborso è partito." in smtp.messages[1]["text"]


def test_a_breached_ticket_alerts_the_admins_by_mail(smtp, run_jobs):
    ticket, _ = intake.create_ticket_from_visitor("Aiuto", "EMAIL", email="ana@example.com",
                                                   now=NOW - timedelta(days=2))
    run_jobs()
    sweep.sweep(NOW)
    run_jobs()
    alert = smtp.messages[-1]
    assert sorted(alert["to"]) == ["boss@example.com", "ops@example.com"] and ticket.number in alert["subject"]


def test_unconfigured_channels_send_nothing_and_raise_nothing(app, run_jobs):
    ticket, _ = intake.create_ticket_from_visitor("Ciao", "EMAIL", email="ana@example.com", now=NOW)
    run_jobs()
    [row] = outbox_rows("ticket_confirmation")
    assert (row.status, row.channel, row.last_error) == (OutboxStatus.SKIPPED, None,
                                                         "no channel configured or allowed for this visitor")
    assert notify.deliver_notification(row.id) is None  # already done: nothing to do twice
    assert not notifications.email_notifier().enabled


def test_a_refusing_twilio_leaves_the_row_pending_for_a_retry_with_backoff(app, monkeypatch, run_jobs):
    with HttpServer(status=500) as server:
        configure(app, monkeypatch, TWILIO_ACCOUNT_SID="AC1", TWILIO_AUTH_TOKEN="t", TWILIO_WHATSAPP_FROM="+1415",
                  TWILIO_API_BASE=server.url)
        intake.create_ticket_from_visitor("Ciao", "WHATSAPP", phone="+393331234567", now=NOW)
        run_jobs()
        assert len(server.requests) == 1
    [row] = outbox_rows("ticket_confirmation")
    assert (row.status, row.attempts, row.claimed_until) == (OutboxStatus.PENDING, 1, None)
    assert "HTTP 500" in row.last_error
    wait = (row.next_attempt_at - utcnow()).total_seconds()
    assert outbox.RETRY_BACKOFF[0] - 5 < wait <= outbox.RETRY_BACKOFF[0]
    assert outbox.drain() == 0, "not due yet"


def test_an_unreachable_smtp_server_raises_delivery_error(app):
    notifier = SmtpNotifier({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": 1, "MAIL_FROM": "a@b.test"})
    with pytest.raises(DeliveryError):
        notifier.send("x@example.com", "s", "t")


def verified_events(server):
    received = []
    for call in server.requests:
        expected = "sha256=" + hmac.new(SECRET.encode(), call["body"], hashlib.sha256).hexdigest()
        assert hmac.compare_digest(call["headers"]["X-Lucine-Signature"], expected)
        received.append(json.loads(call["body"]))
    return received


def test_committed_ticket_events_reach_the_webhook_signed(hooks, run_jobs, make):
    chat = make.chat()
    ticket, _ = intake.create_ticket_from_visitor("Ciao", "EMAIL", email="ana@example.com",
                                                   session_public_id=chat.public_id, now=NOW)
    run_jobs()
    received = verified_events(hooks)
    created = [e for e in received if e["event"] == "ticket_created"]
    assert created and created[0]["data"]["ticketNumber"] == ticket.number
    assert created[0]["data"]["sessionId"] == chat.public_id and created[0]["timestamp"].endswith("Z")
    assert "ana@example.com" not in json.dumps(received)


def test_rolled_back_events_never_reach_the_webhook(hooks, run_jobs, make):
    events.record("chat_resolved", make.chat())
    db.session.rollback()
    run_jobs()
    assert hooks.requests == []


def test_operator_events_are_not_webhooks(hooks, run_jobs, operator):
    events.record("operator_login", None, operator_id=operator.id)
    db.session.commit()
    run_jobs()
    assert hooks.requests == []


def test_signature_is_hmac_sha256_of_the_raw_body():
    body = b'{"event":"chat_started"}'
    assert webhooks.sign(body, "k") == "sha256=" + hmac.new(b"k", body, hashlib.sha256).hexdigest()


def test_a_failing_webhook_receiver_never_breaks_the_use_case(app, monkeypatch, run_jobs):
    with HttpServer(status=500) as server:
        configure(app, monkeypatch, WEBHOOK_URLS=[server.url], WEBHOOK_SECRET=SECRET)
        ticket, _ = intake.create_ticket_from_visitor("Ciao", "EMAIL", email="ana@example.com", now=NOW)
        run_jobs()
        assert server.requests and db.session.get(type(ticket), ticket.id).number == ticket.number


def test_starttls_is_required_when_configured(app):
    with SmtpServer() as server:  # a plain server that offers no STARTTLS
        notifier = SmtpNotifier({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": server.port, "SMTP_STARTTLS": True,
                                 "MAIL_FROM": "a@example.com"})
        with pytest.raises(DeliveryError):
            notifier.send("x@example.com", "s", "t")
        assert server.messages == []


def test_a_webhook_carries_an_event_id_and_a_timestamp_inside_the_signed_body(hooks, run_jobs, make):
    before = utcnow()
    events.record("chat_resolved", make.chat())
    db.session.commit()
    run_jobs()
    [call] = hooks.requests
    [event] = verified_events(hooks)
    assert call["headers"]["X-Lucine-Event-Id"] == event["id"] and len(event["id"]) == 36
    signed_at = datetime.fromisoformat(event["timestamp"].rstrip("Z"))
    assert before - timedelta(seconds=1) <= signed_at <= utcnow() and event["occurredAt"].endswith("Z")
    forged = call["body"].replace(event["timestamp"].encode(), b"2030-01-01T00:00:00Z")
    assert webhooks.sign(forged, SECRET) != call["headers"]["X-Lucine-Signature"], "the timestamp is signed"


def test_a_retried_webhook_keeps_its_id_and_is_signed_again_with_a_fresh_timestamp(hooks, run_jobs, make):
    hooks.status = 503
    events.record("chat_resolved", make.chat())
    db.session.commit()
    run_jobs()
    hooks.status = 200
    db.session.query(OutboxMessage).update({"next_attempt_at": utcnow() - timedelta(seconds=1)})
    db.session.commit()
    assert outbox.drain() == 1
    first, second = verified_events(hooks)
    assert first["id"] == second["id"] and first["occurredAt"] == second["occurredAt"]
    assert second["timestamp"] >= first["timestamp"]


def test_one_event_has_one_id_at_every_url(app, monkeypatch, run_jobs, make):
    with HttpServer(status=200) as one, HttpServer(status=200) as two:
        configure(app, monkeypatch, WEBHOOK_URLS=[one.url, two.url], WEBHOOK_SECRET=SECRET)
        events.record("chat_resolved", make.chat())
        db.session.commit()
        run_jobs()
        assert verified_events(one)[0]["id"] == verified_events(two)[0]["id"]


def receiver_accepts(raw_body, headers, seen_ids, now, tolerance=timedelta(minutes=5)):
    """docs/tickets-and-notifications.md's receiver: signature, then freshness, then the id not seen before."""
    expected = "sha256=" + hmac.new(SECRET.encode(), raw_body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, headers.get("X-Lucine-Signature", "")):
        return "bad signature"
    event = json.loads(raw_body)
    signed_at = datetime.fromisoformat(event["timestamp"].replace("Z", "+00:00")).replace(tzinfo=None)
    if abs(now - signed_at) > tolerance:
        return "stale"
    if event["id"] in seen_ids:
        return "duplicate"
    seen_ids.add(event["id"])
    return "ok"


def test_a_receiver_can_refuse_a_replay_by_id_and_an_old_body_by_timestamp(hooks, run_jobs, make):
    events.record("chat_resolved", make.chat())
    db.session.commit()
    run_jobs()
    [call] = hooks.requests
    seen = set()
    assert receiver_accepts(call["body"], call["headers"], seen, utcnow()) == "ok"
    assert receiver_accepts(call["body"], call["headers"], seen, utcnow()) == "duplicate"
    assert receiver_accepts(call["body"], call["headers"], set(), utcnow() + timedelta(hours=1)) == "stale"


def test_the_confirmation_row_keeps_a_nonce_never_the_token_and_the_token_resumes_the_ticket(app, smtp, run_jobs):
    ticket, token = intake.create_ticket_from_visitor("Ciao", "EMAIL", email="ana@example.com", now=NOW)
    [row] = outbox_rows("ticket_confirmation")
    assert token not in str(row.payload) and intake.hash_token(token) == ticket.resume_token_hash
    run_jobs()
    assert f"lucine_ticket={token}" in smtp.messages[0]["text"]
    assert intake.resume_ticket(token)[0].id == ticket.id


def test_a_confirmation_goes_without_the_link_when_secret_key_changed_before_it_was_sent(app, monkeypatch, smtp,
                                                                                          run_jobs):
    from lucine_chatbot.platform import dispatch

    if dispatch.mode(app) != "rq":
        pytest.skip("in-process, the confirmation is sent at the commit: no time to change the key")
    ticket, token = intake.create_ticket_from_visitor("Ciao", "EMAIL", email="ana@example.com", now=NOW)
    monkeypatch.setitem(app.config, "SECRET_KEY", "rotated-" + app.config["SECRET_KEY"])
    run_jobs()
    [mail] = smtp.messages
    assert ticket.number in mail["text"] and "lucine_ticket=" not in mail["text"]
