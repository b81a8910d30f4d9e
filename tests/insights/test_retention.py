"""The retention purge removes old analytics and conversations completely; tickets keep only their substance."""
from datetime import datetime, timedelta

from lucine_chatbot.extensions import db
from lucine_chatbot.insights import retention
from lucine_chatbot.jobs.schedule import periodic_jobs
from lucine_chatbot.models import (
    AnalyticsEvent,
    AuditLog,
    ChatSession,
    InternalNote,
    Message,
    OperatorChat,
    QueueEntry,
    RevokedToken,
    Ticket,
)
from lucine_chatbot.tickets import intake

NOW = datetime(2027, 12, 20, 12, 0)
LONG_AGO = NOW - timedelta(days=366)


def old_conversation(make, operator, when):
    chat = make.chat(status="ENDED", created_at=when)
    make.message(chat, body="Mi chiamo Ana, il mio numero è +393331234567")
    db.session.add_all([InternalNote(session_id=chat.id, content="cliente VIP", created_at=when),
                        OperatorChat(session_id=chat.id, operator_id=operator.id, assigned_at=when, ended_at=when),
                        QueueEntry(session_id=chat.id, enqueued_at=when, status="ASSIGNED")])
    ticket, _ = intake.create_ticket_from_visitor("Biglietto perso", "WHATSAPP", phone="+393331234567",
                                                   email="ana@example.com", session_public_id=chat.public_id,
                                                   now=when)
    chat = db.session.get(ChatSession, chat.id)
    chat.last_activity_at = when
    ticket = db.session.get(Ticket, ticket.id)
    ticket.updated_at = when
    db.session.commit()
    return chat, ticket


def rows_of(model, session_id):
    return db.session.query(model).filter_by(session_id=session_id).count()


def test_old_conversations_leave_nothing_behind_but_the_ticket_substance(make, operator):
    chat, ticket = old_conversation(make, operator, LONG_AGO)
    chat_id, ticket_id, number = chat.id, ticket.id, ticket.number
    result = retention.purge(NOW)
    assert result["conversations"] == 1 and result["tickets"] == 1
    assert db.session.get(ChatSession, chat_id) is None
    for model in (Message, InternalNote, OperatorChat, QueueEntry):
        assert rows_of(model, chat_id) == 0, model
    kept = db.session.get(Ticket, ticket_id)
    assert kept.description == "Biglietto perso" and kept.number == number
    assert (kept.email, kept.phone, kept.resume_token_hash, kept.session_id) == (None, None, None, None)


def test_recent_conversations_and_their_tickets_are_kept(make, operator):
    chat, ticket = old_conversation(make, operator, NOW - timedelta(days=300))
    retention.purge(NOW)
    assert db.session.get(ChatSession, chat.id) is not None and rows_of(Message, chat.id) == 2
    assert db.session.get(Ticket, ticket.id).phone == "+393331234567"


def test_analytics_events_older_than_90_days_are_deleted(make):
    db.session.add_all([AnalyticsEvent(type="chat_started", created_at=NOW - timedelta(days=91)),
                        AnalyticsEvent(type="chat_started", created_at=NOW - timedelta(days=89))])
    db.session.commit()
    assert retention.purge(NOW)["analyticsEvents"] == 1
    assert [e.created_at for e in db.session.query(AnalyticsEvent)] == [NOW - timedelta(days=89)]


def test_a_second_purge_finds_nothing_more(make, operator):
    old_conversation(make, operator, LONG_AGO)
    retention.purge(NOW)
    assert retention.purge(NOW) == {"analyticsEvents": 0, "conversations": 0, "tickets": 0, "auditEntries": 0,
                                    "revokedTokens": 0}


def test_audit_entries_older_than_their_window_are_deleted(make, operator):
    db.session.add_all([AuditLog(operator_id=operator.id, action="view_history", target_type="chat",
                                 target_id="old", ip_address="203.0.113.9", created_at=NOW - timedelta(days=366)),
                        AuditLog(operator_id=operator.id, action="view_history", target_type="chat",
                                 target_id="recent", ip_address="203.0.113.9", created_at=NOW - timedelta(days=364))])
    db.session.commit()
    assert retention.purge(NOW)["auditEntries"] == 1
    assert [e.target_id for e in db.session.query(AuditLog)] == ["recent"]


def test_the_audit_window_is_a_setting(app, make, operator, monkeypatch):
    monkeypatch.setitem(app.config, "AUDIT_RETENTION_DAYS", 30)
    db.session.add(AuditLog(operator_id=operator.id, action="view_ticket", target_type="ticket", target_id="1",
                            created_at=NOW - timedelta(days=31)))
    db.session.commit()
    assert retention.purge(NOW)["auditEntries"] == 1


def test_revoked_tokens_are_forgotten_once_they_have_expired(make, operator):
    db.session.add_all([RevokedToken(jti="expired", operator_id=operator.id, expires_at=NOW - timedelta(hours=2)),
                        RevokedToken(jti="just-expired", operator_id=operator.id,
                                     expires_at=NOW - timedelta(minutes=5)),
                        RevokedToken(jti="still-valid", operator_id=operator.id, expires_at=NOW + timedelta(hours=7))])
    db.session.commit()
    assert retention.purge(NOW)["revokedTokens"] == 1
    assert sorted(t.jti for t in db.session.query(RevokedToken)) == ["just-expired", "still-valid"]


def test_a_revoked_token_that_has_not_expired_stays_revoked_after_a_purge(client, make, operator):
    from flask_jwt_extended import decode_token

    from lucine_chatbot.operators import access

    headers = make.auth_headers(operator)
    access.logout(operator, decode_token(headers["Authorization"].split()[1]))
    retention.purge()  # now: the token has 8 hours left, its revocation is kept
    assert client.get("/api/operators/me", headers=headers).status_code == 401


def test_retention_runs_daily_from_the_schedule():
    jobs = {job.name: job for job in periodic_jobs({"SWEEP_INTERVAL_SECONDS": 60})}
    assert jobs["retention"].interval == 86400
    assert jobs["retention"].func == "lucine_chatbot.jobs.retention:run_retention"


def test_erasing_a_chat_leaves_its_tickets_without_content_contact_or_notes(make, operator):
    from lucine_chatbot.models import TicketNote
    from lucine_chatbot.tickets import desk

    chat, ticket = old_conversation(make, operator, NOW)
    desk.add_note(ticket.id, operator, "Ana ha chiamato", is_public=True)
    assert retention.erase_ticket_pii(chat.id) == 1
    db.session.commit()
    kept = db.session.get(Ticket, ticket.id)
    assert (kept.email, kept.phone, kept.resume_token_hash) == (None, None, None)
    assert kept.description == kept.subject == retention.ERASED_TEXT
    assert db.session.query(TicketNote).count() == 0
