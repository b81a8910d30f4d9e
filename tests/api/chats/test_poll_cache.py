"""The poll's fast path: "nothing new" from Redis without the database, and never a stale answer."""
import time

import pytest
import sqlalchemy as sa

from lucine_chatbot.chats import operator_desk, state_machine
from lucine_chatbot.chats.visitor import poll_cache, visitor_limits
from lucine_chatbot.extensions import db
from lucine_chatbot.models import ChatSession, ChatStatus, Operator
from lucine_chatbot.platform import dispatch
from tests.support.assistant_helpers import kb  # noqa: F401  (fixture)
from tests.support.rate_windows import whole_window_ahead
from tests.support.sql_statements import Statements


def poll(client, session_id, after):
    response = client.get(f"/api/chat/poll/{session_id}?after={after}")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def settled(client, session_id, after):
    """Poll twice: the first asks the database and stores its answer, the second is served from Redis."""
    first = poll(client, session_id, after)
    with Statements() as sql:
        second = poll(client, session_id, after)
    assert sql.count == 0, "the second poll should not touch the database"
    assert second.get_data() == first.get_data()
    return second.json


def newest_id(client, session_id):
    return client.get(f"/api/chat/poll/{session_id}").json["messages"][-1]["id"]


@pytest.fixture
def chat(client, run_jobs, kb):
    """A visitor whose first question the assistant answered: (sessionId, newest message id)."""
    session_id = client.post("/api/chat", json={"message": "Quanto costa il biglietto intero?"}).json["sessionId"]
    run_jobs()
    return session_id, newest_id(client, session_id)


@pytest.mark.redis_only
def test_nothing_new_is_answered_from_redis_without_the_database(client, chat):
    session_id, newest = chat
    body = settled(client, session_id, newest)
    assert body["messages"] == [] and body["status"] == "ACTIVE" and body["pending"] is False
    with Statements() as sql:
        later = poll(client, session_id, newest + 1000)  # an `after` beyond the newest: nothing new either
    assert sql.count == 0 and later.json["messages"] == []
    with Statements() as sql:
        assert len(poll(client, session_id, newest - 1).json["messages"]) == 1  # older cursor: the database
    assert sql.count > 0


@pytest.mark.redis_only
def test_a_visitor_message_and_its_ai_reply_show_at_the_next_poll(client, run_jobs, chat):
    session_id, newest = chat
    settled(client, session_id, newest)
    client.post("/api/chat", json={"message": "E il ridotto?", "sessionId": session_id})
    assert [m["sender"] for m in poll(client, session_id, newest).json["messages"]] == ["USER"]
    newest = newest_id(client, session_id)
    assert settled(client, session_id, newest)["pending"] is True
    run_jobs()  # the reply is written by the worker's commit, not by a web request
    body = poll(client, session_id, newest).json
    assert [m["sender"] for m in body["messages"]] == ["BOT"] and body["pending"] is False


@pytest.mark.redis_only
def test_a_status_change_shows_at_the_next_poll(client, chat):
    session_id, newest = chat
    settled(client, session_id, newest)
    session = db.session.query(ChatSession).filter_by(public_id=session_id).one()
    state_machine.change_status(session, ChatStatus.RESOLVED, reason="test")
    db.session.commit()
    assert poll(client, session_id, newest).json["status"] == "RESOLVED"


@pytest.mark.redis_only
def test_taking_the_chat_and_renaming_the_operator_show_at_the_next_poll(client, make, kb):
    operator = make.operator(is_online=True, display_name="Elfo")
    session = make.chat(status="WAITING_OPERATOR")
    first = make.message(session, "Vorrei un operatore")
    db.session.commit()
    poll(client, session.public_id, first.id)
    with Statements() as sql:
        poll(client, session.public_id, first.id)
    assert sql.count > 0, "a waiting chat's queue position moves on its own: never cached"

    operator_desk.take_chat(operator.id, session.public_id)  # the atomic UPDATE … WHERE operator_id IS NULL
    newest = newest_id(client, session.public_id)
    body = settled(client, session.public_id, newest)
    assert body["status"] == "WITH_OPERATOR" and body["operator"]["displayName"] == "Elfo"

    db.session.get(Operator, operator.id).display_name = "Babbo Natale"
    db.session.commit()
    assert poll(client, session.public_id, newest).json["operator"]["displayName"] == "Babbo Natale"


@pytest.mark.redis_only
def test_an_operator_change_nobody_sees_keeps_the_cache(client, make, operator, chat):
    session_id, newest = chat
    settled(client, session_id, newest)
    db.session.get(Operator, operator.id).last_seen_at = db.func.now()
    db.session.commit()
    with Statements() as sql:
        poll(client, session_id, newest)
    assert sql.count == 0


@pytest.mark.redis_only
def test_a_bulk_update_invalidates_every_stored_answer(client, chat):
    session_id, newest = chat
    settled(client, session_id, newest)
    db.session.execute(sa.update(ChatSession).where(ChatSession.public_id == session_id).values(language="de"))
    db.session.commit()
    assert poll(client, session_id, newest).json["language"] == "de"


