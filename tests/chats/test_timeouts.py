"""The sweep's inactivity rules, with time controlled by the test (no sleeping)."""
from datetime import timedelta

from lucine_chatbot.chats import sweep
from lucine_chatbot.extensions import db
from lucine_chatbot.models import AnalyticsEvent, ChatSession, ChatStatus, OperatorChat, utcnow


def events_of(kind):
    return db.session.query(AnalyticsEvent).filter_by(type=kind).all()


def test_quiet_active_chat_becomes_idle(make):
    now = utcnow()
    quiet = make.chat(status="ACTIVE", last_activity_at=now - timedelta(seconds=601))
    fresh = make.chat(status="ACTIVE", last_activity_at=now - timedelta(seconds=30))
    sweep.sweep(now)
    assert db.session.get(ChatSession, quiet.id).status == ChatStatus.IDLE
    assert db.session.get(ChatSession, fresh.id).status == ChatStatus.ACTIVE


def test_chat_silent_for_30_minutes_ends(make):
    now = utcnow()
    chat = make.chat(status="IDLE", last_activity_at=now - timedelta(seconds=1801))
    sweep.sweep(now)
    assert db.session.get(ChatSession, chat.id).status == ChatStatus.ENDED
    assert len(events_of("chat_timeout")) == 1 and events_of("chat_abandoned") == []


def test_ending_a_chat_owed_by_a_human_is_abandoned_and_frees_the_operator(make):
    now = utcnow()
    op = make.operator(is_online=True)
    chat = make.chat(status="WITH_OPERATOR", operator_id=op.id, last_activity_at=now - timedelta(hours=1),
                     last_visitor_message_at=now - timedelta(hours=1))
    db.session.add(OperatorChat(session_id=chat.id, operator_id=op.id))
    db.session.flush()
    sweep.sweep(now)
    assert len(events_of("chat_abandoned")) == 1
    assert db.session.query(OperatorChat).filter(OperatorChat.ended_at.is_(None)).count() == 0
    assert db.session.get(ChatSession, chat.id).operator_id is None


def test_sweep_twice_changes_nothing_more(make):
    now = utcnow()
    make.chat(status="ACTIVE", last_activity_at=now - timedelta(seconds=700))
    first = sweep.sweep(now)
    second = sweep.sweep(now)
    assert first["mark_idle"] == 1 and second["mark_idle"] == 0
