"""How recorded analytics events reach the database: with their transaction, in one INSERT, never alone."""
from lucine_chatbot.extensions import db
from lucine_chatbot.insights import events
from lucine_chatbot.models import AnalyticsEvent
from tests.support.sql_statements import Statements


def stored(event_type):
    return db.session.query(AnalyticsEvent).filter_by(type=event_type).count()


def test_a_transactions_events_are_written_at_commit_in_one_statement(make):
    chat = make.chat()
    with Statements(lambda _c, sql: sql if sql.startswith("INSERT INTO analytics_event") else None) as inserts:
        for _ in range(3):
            events.record("chat_message", chat, sender="USER", length=4)
        db.session.commit()
    assert inserts.count == 1 and stored("chat_message") == 3
    row = db.session.query(AnalyticsEvent).filter_by(type="chat_message").first()
    assert row.session_public_id == chat.public_id and row.data == {"sender": "USER", "length": 4}


def test_an_event_alone_is_still_written(make):
    operator = make.operator()
    db.session.commit()
    events.record("operator_login", None, operator_id=operator.id)  # no ORM change in this transaction
    db.session.commit()
    assert stored("operator_login") == 1


def test_the_transaction_sees_its_own_events_before_the_commit(make):
    events.record("chat_started", make.chat())
    assert stored("chat_started") == 1  # as an autoflush would have shown an ORM object


def test_a_rollback_drops_the_events_with_the_change(make):
    chat = make.chat()
    db.session.commit()
    events.record("chat_resolved", chat)
    db.session.rollback()
    db.session.commit()
    assert stored("chat_resolved") == 0


def test_a_rolled_back_savepoint_drops_only_its_own_events(make):
    chat = make.chat()
    events.record("chat_started", chat)
    savepoint = db.session.begin_nested()
    events.record("chat_resolved", chat)
    savepoint.rollback()
    db.session.commit()
    assert stored("chat_started") == 1 and stored("chat_resolved") == 0
