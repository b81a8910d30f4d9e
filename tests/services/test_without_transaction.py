"""Requests whose statements need no transaction (the poll's reads) skip BEGIN and ROLLBACK on PostgreSQL."""
import pytest
import sqlalchemy as sa

from lucine_chatbot.extensions import db
from lucine_chatbot.services import conversation, without_transaction

from ..sql_statements import Statements


def autocommit(connection, statement):
    return statement.split()[0], connection.connection.dbapi_connection.autocommit


@pytest.mark.postgres_only
@pytest.mark.real_db
def test_a_poll_that_asks_the_database_reads_without_a_transaction(app, client):
    session_id = client.post("/api/chat", json={"message": "Ciao"}).json["sessionId"]
    used, returned = [], {}

    def checked_in(dbapi_connection, _record):
        returned[id(dbapi_connection)] = dbapi_connection.autocommit

    sa.event.listen(db.engine, "checkin", checked_in)
    try:
        with Statements(lambda c, s: used.append(id(c.connection.dbapi_connection)) or autocommit(c, s)) as modes:
            response = client.get(f"/api/chat/poll/{session_id}")  # after=none: never from the cache
    finally:
        sa.event.remove(db.engine, "checkin", checked_in)
    assert response.status_code == 200 and response.json["messages"]
    assert modes.seen and set(modes.seen) == {("SELECT", True)}
    assert {returned.get(connection) for connection in used} == {False}  # back in the pool at once, in its usual mode


@pytest.mark.postgres_only
@pytest.mark.real_db
def test_after_a_write_in_the_same_transaction_the_reads_join_it(app, make):
    with app.test_request_context(), Statements(autocommit) as modes:
        chat = make.chat()  # flushed: the transaction holds a connection
        assert without_transaction() is False
        conversation.poll(chat.public_id)
        db.session.rollback()
        db.session.remove()
    assert all(mode is False for _, mode in modes.seen)


def test_never_inside_the_tests_outer_transaction_nor_on_sqlite():
    assert without_transaction() is False  # the suite binds the session to one connection (or SQLite)
