"""Status changes, notes, audited history, the live lists and chat-to-ticket over HTTP."""
from lucine_chatbot.extensions import db
from lucine_chatbot.models import (
    AnalyticsEvent,
    AuditLog,
    ChatStatus,
    InternalNote,
    Message,
    OperatorChat,
    QueueEntry,
    Sender,
    Ticket,
)


def assigned_chat(make, operator, status="WITH_OPERATOR", **fields):
    chat = make.chat(status=status, operator_id=operator.id, **fields)
    db.session.add(OperatorChat(session_id=chat.id, operator_id=operator.id))
    make.message(chat, "Ho una domanda")
    db.session.flush()
    return chat


def update_status(client, chat, status, headers, **extra):
    return client.post("/api/chat-management/update-status", headers=headers,
                       json={"sessionId": chat.public_id, "status": status, **extra})


def system_kinds(chat):
    return [m.meta.get("kind") for m in db.session.query(Message).filter_by(
        session_id=chat.id, sender=Sender.SYSTEM).order_by(Message.id)]


def test_resolving_ends_the_stint_says_goodbye_and_asks_for_a_rating(client, make, operator, operator_headers):
    chat = assigned_chat(make, operator)
    response = update_status(client, chat, "RESOLVED", operator_headers, notes="risolto al telefono")
    assert response.status_code == 200
    assert response.get_json() == {"sessionId": chat.public_id, "status": "RESOLVED",
                                   "previousStatus": "WITH_OPERATOR"}
    assert system_kinds(chat) == ["goodbye", "rating_request"]
    assert db.session.query(OperatorChat).filter_by(session_id=chat.id).one().ended_at is not None
    assert db.session.query(InternalNote).filter_by(session_id=chat.id).one().content == "risolto al telefono"
    assert db.session.query(AnalyticsEvent).filter_by(type="chat_resolved").count() == 1


def test_a_forbidden_transition_is_409(client, make, operator_headers):
    chat = make.chat(status="ENDED")
    assert update_status(client, chat, "RESOLVED", operator_headers).status_code == 409


def test_a_status_operators_may_not_set_is_422(client, make, operator, operator_headers):
    chat = assigned_chat(make, operator)
    assert update_status(client, chat, "IDLE", operator_headers).status_code == 422
    assert update_status(client, chat, "BOGUS", operator_headers).status_code == 422


def test_waiting_client_and_back_keep_the_operator(client, make, operator, operator_headers):
    chat = assigned_chat(make, operator)
    assert update_status(client, chat, "WAITING_CLIENT", operator_headers).status_code == 200
    assert update_status(client, chat, "WITH_OPERATOR", operator_headers).status_code == 200
    assert chat.operator_id == operator.id and system_kinds(chat) == []


def test_closing_a_chat_gives_the_freed_slot_to_the_queue(client, make, app, monkeypatch, operator,
                                                           operator_headers):
    monkeypatch.setitem(app.config, "MAX_CHATS_PER_OPERATOR", 1)
    chat = assigned_chat(make, operator)
    waiting = make.chat(status="WAITING_OPERATOR")
    db.session.add(QueueEntry(session_id=waiting.id))
    db.session.flush()
    update_status(client, chat, "NOT_RESOLVED", operator_headers)
    assert waiting.status == ChatStatus.WITH_OPERATOR and waiting.operator_id == operator.id


def test_notes_are_recorded_and_never_reach_the_visitor(client, make, operator, operator_headers):
    chat = assigned_chat(make, operator)
    response = client.post("/api/chat-management/add-note", headers=operator_headers,
                           json={"sessionId": chat.public_id, "content": "cliente VIP"})
    note = response.get_json()["note"]
    assert response.status_code == 201 and note["content"] == "cliente VIP"
    assert note["operator"]["id"] == operator.id and note["createdAt"].endswith("Z")
    assert all("VIP" not in m.body for m in db.session.query(Message).filter_by(session_id=chat.id))
    assert db.session.query(AnalyticsEvent).filter_by(type="internal_note_added").count() == 1


