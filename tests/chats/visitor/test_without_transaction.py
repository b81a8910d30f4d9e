"""Requests whose statements need no transaction (the poll's reads) skip BEGIN and ROLLBACK on PostgreSQL."""
import pytest

from lucine_chatbot.chats.visitor import polling
from lucine_chatbot.extensions import db
from lucine_chatbot.platform.database import without_transaction
from tests.support.sql_statements import Checkins, Statements, autocommit_mode


@pytest.mark.postgres_only
@pytest.mark.real_db
def test_a_poll_that_asks_the_database_reads_without_a_transaction(app, client):
    session_id = client.post("/api/chat", json={"message": "Ciao"}).json["sessionId"]
    with Checkins() as returned, Statements(autocommit_mode) as modes:
        response = client.get(f"/api/chat/poll/{session_id}")  # after=none: never from the cache
    assert response.status_code == 200 and response.json["messages"]
    assert modes.seen and set(modes.seen) == {("SELECT", True)}
    assert returned.modes == [False]  # back in the pool at once, in its usual mode


@pytest.mark.postgres_only
@pytest.mark.real_db
def test_after_a_write_in_the_same_transaction_the_reads_join_it(app, make):
    with app.test_request_context(), Statements(autocommit_mode) as modes:
        chat = make.chat()  # flushed: the transaction holds a connection
        assert without_transaction() is False
        polling.poll(chat.public_id)
        db.session.rollback()
        db.session.remove()
    assert all(mode is False for _, mode in modes.seen)


def test_never_inside_the_tests_outer_transaction_nor_on_sqlite():
    assert without_transaction() is False  # the suite binds the session to one connection (or SQLite)
