"""A real RQ worker, in burst mode with its scheduler, runs the periodic sweep registered from the schedule and
moves chats and tickets on its own."""
from datetime import timedelta

import pytest

from lucine_chatbot.extensions import db
from lucine_chatbot.jobs import dispatch
from lucine_chatbot.jobs.schedule import periodic_jobs
from lucine_chatbot.jobs.worker import build_worker
from lucine_chatbot.models import ChatSession, ChatStatus, Ticket, TicketStatus, utcnow
from lucine_chatbot.services import system_state, tickets, timeouts

pytestmark = pytest.mark.redis_only


def test_the_worker_alone_runs_the_scheduled_sweep(app, make, operator, monkeypatch):
    monkeypatch.setitem(app.config, "SWEEP_INTERVAL_SECONDS", 5)
    now = utcnow()
    quiet = make.chat(status="ACTIVE", last_activity_at=now - timedelta(seconds=700))
    silent_visitor = make.chat(status="WITH_OPERATOR", operator_id=operator.id,
                               last_activity_at=now - timedelta(seconds=700),
                               last_operator_message_at=now - timedelta(seconds=700))
    abandoned = make.chat(status="IDLE", last_activity_at=now - timedelta(hours=1))
    ticket, _ = tickets.create_ticket_from_visitor("Aiuto", "EMAIL", email="a@example.com",
                                                   now=now - timedelta(days=2))
    db.session.commit()

    connection = dispatch.redis_connection(app)
    changes = dispatch.sync_periodic_jobs(connection, periodic_jobs(app.config))
    assert set(changes["added"]) == {"sweep", "retention"}
    build_worker(app, simple=True).work(burst=True, with_scheduler=True)

    db.session.expire_all()
    assert db.session.get(ChatSession, quiet.id).status == ChatStatus.IDLE
    assert db.session.get(ChatSession, silent_visitor.id).status == ChatStatus.WAITING_CLIENT
    assert db.session.get(ChatSession, abandoned.id).status == ChatStatus.ENDED
    assert db.session.get(Ticket, ticket.id).status == TicketStatus.ESCALATED
    assert system_state.get_value(timeouts.LAST_SWEEP_KEY)["at"].endswith("Z")
    pending = dispatch._pending_periodic_ids(connection, "sweep")
    assert pending, "the next sweep slot is booked"
