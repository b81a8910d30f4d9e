"""A visitor's message in one PostgreSQL statement: the same rows as the ORM path, or the ORM path."""
import pytest
import sqlalchemy as sa

from lucine_chatbot.chats.visitor import conversation, visitor_write
from lucine_chatbot.extensions import db
from lucine_chatbot.models import AnalyticsEvent, ChatSession, Message
from tests.support.sql_statements import Checkins, Statements, autocommit_mode

SKIP = {"id", "public_id", "session_id", "session_public_id", "created_at", "last_activity_at",
        "status_changed_at"}


def rows(public_id):
    """Every stored column of the conversation, except the ids and clocks that differ by nature."""
    session = db.session.query(ChatSession).filter_by(public_id=public_id).one()
    table = ChatSession.__table__
    stored = {"session": {c.key: getattr(session, c.key) for c in table.columns if c.key not in SKIP}}
    stored["messages"] = [{c.key: getattr(m, c.key) for c in Message.__table__.columns if c.key not in SKIP}
                          for m in db.session.query(Message).filter_by(session_id=session.id).order_by(Message.id)]
    stored["events"] = sorted(
        ({c.key: getattr(e, c.key) for c in AnalyticsEvent.__table__.columns if c.key not in SKIP}
         for e in db.session.query(AnalyticsEvent).filter_by(session_public_id=public_id)),
        key=lambda e: e["type"])
    return stored


def first_message(monkeypatch, fast, language=None, session_id=None, text="Quanto costa il biglietto intero?"):
    monkeypatch.setattr(visitor_write, "applies", lambda *a: fast and original_applies(*a))
    with Statements() as statements:
        outcome = conversation.post_message(session_id, text, language=language)
    return outcome, statements.seen


def writes(statements):
    return [s for s in statements if s.startswith(("INSERT", "WITH", "UPDATE"))]


original_applies = visitor_write.applies


@pytest.mark.postgres_only
@pytest.mark.parametrize("language", [None, "en"])
def test_the_statement_stores_exactly_what_the_orm_stores(monkeypatch, language):
    fast, fast_sql = first_message(monkeypatch, True, language)
    slow, slow_sql = first_message(monkeypatch, False, language)
    fast_writes, slow_writes = writes(fast_sql), writes(slow_sql)
    assert len(fast_writes) == 1 and fast_writes[0].startswith("WITH") and len(slow_writes) == 3
    assert rows(fast.session.public_id) == rows(slow.session.public_id)
    types = [e["type"] for e in rows(fast.session.public_id)["events"]]
    assert types == ["chat_message", "chat_started"]


@pytest.mark.postgres_only
def test_the_request_answers_with_the_stored_ids_and_nothing_is_left_to_flush(monkeypatch):
    outcome, _ = first_message(monkeypatch, True)
    session, (message,) = outcome.session, outcome.messages
    stored = db.session.query(Message.id, Message.session_id, ChatSession.public_id).join(ChatSession).one()
    assert stored == (message.id, session.id, session.public_id)
    assert message.session_id == session.id and message in session.messages
    assert not db.session.new and not db.session.dirty
    assert sa.inspect(session).persistent and sa.inspect(message).persistent


@pytest.mark.postgres_only
def test_a_failed_statement_keeps_the_events_for_the_rollback_to_drop(make, monkeypatch):
    taken = make.chat()
    db.session.commit()
    monkeypatch.setattr("secrets.token_urlsafe", lambda _n: taken.public_id)  # a collision: unique violation
    with pytest.raises(sa.exc.IntegrityError):
        conversation.post_message(None, "Ciao")
    db.session.rollback()
    assert db.session.query(ChatSession).count() == 1
    assert db.session.query(AnalyticsEvent).filter_by(type="chat_message").count() == 0


def test_the_statement_is_compiled_once_per_process():
    # A multi-row VALUES has no cache key, so SQLAlchemy would compile it at every request (+0.6 ms).
    for changed in (None, ("last_activity_at", "ai_pending"), ("language", "meta", "status")):
        for events in (0, 1, 2, 3):
            assert visitor_write._statement(changed, events)._generate_cache_key() is not None


def test_only_the_session_and_its_message_alone_on_postgresql_take_the_statement(make):
    session, _ = conversation.open_session(None)
    message = conversation.add_message(session, "USER", "Ciao", session.created_at, flush=False)
    on_postgres = db.session.get_bind().dialect.name == "postgresql"
    assert visitor_write.applies(session, message) is on_postgres
    make.operator()  # something else in the same transaction: the ORM writes everything
    assert visitor_write.applies(session, message) is False
    db.session.rollback()


