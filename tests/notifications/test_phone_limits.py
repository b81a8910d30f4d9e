"""WhatsApp/SMS cost limits: a country allow-list and a daily cap, past which messages are not sent, an event
records each refusal and the admins hear once a day."""
import urllib.parse

import pytest

from config import ConfigError, load_config
from lucine_chatbot.extensions import db
from lucine_chatbot.models import AnalyticsEvent, OutboxMessage, OutboxStatus
from lucine_chatbot.notifications import phone_limits
from lucine_chatbot.tickets import desk, intake
from tests.support.receivers import HttpServer, SmtpServer


@pytest.fixture
def smtp(app, monkeypatch):
    with SmtpServer() as server:
        for key, value in {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": server.port, "SMTP_STARTTLS": False,
                           "MAIL_FROM": "info@lucinedinatale.test", "ADMIN_ALERT_EMAILS": ["boss@example.com"]}.items():
            monkeypatch.setitem(app.config, key, value)
        yield server


@pytest.fixture
def twilio(app, monkeypatch):
    with HttpServer(status=201) as server:
        for key, value in {"TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t", "TWILIO_WHATSAPP_FROM": "+14155238886",
                           "TWILIO_SMS_FROM": "+15005550006", "TWILIO_API_BASE": server.url}.items():
            monkeypatch.setitem(app.config, key, value)
        yield server


def whatsapp_ticket(phone="+393331234567", email=None):
    ticket, _ = intake.create_ticket_from_visitor("Ciao", "WHATSAPP", phone=phone, email=email)
    return ticket


def recipients(twilio):
    return [dict(urllib.parse.parse_qsl(call["body"].decode()))["To"] for call in twilio.requests]


def cap_events():
    db.session.expire_all()
    return db.session.query(AnalyticsEvent).filter_by(type="sms_cap_reached").all()


def test_the_defaults_allow_italy_and_its_neighbours_and_200_messages_a_day(tmp_path):
    settings = load_config("development", env={}, instance_path=tmp_path)
    assert settings["SMS_ALLOWED_COUNTRIES"] == ["IT", "CH", "DE", "AT", "FR"] and settings["SMS_DAILY_CAP"] == 200
    settings = load_config("development", env={"SMS_ALLOWED_COUNTRIES": "it, sm", "SMS_DAILY_CAP": "5"},
                           instance_path=tmp_path)
    assert phone_limits.allowed_countries(settings) == ["IT", "SM"] and settings["SMS_DAILY_CAP"] == 5


@pytest.mark.parametrize("number, allowed", [
    ("+393331234567", True), ("+41791234567", True), ("+4915123456789", True), ("+436641234567", True),
    ("+33612345678", True), ("+3906698123", True), ("+14155550100", False), ("+442079460958", False),
    ("+37866123456", False), ("+4231234567", False), ("whatsapp:+393331234567", True),
])
def test_a_number_is_allowed_by_its_calling_code(number, allowed):
    assert phone_limits.country_allowed(number, {"SMS_ALLOWED_COUNTRIES": ["IT", "CH", "DE", "AT", "FR"]}) is allowed


def test_an_unknown_country_code_in_the_setting_stops_the_start(tmp_path):
    with pytest.raises(ConfigError, match="SMS_ALLOWED_COUNTRIES .*XX"):
        load_config("development", env={"SMS_ALLOWED_COUNTRIES": "IT,XX"}, instance_path=tmp_path)
    assert load_config("development", env={"SMS_ALLOWED_COUNTRIES": "*"}, instance_path=tmp_path)[
        "SMS_ALLOWED_COUNTRIES"] == ["*"]


def test_a_number_dropped_from_the_list_since_its_ticket_is_not_messaged_and_email_is_used(
        app, monkeypatch, smtp, twilio, run_jobs, operator):
    ticket = whatsapp_ticket(email="ana@example.com")
    run_jobs()
    assert recipients(twilio) == ["whatsapp:+393331234567"]
    monkeypatch.setitem(app.config, "SMS_ALLOWED_COUNTRIES", ["CH"])
    desk.add_note(ticket.id, operator, "Il rimborso è partito.", is_public=True)
    run_jobs()
    assert len(twilio.requests) == 1
    assert smtp.messages[-1]["to"] == ["ana@example.com"] and "Il rimborso" in smtp.messages[-1]["text"]


def test_over_the_daily_cap_a_message_is_not_sent_recorded_and_the_admins_alerted_once(
        app, monkeypatch, smtp, twilio, run_jobs):
    monkeypatch.setitem(app.config, "SMS_DAILY_CAP", 2)
    for last_digit in "1234":
        whatsapp_ticket(phone=f"+39333123456{last_digit}")
        run_jobs()
        run_jobs()  # and what it owed in turn (the cap alert)
    assert recipients(twilio) == ["whatsapp:+393331234561", "whatsapp:+393331234562"]
    refused = db.session.query(OutboxMessage).filter_by(kind="ticket_confirmation",
                                                        status=OutboxStatus.SKIPPED).count()
    assert refused == 2 and len(cap_events()) == 2
    assert cap_events()[0].data == {"channel": "whatsapp", "notification": "ticket_confirmation", "cap": 2}
    alerts = [mail for mail in smtp.messages if mail["subject"] == "[SMS] daily cap reached"]
    assert len(alerts) == 1 and alerts[0]["to"] == ["boss@example.com"]


def test_over_the_cap_a_visitor_who_left_an_email_gets_it_by_email(app, monkeypatch, smtp, twilio, run_jobs):
    monkeypatch.setitem(app.config, "SMS_DAILY_CAP", 0)
    ticket = whatsapp_ticket(email="ana@example.com")
    run_jobs()
    assert twilio.requests == []
    assert any(mail["to"] == ["ana@example.com"] and ticket.number in mail["subject"] for mail in smtp.messages)
    assert len(cap_events()) == 1