@pytest.mark.redis_only
def test_an_answer_read_before_a_commit_is_never_served_after_it(app, client, chat):
    """The race the tags exist for: the database is read, a writer commits and bumps, then the stale answer
    is stored. It must stay unreachable."""
    session_id, newest = chat
    item = visitor_limits.item("RATE_LIMIT_POLL")
    found = poll_cache.lookup(session_id, newest, item)   # the tag, read before the database
    stale = b'{"stale": true}\n'
    poll_cache.bump([session_id])                         # a writer commits in between
    poll_cache.store(session_id, found, newest, stale)    # the poll stores what it read before the commit
    assert poll_cache.lookup(session_id, newest, item).body is None
    assert poll(client, session_id, newest).get_data() != stale


@pytest.mark.redis_only
def test_a_rolled_back_change_is_not_announced_but_the_next_commit_is(client, chat):
    session_id, newest = chat
    settled(client, session_id, newest)
    session = db.session.query(ChatSession).filter_by(public_id=session_id).one()
    session.language = "en"
    db.session.flush()
    db.session.rollback()
    assert poll(client, session_id, newest).json["language"] == "it"


@pytest.mark.redis_only
def test_with_redis_gone_the_poll_answers_from_the_database_and_still_counts(app, client, chat, monkeypatch):
    session_id, newest = chat
    settled(client, session_id, newest)
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:9/0")  # refused at once
    monkeypatch.setitem(app.extensions, "lucine_redis", None)
    started = time.monotonic()
    with Statements() as sql:
        assert poll(client, session_id, newest).json["messages"] == []
    assert sql.count > 0 and visitor_limits.paused()
    assert time.monotonic() - started < 2
    app.extensions.pop("lucine_redis", None)


def test_the_poll_carries_its_rate_limit_headers_and_a_json_429(app, client, make):
    session = make.chat()
    db.session.commit()
    limit = int(app.config["RATE_LIMIT_POLL"].split("/")[0])
    whole_window_ahead(app, "RATE_LIMIT_POLL")
    responses = [client.get(f"/api/chat/poll/{session.public_id}") for _ in range(limit + 1)]
    assert [r.status_code for r in responses] == [200] * limit + [429]
    assert responses[0].headers["X-RateLimit-Limit"] == str(limit)
    assert responses[0].headers["X-RateLimit-Remaining"] == str(limit - 1)
    assert int(responses[0].headers["X-RateLimit-Reset"]) > time.time()
    refused = responses[-1]
    assert refused.json["error"]["code"] == "RATE_LIMITED" and "Retry later" in refused.json["error"]["message"]
    assert 1 <= int(refused.headers["Retry-After"]) <= 60 and refused.headers["X-RateLimit-Remaining"] == "0"


def test_the_poll_cache_is_off_without_redis(app, client, chat):
    if dispatch.redis_connection(app) is not None:
        pytest.skip("embedded default only")
    session_id, newest = chat
    for _ in range(2):
        with Statements() as sql:
            poll(client, session_id, newest)
        assert sql.count > 0


@pytest.mark.redis_only
def test_a_new_visitor_costs_no_invalidation_but_a_follow_up_does(app, client, chat):
    session_id, _newest = chat  # created by one POST; its reply came from the worker, a later commit
    conn = dispatch.redis_connection(app)
    fresh = client.post("/api/chat", json={"message": "Ciao!"}).json["sessionId"]
    assert conn.get(poll_cache.version_key(fresh)) is None
    before = int(conn.get(poll_cache.version_key(session_id)))
    client.post("/api/chat", json={"message": "E i cani?", "sessionId": session_id})
    assert int(conn.get(poll_cache.version_key(session_id))) == before + 1


@pytest.mark.redis_only
def test_taking_one_chat_leaves_the_other_widgets_cached(client, make, chat):
    """The take is a bulk UPDATE; it names its session (poll_sessions) instead of bumping every widget's tag."""
    session_id, newest = chat
    settled(client, session_id, newest)
    operator = make.operator(is_online=True)
    waiting = make.chat(status="WAITING_OPERATOR")
    make.message(waiting, "Un operatore, per favore")
    db.session.commit()
    operator_desk.take_chat(operator.id, waiting.public_id)
    with Statements() as sql:
        poll(client, session_id, newest)
    assert sql.count == 0


def test_an_overlong_session_id_is_a_404_that_counts_nothing(app, client):
    response = client.get("/api/chat/poll/" + "x" * 2000)
    assert response.status_code == 404 and response.json["error"]["code"] == "NOT_FOUND"
    conn = dispatch.redis_connection(app)
    if conn is not None:
        assert not [key for key in conn.scan_iter("lucine:*") if b"xxxxxxxx" in key]


@pytest.mark.redis_only
def test_an_operator_going_online_leaves_every_widget_cached(client, make, chat):
    """Visitors see an operator's id and display name only: her online flag, set at every sign-in and toggle,
    is not a change for any widget."""
    session_id, newest = chat
    settled(client, session_id, newest)
    operator = make.operator(is_online=False)
    db.session.commit()
    db.session.get(Operator, operator.id).is_online = True
    db.session.commit()
    with Statements() as sql:
        poll(client, session_id, newest)
    assert sql.count == 0