@pytest.mark.postgres_only
def test_inside_a_savepoint_the_orm_writes(make):
    with db.session.begin_nested():
        session, _ = conversation.open_session(None)
        message = conversation.add_message(session, "USER", "Ciao", session.created_at, flush=False)
        assert visitor_write.applies(session, message) is False


@pytest.mark.postgres_only
@pytest.mark.real_db
def test_alone_in_its_transaction_the_statement_runs_in_autocommit(app):
    with app.test_request_context(), Checkins() as returned, Statements(autocommit_mode) as modes:
        outcome = conversation.post_message(None, "Ciao!")
        db.session.remove()
    assert modes.seen == [("WITH", True)]
    assert returned.modes and set(returned.modes) == {False}  # the pool got it back in its usual mode
    with db.engine.connect() as other:  # committed
        assert other.execute(sa.select(Message.body).where(Message.id == outcome.messages[0].id)).scalar() == "Ciao!"


@pytest.mark.postgres_only
@pytest.mark.real_db
def test_after_a_query_the_statement_joins_the_open_transaction(app, make):
    with app.test_request_context(), Statements(autocommit_mode) as modes:
        ended = make.chat(status="ENDED")
        db.session.commit()
        conversation.post_message(ended.public_id, "Ciao di nuovo")  # reads the ENDED chat, then a new one
        db.session.remove()
    assert ("WITH", False) in modes.seen and ("WITH", True) not in modes.seen


@pytest.mark.postgres_only
@pytest.mark.parametrize("before, text", [
    ("ACTIVE", "E il ridotto quanto costa?"),          # the usual follow-up: activity columns only
    ("ACTIVE", "How much is the ticket for children?"),  # the language changes, and the session's meta
    ("IDLE", "Ci sono ancora posti per sabato?"),       # the chat wakes up: status, its time, and an event
])
def test_a_follow_up_stores_exactly_what_the_orm_stores(monkeypatch, before, text):
    (fast, _), (slow, _) = first_message(monkeypatch, True), first_message(monkeypatch, True)
    db.session.query(ChatSession).filter(ChatSession.id.in_([fast.session.id, slow.session.id])).update(
        {"status": before, "ai_pending": False})
    db.session.commit()
    db.session.expire_all()
    fast_up, fast_sql = first_message(monkeypatch, True, session_id=fast.session.public_id, text=text)
    slow_up, slow_sql = first_message(monkeypatch, False, session_id=slow.session.public_id, text=text)
    assert [s.split()[0] for s in writes(fast_sql)] == ["WITH"] and len(writes(slow_sql)) == 3
    assert "UPDATE chat_session" in writes(fast_sql)[0]
    assert rows(fast.session.public_id) == rows(slow.session.public_id)
    assert not db.session.new and not db.session.dirty
    session, (message,) = fast_up.session, fast_up.messages
    assert sa.inspect(session).persistent and message in session.messages and message.session_id == session.id
    assert fast_up.session.status == "ACTIVE" and fast_up.session.ai_pending is True


@pytest.mark.postgres_only
@pytest.mark.redis_only
def test_a_follow_up_invalidates_the_sessions_cached_poll_answer(monkeypatch):
    from lucine_chatbot.chats.visitor import poll_cache, visitor_limits

    first, _ = first_message(monkeypatch, True)
    key = poll_cache.version_key(first.session.public_id)
    before = int(visitor_limits.redis().get(key) or 0)
    first_message(monkeypatch, True, session_id=first.session.public_id, text="E per i bambini?")
    assert int(visitor_limits.redis().get(key) or 0) == before + 1


def test_a_server_default_is_refused_rather_than_written_as_null():
    table = sa.Table("t", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("flag", sa.Boolean, server_default=sa.false()))
    with pytest.raises(NotImplementedError, match="server default or onupdate"):
        visitor_write._columns(table)


@pytest.mark.postgres_only
def test_when_the_reply_is_written_inline_the_response_shows_it(app, monkeypatch):
    from lucine_chatbot import seed

    seed.seed_all()
    monkeypatch.setitem(app.config, "REDIS_URL", "")  # no queue: the reply is written by this request
    first, _ = first_message(monkeypatch, True, text="A che ora aprite?")
    assert first.session.ai_pending is False and [m.sender for m in first.messages] == ["USER", "BOT"]
    follow, sql = first_message(monkeypatch, True, session_id=first.session.public_id, text="E a Natale?")
    assert writes(sql)[0].startswith("WITH")
    assert follow.session.ai_pending is False and [m.sender for m in follow.messages] == ["USER", "BOT"]