def test_history_returns_everything_and_is_audited(client, make, operator, operator_headers):
    chat = assigned_chat(make, operator)
    db.session.add(InternalNote(session_id=chat.id, operator_id=operator.id, content="nota"))
    db.session.flush()
    response = client.get(f"/api/chat-management/history/{chat.public_id}", headers=operator_headers,
                          environ_base={"REMOTE_ADDR": "10.1.2.3"})
    body = response.get_json()
    assert response.status_code == 200 and body["session"]["sessionId"] == chat.public_id
    assert [m["message"] for m in body["messages"]] == ["Ho una domanda"]
    assert [n["content"] for n in body["internalNotes"]] == ["nota"]
    assert [op["id"] for op in body["operators"]] == [operator.id] and body["tickets"] == []
    entry = db.session.query(AuditLog).one()
    assert (entry.operator_id, entry.action, entry.target_id, entry.ip_address) == (
        operator.id, "view_history", chat.public_id, "10.1.2.3")


def test_history_of_an_unknown_chat_is_404(client, operator_headers):
    assert client.get("/api/chat-management/history/nope", headers=operator_headers).status_code == 404


def test_admins_read_the_audit_log_newest_first_and_paginated(client, make, operator, operator_headers,
                                                              admin_headers):
    chats = [assigned_chat(make, operator) for _ in range(3)]
    for chat in chats:
        client.get(f"/api/chat-management/history/{chat.public_id}", headers=operator_headers)
    page = client.get("/api/operators/audit?perPage=2&page=1", headers=admin_headers).get_json()
    assert page["total"] == 3 and len(page["entries"]) == 2
    assert page["entries"][0]["targetId"] == chats[-1].public_id
    assert page["entries"][0]["operator"]["id"] == operator.id and page["entries"][0]["action"] == "view_history"
    only = client.get(f"/api/operators/audit?sessionId={chats[0].public_id}", headers=admin_headers).get_json()
    assert only["total"] == 1


def test_active_chats_filters_and_counts(client, make, operator, operator_headers):
    other = make.operator(is_online=True)
    mine = assigned_chat(make, operator)
    assigned_chat(make, other)
    quiet = assigned_chat(make, operator, status="WAITING_CLIENT")
    queued = make.chat(status="WAITING_OPERATOR")
    make.chat(status="ACTIVE")
    make.chat(status="RESOLVED")

    def listing(name):
        return client.get(f"/api/chat-management/active-chats?filter={name}", headers=operator_headers).get_json()

    assert listing("all")["counts"] == {"assigned": 2, "unassigned": 1, "waiting": 1, "all": 5}
    assert {c["sessionId"] for c in listing("assigned")["chats"]} == {mine.public_id, quiet.public_id}
    assert [c["sessionId"] for c in listing("unassigned")["chats"]] == [queued.public_id]
    assert [c["sessionId"] for c in listing("waiting")["chats"]] == [quiet.public_id]
    assert len(listing("all")["chats"]) == 5
    assert client.get("/api/chat-management/active-chats?filter=mine",
                      headers=operator_headers).status_code == 422


def test_create_ticket_from_a_chat_resolves_it(client, make, operator, operator_headers):
    chat = assigned_chat(make, operator)
    response = client.post("/api/chat-management/create-ticket", headers=operator_headers, json={
        "sessionId": chat.public_id, "subject": "Cambio data", "priority": "HIGH", "contactMethod": "EMAIL",
        "email": "visitatore@example.com"})
    assert response.status_code == 201
    ticket = response.get_json()["ticket"]
    assert ticket["ticketNumber"].startswith("TKT-") and ticket["sessionId"] == chat.public_id
    assert "Ho una domanda" in ticket["description"]
    assert chat.status == ChatStatus.RESOLVED
    assert db.session.query(Ticket).count() == 1
    assert any(ticket["ticketNumber"] in n.content for n in db.session.query(InternalNote).filter_by(
        session_id=chat.id))


def test_create_ticket_on_someone_elses_chat_is_403(client, make, operator_headers):
    chat = assigned_chat(make, make.operator(is_online=True))
    response = client.post("/api/chat-management/create-ticket", headers=operator_headers,
                           json={"sessionId": chat.public_id, "subject": "x"})
    assert response.status_code == 403


def test_an_admin_may_close_anyones_chat(client, make, admin_headers):
    chat = assigned_chat(make, make.operator(is_online=True))
    assert update_status(client, chat, "CANCELLED", admin_headers).status_code == 200
