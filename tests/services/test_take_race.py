"""N operators take the same chat at the same moment, each on its own thread and connection: one wins."""
import threading

import pytest

from lucine_chatbot.errors import Conflict
from lucine_chatbot.extensions import db
from lucine_chatbot.models import ChatSession, ChatStatus, OperatorChat
from lucine_chatbot.services import operator_chats

THREADS = 8


def take_concurrently(app, operator_ids, public_id):
    barrier = threading.Barrier(len(operator_ids))
    results = {}

    def take(operator_id):
        with app.app_context():
            try:
                db.session.connection()  # each thread holds its own connection before the start line
                barrier.wait(timeout=10)
                operator_chats.take_chat(operator_id, public_id)
                results[operator_id] = "won"
            except Conflict:
                db.session.rollback()
                results[operator_id] = "conflict"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=take, args=(op_id,)) for op_id in operator_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results


@pytest.mark.postgres_only
@pytest.mark.real_db
def test_of_eight_concurrent_takes_exactly_one_wins_and_the_rest_conflict(app, make):
    operator_ids = [make.operator(is_online=bool(n % 2)).id for n in range(THREADS)]
    public_id = make.chat(status="WAITING_OPERATOR").public_id
    db.session.commit()
    results = take_concurrently(app, operator_ids, public_id)
    assert sorted(results.values()) == ["conflict"] * (THREADS - 1) + ["won"]
    db.session.expire_all()
    chat = db.session.query(ChatSession).filter_by(public_id=public_id).one()
    winner = next(op_id for op_id, outcome in results.items() if outcome == "won")
    assert chat.status == ChatStatus.WITH_OPERATOR and chat.operator_id == winner
    assert db.session.query(OperatorChat).filter_by(session_id=chat.id).count() == 1


@pytest.mark.postgres_only
@pytest.mark.real_db
def test_one_operator_taking_many_chats_at_once_never_exceeds_capacity(app, make, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CHATS_PER_OPERATOR", 2)
    operator_id = make.operator(is_online=True).id
    chats = [make.chat(status="WAITING_OPERATOR").public_id for _ in range(THREADS)]
    db.session.commit()
    barrier = threading.Barrier(THREADS)
    outcomes = []

    def take(public_id):
        with app.app_context():
            try:
                db.session.connection()
                barrier.wait(timeout=10)
                operator_chats.take_chat(operator_id, public_id)
                outcomes.append("won")
            except Conflict:
                db.session.rollback()
                outcomes.append("conflict")
            finally:
                db.session.remove()

    threads = [threading.Thread(target=take, args=(public_id,)) for public_id in chats]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert outcomes.count("won") == 2 and outcomes.count("conflict") == THREADS - 2
