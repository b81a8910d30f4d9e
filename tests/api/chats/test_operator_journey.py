"""Two operators and four visitors, all over HTTP: assignment, queue, racing takes, transfer, notes, statuses
and chat-to-ticket, with every step visible in the visitor's poll (issue 4's "done when")."""
import pytest

from tests.support import factories

pytestmark = pytest.mark.usefixtures("small_capacity")


@pytest.fixture
def small_capacity(app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CHATS_PER_OPERATOR", 1)


class Visitor:
    def __init__(self, client):
        self.client = client
        response = client.post("/api/chat", json={"message": "Ciao, a che ora aprite?"})
        assert response.status_code in (200, 202)
        self.session_id = response.get_json()["sessionId"]
        self.seen = response.get_json()["messages"]
        self.last_id = max(m["id"] for m in self.seen)

    def act(self, action):
        response = self.client.post("/api/chat", json={"action": action, "sessionId": self.session_id})
        assert response.status_code in (200, 202), response.get_json()
        return response.get_json()

    def poll(self):
        """What the widget sees since its last poll."""
        body = self.client.get(f"/api/chat/poll/{self.session_id}?after={self.last_id}").get_json()
        if body["messages"]:
            self.last_id = body["messages"][-1]["id"]
            self.seen += body["messages"]
        return body


def kinds(body):
    return [m["metadata"].get("kind") for m in body["messages"] if m["sender"] == "SYSTEM"]


def post(client, path, headers, **body):
    return client.post(path, json=body, headers=headers)


def test_two_operators_and_four_visitors_through_every_rule(client, app, make, run_jobs):
    anna = make.operator(username="anna", display_name="Anna", is_online=True)
    bruno = make.operator(username="bruno", display_name="Bruno", is_online=True)
    as_anna, as_bruno = factories.auth_headers(anna), factories.auth_headers(bruno)
    v1, v2, v3, v4 = (Visitor(client) for _ in range(4))
    run_jobs()  # on Redis a real worker writes the assistant's first answers
    for visitor in (v1, v2, v3, v4):
        visitor.poll()
        assert "BOT" in [m["sender"] for m in visitor.seen]

    # Assignment: each free operator gets one chat at once (fewest open chats, then round robin).
    assert kinds(v1.act("request_operator")) == ["operator_joined"]
    assert kinds(v2.act("request_operator")) == ["operator_joined"]
    seen1, seen2 = v1.poll(), v2.poll()
    assert {seen1["operator"]["displayName"], seen2["operator"]["displayName"]} == {"Anna", "Bruno"}
    assert set(seen1["operator"]) == {"id", "displayName"}, "a visitor never sees a username, role or email"
    anna_chat, bruno_chat = (v1, v2) if seen1["operator"]["displayName"] == "Anna" else (v2, v1)

    # Queue: both are full, so the next two wait with honest positions.
    assert kinds(v3.act("request_operator")) == ["queue_position"]
    assert kinds(v4.act("request_operator")) == ["queue_position"]
    assert v3.poll()["queue"]["position"] == 1 and v4.poll()["queue"]["position"] == 2
    pending = client.get("/api/operators/pending-chats", headers=as_anna).get_json()["chats"]
    assert [c["sessionId"] for c in pending] == [v3.session_id, v4.session_id]

    # Reply and note: the visitor sees the reply, never the note.
    post(client, "/api/operators/send-message", as_anna, sessionId=anna_chat.session_id, message="Ciao, sono Anna")
    post(client, "/api/chat-management/add-note", as_anna, sessionId=anna_chat.session_id, content="segreto")
    seen = anna_chat.poll()
    assert [m["message"] for m in seen["messages"] if m["sender"] == "OPERATOR"] == ["Ciao, sono Anna"]
    assert all("segreto" not in m["message"] for m in seen["messages"])

    # Someone else's chat is off limits; a transfer to a full operator is refused.
    assert post(client, "/api/operators/send-message", as_bruno, sessionId=anna_chat.session_id,
                message="intruso").status_code == 403
    assert post(client, "/api/operators/transfer", as_anna, sessionId=anna_chat.session_id,
                toOperatorId=bruno.id).status_code == 409

    # Status: resolving says goodbye, asks for a rating, and the freed slot takes the head of the queue.
    assert post(client, "/api/chat-management/update-status", as_anna, sessionId=anna_chat.session_id,
                status="RESOLVED").status_code == 200
    assert kinds(anna_chat.poll()) == ["goodbye", "rating_request"]
    seen3 = v3.poll()
    assert kinds(seen3) == ["operator_joined"] and seen3["operator"]["displayName"] == "Anna"
    assert seen3["status"] == "WITH_OPERATOR" and v4.poll()["queue"]["position"] == 1

    # Racing takes: with room for one more each, the first take wins and the second gets 409.
    app.config["MAX_CHATS_PER_OPERATOR"] = 2
    assert post(client, "/api/operators/take-chat", as_bruno, sessionId=v4.session_id).status_code == 200
    assert post(client, "/api/operators/take-chat", as_anna, sessionId=v4.session_id).status_code == 409
    assert v4.poll()["operator"]["displayName"] == "Bruno"

    # Transfer to a colleague with room: the visitor is told who has the chat now.
    assert post(client, "/api/operators/transfer", as_bruno, sessionId=v4.session_id, toOperatorId=anna.id,
                reason="parla tedesco").status_code == 200
    seen4 = v4.poll()
    assert kinds(seen4) == ["operator_transferred"] and seen4["operator"]["displayName"] == "Anna"

    # Waiting for the visitor and back.
    assert post(client, "/api/chat-management/update-status", as_anna, sessionId=v3.session_id,
                status="WAITING_CLIENT").status_code == 200
    assert v3.poll()["status"] == "WAITING_CLIENT"

    # Chat to ticket: the visitor gets the ticket number and the chat is resolved.
    response = post(client, "/api/chat-management/create-ticket", as_anna, sessionId=v3.session_id,
                    subject="Cambio data", contactMethod="EMAIL", email="ospite@example.com")
    assert response.status_code == 201
    number = response.get_json()["ticket"]["ticketNumber"]
    seen3 = v3.poll()
    assert seen3["status"] == "RESOLVED" and any(number in m["message"] for m in seen3["messages"])

    # The visitor ends their chat: goodbye and rating, and Bruno's chat lists are right.
    assert kinds(bruno_chat.act("end_chat")) == ["goodbye", "rating_request"]
    counts = client.get("/api/chat-management/active-chats?filter=all", headers=as_bruno).get_json()["counts"]
    assert counts == {"assigned": 0, "unassigned": 0, "waiting": 0, "all": 1}
