"""Every analytics event type is recorded, by name, inside the service function that makes the change."""
import inspect

import pytest

from lucine_chatbot.chats import assignment, escalation, management, operator_desk, state_machine, sweep
from lucine_chatbot.chats.visitor import conversation, replies
from lucine_chatbot.insights import events
from lucine_chatbot.notifications import phone_limits
from lucine_chatbot.operators import access
from lucine_chatbot.tickets import desk, intake
from tests.support.assistant_helpers import kb, say  # noqa: F401  (fixture)

# type → the functions that record it, where the change happens (also listed in docs/analytics.md)
PRODUCERS = {
    "chat_started": [conversation.open_session, intake.new_session],
    "chat_message": [conversation.post_message],
    "ai_response": [replies._store_reply],
    "ai_error": [replies._store_reply],
    "escalation_request": [escalation.request_operator],
    "operator_connected": [assignment.assign],
    "escalation_failed": [escalation.offer_ticket],
    "queue_timeout": [sweep.offer_ticket_after_long_wait],
    "chat_timeout": [sweep.end_inactive],
    "chat_reactivated": [conversation.to_human],
    "chat_status_changed": [state_machine.change_status],
    "chat_resolved": [escalation.close_chat],
    "chat_abandoned": [sweep.end_inactive],
    "chat_transferred": [operator_desk.transfer_chat],
    "chat_rated": [conversation.rate],
    "internal_note_added": [management.add_internal_note],
    "ticket_created": [intake.create_ticket_from_visitor, intake.create_ticket_from_chat],
    "ticket_from_chat": [intake.create_ticket_from_chat],
    "ticket_resolved": [desk.change_ticket_status],
    "ticket_sla_breached": [desk.escalate_overdue],
    "operator_login": [access.login],
    "operator_logout": [access.logout],
    "data_deleted": [conversation.erase],
    "sms_cap_reached": [phone_limits.record_cap_reached],
}


def test_the_audit_lists_every_event_type_and_nothing_else():
    assert set(PRODUCERS) == set(events.EVENT_TYPES)


@pytest.mark.parametrize("event_type", sorted(PRODUCERS))
def test_each_event_type_is_recorded_where_its_change_happens(event_type):
    for producer in PRODUCERS[event_type]:
        source = inspect.getsource(producer)
        assert "events.record(" in source and f'"{event_type}"' in source, \
            f"{producer.__module__}.{producer.__name__} does not record {event_type}"


def session_events(client, headers, session_id):
    listed = client.get(f"/api/analytics/events?sessionId={session_id}&limit=1000", headers=headers).json
    return {event["type"]: event for event in reversed(listed["events"])}  # the latest of each type


def test_a_real_conversation_through_the_api_records_what_the_stats_report(client, run_jobs, kb, operator,
                                                                           operator_headers):
    _status, data = say(client, run_jobs, "Quanto costa il biglietto intero?")
    session_id = data["sessionId"]
    client.post("/api/chat", json={"action": "request_operator", "sessionId": session_id})
    sent = client.post("/api/operators/send-message", headers=operator_headers,
                       json={"sessionId": session_id, "message": "Buonasera, eccomi"})
    assert sent.status_code == 201
    closed = client.post("/api/chat-management/update-status", headers=operator_headers,
                         json={"sessionId": session_id, "status": "RESOLVED"})
    assert closed.status_code == 200
    assert client.post(f"/api/chat/{session_id}/rating", json={"rating": 4}).status_code == 201

    seen = session_events(client, operator_headers, session_id)
    assert {"chat_started", "chat_message", "ai_response", "escalation_request", "operator_connected",
            "chat_status_changed", "chat_resolved", "chat_rated"} <= set(seen)
    assert seen["chat_started"]["data"]["language"] == "it"
    assert seen["ai_response"]["data"]["provider"] == "offline"
    assert isinstance(seen["ai_response"]["data"]["latencyMs"], int)
    assert seen["operator_connected"]["operatorId"] == operator.id
    assert seen["chat_status_changed"]["data"]["to"] == "RESOLVED"
    assert seen["chat_rated"]["data"] == {"rating": 4}

    stats = client.get("/api/analytics/stats", headers=operator_headers).json
    assert stats["today"]["totalChats"] == 1 and stats["today"]["escalated"] == 1
    assert stats["today"]["aiResolved"] == 0
    assert stats["performance"]["avgAiResponseMs"] == seen["ai_response"]["data"]["latencyMs"]
    assert stats["performance"]["avgOperatorFirstResponseSeconds"] >= 0
    assert stats["performance"]["satisfaction"] == 4.0
