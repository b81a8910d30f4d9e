"""A real RQ worker, in burst mode with its scheduler, runs the periodic sweep registered from the schedule and
moves chats and tickets on its own."""
import json
from datetime import timedelta

import pytest

from lucine_chatbot.chats import sweep
from lucine_chatbot.content import system_state
from lucine_chatbot.extensions import db
from lucine_chatbot.jobs.schedule import periodic_jobs
from lucine_chatbot.jobs.worker import build_worker
from lucine_chatbot.models import ChatSession, ChatStatus, Ticket, TicketStatus, utcnow
from lucine_chatbot.platform import dispatch
from lucine_chatbot.tickets import intake
from tests.support.receivers import HttpServer, SmtpServer

pytestmark = pytest.mark.redis_only


@pytest.fixture
def receivers(app, monkeypatch):
    with SmtpServer() as smtp, HttpServer(status=200) as hooks:
        settings = {"SWEEP_INTERVAL_SECONDS": 5, "SMTP_HOST": "127.0.0.1", "SMTP_PORT": smtp.port,
                    "SMTP_STARTTLS": False, "ADMIN_ALERT_EMAILS": ["boss@example.com"],
                    "WEBHOOK_URLS": [hooks.url], "WEBHOOK_SECRET": "s"}
        for key, value in settings.items():
            monkeypatch.setitem(app.config, key, value)
        yield smtp, hooks


def test_the_worker_alone_runs_the_scheduled_sweep_and_sends_what_it_causes(app, make, operator, receivers):
    smtp, hooks = receivers
    now = utcnow()
    quiet = make.chat(status="ACTIVE", last_activity_at=now - timedelta(seconds=700))
    silent_visitor = make.chat(status="WITH_OPERATOR", operator_id=operator.id,
                               last_activity_at=now - timedelta(seconds=700),
                               last_operator_message_at=now - timedelta(seconds=700))
    abandoned = make.chat(status="WAITING_OPERATOR", last_activity_at=now - timedelta(hours=1))
    ticket, _ = intake.create_ticket_from_visitor("Aiuto", "EMAIL", email="a@example.com",
                                                   now=now - timedelta(days=2))
    db.session.commit()

    connection = dispatch.redis_connection(app)
    changes = dispatch.sync_periodic_jobs(connection, periodic_jobs(app.config))
    assert set(changes["added"]) == {"sweep", "retention", "outbox"}
    build_worker(app).work(burst=True, with_scheduler=True)

    db.session.expire_all()
    assert db.session.get(ChatSession, quiet.id).status == ChatStatus.IDLE
    assert db.session.get(ChatSession, silent_visitor.id).status == ChatStatus.WAITING_CLIENT
    assert db.session.get(ChatSession, abandoned.id).status == ChatStatus.ENDED
    assert db.session.get(Ticket, ticket.id).status == TicketStatus.ESCALATED
    assert system_state.get_value(sweep.LAST_SWEEP_KEY)["at"].endswith("Z")
    assert dispatch._pending_periodic_ids(connection, "sweep"), "the next sweep slot is booked"
    alerts = [mail for mail in smtp.messages if mail["to"] == ["boss@example.com"]]
    assert len(alerts) == 1 and ticket.number in alerts[0]["subject"]
    hooked = {json.loads(call["body"])["event"] for call in hooks.requests}
    assert {"ticket_sla_breached", "chat_abandoned", "chat_status_changed"} <= hooked
