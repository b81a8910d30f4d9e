"""Every status change goes through one validated place and leaves an event."""
import pytest

from lucine_chatbot.chats import state_machine
from lucine_chatbot.chats.state_machine import InvalidTransition
from lucine_chatbot.extensions import db
from lucine_chatbot.models import AnalyticsEvent, ChatStatus


def test_allowed_change_records_an_event(make):
    chat = make.chat(status="ACTIVE")
    assert state_machine.change_status(chat, "WAITING_OPERATOR", reason="request") == ChatStatus.ACTIVE
    event = db.session.query(AnalyticsEvent).filter_by(type="chat_status_changed").one()
    assert event.data == {"from": "ACTIVE", "to": "WAITING_OPERATOR", "reason": "request"}
    assert event.session_public_id == chat.public_id


def test_ended_is_final(make):
    chat = make.chat(status="ENDED")
    with pytest.raises(InvalidTransition) as excinfo:
        state_machine.change_status(chat, "ACTIVE")
    assert excinfo.value.status == 409


@pytest.mark.parametrize("start, target", [("IDLE", "WAITING_CLIENT"), ("ACTIVE", "WAITING_CLIENT"),
                                           ("WAITING_OPERATOR", "IDLE"), ("RESOLVED", "NOT_RESOLVED")])
def test_forbidden_changes_are_refused(make, start, target):
    with pytest.raises(InvalidTransition):
        state_machine.change_status(make.chat(status=start), target)


def test_same_status_is_a_no_op_without_event(make):
    chat = make.chat(status="ACTIVE")
    state_machine.change_status(chat, "ACTIVE")
    assert db.session.query(AnalyticsEvent).count() == 0


def test_every_status_is_in_the_table():
    assert set(state_machine.TRANSITIONS) == set(ChatStatus)
