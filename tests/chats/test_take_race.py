"""Concurrent claims on PostgreSQL, each on its own thread and connection: one winner, capacity never exceeded."""
import threading

import pytest

from lucine_chatbot.chats import escalation, operator_desk
from lucine_chatbot.extensions import db
from lucine_chatbot.models import ChatSession, ChatStatus, OperatorChat, QueueEntry
from tests.support import factories
from tests.support.concurrency import race

THREADS = 8
pytestmark = [pytest.mark.postgres_only, pytest.mark.real_db]


def run_at_once(app, calls):
    """Each call on its own thread and connection, released together: "won", or "conflict" for a 409."""
    return ["won" if outcome == "ok" else "conflict" for outcome in race(app, *calls)]


def test_of_eight_concurrent_takes_exactly_one_wins_and_the_rest_conflict(app, make):
    operator_ids = [make.operator(is_online=bool(n % 2)).id for n in range(THREADS)]
    public_id = make.chat(status="WAITING_OPERATOR").public_id
    db.session.commit()
    outcomes = run_at_once(app, [lambda op_id=op_id: operator_desk.take_chat(op_id, public_id)
                                 for op_id in operator_ids])
    assert sorted(outcomes) == ["conflict"] * (THREADS - 1) + ["won"]
    db.session.expire_all()
    chat = db.session.query(ChatSession).filter_by(public_id=public_id).one()
    assert chat.status == ChatStatus.WITH_OPERATOR and chat.operator_id == operator_ids[outcomes.index("won")]
    assert db.session.query(OperatorChat).filter_by(session_id=chat.id).count() == 1


def test_one_operator_taking_many_chats_at_once_never_exceeds_capacity(app, make, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CHATS_PER_OPERATOR", 2)
    operator_id = make.operator(is_online=True).id
    chats = [make.chat(status="WAITING_OPERATOR").public_id for _ in range(THREADS)]
    db.session.commit()
    outcomes = run_at_once(app, [lambda pid=pid: operator_desk.take_chat(operator_id, pid) for pid in chats])
    assert outcomes.count("won") == 2 and outcomes.count("conflict") == THREADS - 2


def test_simultaneous_requests_fill_capacity_then_queue(app, make, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CHATS_PER_OPERATOR", 2)
    operator_id = make.operator(is_online=True).id
    chat_ids = [make.chat().id for _ in range(THREADS)]
    db.session.commit()

    def request(chat_id):
        escalation.request_operator(db.session.get(ChatSession, chat_id), "visitor_request")
        db.session.commit()

    outcomes = run_at_once(app, [lambda cid=cid: request(cid) for cid in chat_ids])
    assert outcomes == ["won"] * THREADS
    db.session.expire_all()
    statuses = [db.session.get(ChatSession, cid).status for cid in chat_ids]
    assert statuses.count(ChatStatus.WITH_OPERATOR) == 2 and statuses.count(ChatStatus.WAITING_OPERATOR) == 6
    assert db.session.query(OperatorChat).filter_by(operator_id=operator_id, ended_at=None).count() == 2
    positions = sorted(escalation.queue_position(db.session.get(ChatSession, cid))["position"]
                       for cid in chat_ids if db.session.query(QueueEntry).filter_by(session_id=cid).count())
    assert positions == [1, 2, 3, 4, 5, 6]


def test_eight_operators_taking_one_chat_over_http_get_one_200_and_seven_409(app, make):
    operators = [make.operator(is_online=True) for _ in range(THREADS)]
    headers = [factories.auth_headers(op) for op in operators]
    public_id = make.chat(status="WAITING_OPERATOR").public_id
    db.session.commit()
    barrier = threading.Barrier(THREADS)
    codes = [None] * THREADS

    def take(index):
        client = app.test_client()
        barrier.wait(timeout=10)
        codes[index] = client.post("/api/operators/take-chat", json={"sessionId": public_id},
                                   headers=headers[index]).status_code

    threads = [threading.Thread(target=take, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(codes) == [200] + [409] * (THREADS - 1)
