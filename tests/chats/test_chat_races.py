"""Pairs of use cases racing on one chat, each on its own thread and connection (PostgreSQL): whichever wins,
the chat ends in a legal state, the loser gets a domain answer (409/403) or a consistent outcome, never a
deadlock or a 503, and nobody writes over a change it did not see (issue 21; the lock order in
services/lookup.py)."""
from datetime import timedelta

import pytest

from lucine_chatbot.chats import management, operator_desk, sweep
from lucine_chatbot.chats.visitor import conversation
from lucine_chatbot.extensions import db
from lucine_chatbot.models import ChatSession, ChatStatus, Message, Operator, OperatorChat, Sender, utcnow
from lucine_chatbot.operators import accounts, presence
from tests.support.concurrency import race

ROUNDS = 6


def on_postgres(test):
    """Row locks and threads: the races run on PostgreSQL, committing through several connections."""
    return pytest.mark.postgres_only(pytest.mark.real_db(test))


def reload(model, ident):
    db.session.expire_all()
    return db.session.get(model, ident)


def open_stints(chat_id):
    return db.session.query(OperatorChat).filter_by(session_id=chat_id, ended_at=None).all()


@on_postgres
def test_a_visitor_message_racing_the_sweeps_end_never_revives_an_ended_chat(app, make):
    long_ago = utcnow() - timedelta(seconds=app.config["END_AFTER_SECONDS"] + 60)
    for round_ in range(ROUNDS):
        chat = make.chat(status="IDLE", last_activity_at=long_ago, created_at=long_ago)
        db.session.commit()
        chat_id, public_id, text = chat.id, chat.public_id, f"Ci siete ancora? ({round_})"

        race(app, lambda: conversation.post_message(public_id, text),
             lambda: (sweep.end_inactive(utcnow()), db.session.commit()))

        chat = reload(ChatSession, chat_id)
        visitor_messages = db.session.query(Message).filter_by(session_id=chat_id, sender=Sender.USER).count()
        if chat.status == ChatStatus.ENDED:  # the sweep first: the message opened a new chat
            assert visitor_messages == 0
            assert db.session.query(Message).filter(Message.body == text,
                                                    Message.session_id != chat_id).count() == 1
        else:  # the visitor first: the chat is alive again and the sweep left it alone
            assert chat.status == ChatStatus.ACTIVE and visitor_messages == 1


@on_postgres
def test_a_visitor_asking_for_a_human_while_the_only_operator_takes_the_chat(app, make):
    for _ in range(ROUNDS):
        operator_id = make.operator(is_online=True).id
        chat = make.chat(status="ACTIVE")
        db.session.commit()
        chat_id, public_id = chat.id, chat.public_id

        outcomes = race(app, lambda: conversation.perform_action(public_id, "request_operator"),
                        lambda: operator_desk.take_chat(operator_id, public_id))

        assert outcomes[0] == "ok" and outcomes[1] in ("ok", "ChatAlreadyTaken")
        chat = reload(ChatSession, chat_id)
        assert chat.status == ChatStatus.WITH_OPERATOR and chat.operator_id == operator_id
        assert [s.operator_id for s in open_stints(chat_id)] == [operator_id]
        db.session.query(Operator).filter_by(id=operator_id).update({"is_online": False})
        db.session.commit()


@on_postgres
def test_a_transfer_racing_a_close_leaves_the_chat_with_one_of_them(app, make):
    for _ in range(ROUNDS):
        owner_id = make.operator(is_online=True).id
        target_id = make.operator(is_online=True).id
        chat = make.chat(status="WITH_OPERATOR", operator_id=owner_id)
        db.session.add(OperatorChat(session_id=chat.id, operator_id=owner_id, assigned_at=utcnow()))
        db.session.commit()
        chat_id, public_id = chat.id, chat.public_id

        outcomes = race(app, lambda: operator_desk.transfer_chat(owner_id, public_id, target_id),
                        lambda: management.update_status(owner_id, public_id, "RESOLVED"))

        chat = reload(ChatSession, chat_id)
        if chat.status == ChatStatus.RESOLVED:  # the close first: the transfer found it closed
            assert outcomes == ["ChatClosed", "ok"]
            assert chat.operator_id is None and open_stints(chat_id) == []
        else:  # the transfer first: the owner no longer owns it
            assert outcomes == ["ok", "NotYourChat"]
            assert chat.status == ChatStatus.WITH_OPERATOR and chat.operator_id == target_id
            assert [s.operator_id for s in open_stints(chat_id)] == [target_id]
        db.session.query(Operator).filter(Operator.id.in_([owner_id, target_id])).update(
            {"is_online": False}, synchronize_session=False)
        db.session.commit()


@on_postgres
@pytest.mark.parametrize("leaving", ["offline", "deactivated"])
def test_an_operator_leaving_while_a_visitor_is_assigned_to_her(app, make, leaving):
    for _ in range(ROUNDS):
        operator_id = make.operator(is_online=True).id
        chat = make.chat(status="ACTIVE")
        db.session.commit()
        chat_id, public_id = chat.id, chat.public_id

        def leave():
            if leaving == "offline":
                presence.set_online(db.session.get(Operator, operator_id), False)
            else:
                accounts.update_operator(operator_id, {"is_active": False})

        race(app, lambda: conversation.perform_action(public_id, "request_operator"), leave)

        chat = reload(ChatSession, chat_id)
        operator = reload(Operator, operator_id)
        assert not operator.is_online
        stints = open_stints(chat_id)
        if chat.status == ChatStatus.WITH_OPERATOR:  # assigned before she left (going offline keeps her chats)
            assert leaving == "offline" and chat.operator_id == operator_id
            assert [s.operator_id for s in stints] == [operator_id]
        else:  # she left first (a ticket is offered or the chat waits), or she was deactivated: it went back
            assert chat.operator_id is None and stints == []
            assert chat.status in (ChatStatus.ACTIVE, ChatStatus.WAITING_OPERATOR)


class _Deadlock(Exception):
    sqlstate = "40P01"


def test_a_use_case_postgresql_aborted_for_a_deadlock_runs_once_more_and_no_more():
    import sqlalchemy as sa

    from lucine_chatbot.chats import lookup

    calls = []

    @lookup.retried_once
    def use_case(fail_times):
        calls.append(1)
        if len(calls) <= fail_times:
            raise sa.exc.OperationalError("UPDATE …", {}, _Deadlock())
        return "done"

    assert use_case(1) == "done" and len(calls) == 2
    calls.clear()
    with pytest.raises(sa.exc.OperationalError):
        use_case(2)
    assert len(calls) == 2
    calls.clear()
    with pytest.raises(sa.exc.OperationalError):  # not transient (a lost connection): shown as 503, not rerun
        lookup.retried_once(lambda: calls.append(1) or (_ for _ in ()).throw(
            sa.exc.OperationalError("SELECT 1", {}, Exception("server closed the connection"))))()
    assert len(calls) == 1
