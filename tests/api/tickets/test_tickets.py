"""The tickets API as API.md describes it: visitors create and resume, operators list, read, update, annotate."""
from datetime import timedelta

import pytest

from lucine_chatbot.app import create_app
from lucine_chatbot.extensions import db
from lucine_chatbot.models import AnalyticsEvent, AuditLog, ChatSession, Message, Ticket
from lucine_chatbot.tickets import intake


def post_ticket(client, **body):
    payload = {"description": "Posso cambiare data?", "contactMethod": "EMAIL", "email": "ana@example.com"}
    payload.update(body)
    return client.post("/api/tickets", json={k: v for k, v in payload.items() if v is not None})


def test_visitor_creates_a_ticket_and_gets_number_token_and_expected_reply(client, make):
    chat = make.chat()
    response = post_ticket(client, sessionId=chat.public_id)
    assert response.status_code == 201
    body = response.get_json()
    assert body["ticketNumber"].startswith("TKT-") and body["status"] == "OPEN"
    assert body["expectedReplyBy"].endswith("Z") and len(body["resumeToken"]) >= 40
    assert body["sessionId"] == chat.public_id


@pytest.mark.parametrize("body, status, field", [
    ({"email": "nope@"}, 422, "email"),
    ({"email": None}, 400, "email"),
    ({"contactMethod": "WHATSAPP", "email": None}, 400, "phone"),
    ({"contactMethod": "WHATSAPP", "phone": "0331 12345"}, 422, "phone"),
    ({"contactMethod": None}, 400, "contactMethod"),
    ({"contactMethod": "PIGEON"}, 422, "contactMethod"),
    ({"description": ""}, 400, "description"),
])
def test_ticket_contact_and_description_are_validated_with_fields(client, body, status, field):
    response = post_ticket(client, **body)
    assert response.status_code == status
    error = response.get_json()["error"]
    assert error["code"] == "VALIDATION_ERROR" and field in error["fields"]


@pytest.mark.parametrize("method, phone", [("WHATSAPP", "+1 415 555 0100"), ("PHONE", "+44 20 7946 0958"),
                                           ("WHATSAPP", "0091 98765 43210")])
def test_a_phone_outside_the_sms_countries_is_refused_with_422_naming_phone(client, method, phone):
    response = post_ticket(client, contactMethod=method, phone=phone, email=None)
    assert response.status_code == 422
    assert "IT, CH, DE, AT, FR" in response.get_json()["error"]["fields"]["phone"]


@pytest.mark.parametrize("phone", ["+41 79 123 45 67", "+49 151 2345678", "+43 664 1234567", "+33 6 12 34 56 78",
                                   "+39 333 1234567"])
def test_a_phone_of_the_sms_countries_is_accepted(client, phone):
    assert post_ticket(client, contactMethod="WHATSAPP", phone=phone, email=None).status_code == 201


def test_a_foreign_phone_next_to_an_email_contact_is_kept_and_never_messaged(client):
    assert post_ticket(client, contactMethod="EMAIL", phone="+1 415 555 0100").status_code == 201


def test_any_country_is_accepted_when_the_allow_list_is_a_star(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SMS_ALLOWED_COUNTRIES", ["*"])
    assert post_ticket(client, contactMethod="WHATSAPP", phone="+1 415 555 0100", email=None).status_code == 201


def test_unknown_fields_are_rejected(client):
    assert post_ticket(client, admin=True).status_code == 422


def test_visitor_ticket_creation_is_rate_limited(client):
    statuses = [post_ticket(client).status_code for _ in range(6)]
    assert statuses[:5] == [201] * 5 and statuses[5] == 429


def test_ticket_endpoints_answer_cors_preflight_for_the_shop_only():
    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                      "CORS_ORIGINS": ["https://shop.example"]})
    client = app.test_client()
    for path in ("/api/tickets", "/api/tickets/resume/abc"):
        allowed = client.options(path, headers={"Origin": "https://shop.example",
                                                "Access-Control-Request-Method": "POST"})
        assert allowed.headers.get("Access-Control-Allow-Origin") == "https://shop.example"
        other = client.options(path, headers={"Origin": "https://evil.example",
                                              "Access-Control-Request-Method": "POST"})
        assert "Access-Control-Allow-Origin" not in other.headers


def test_resume_link_returns_the_conversation_with_its_history(client, make):
    chat = make.chat()
    make.message(chat, body="Ho perso il biglietto")
    token = post_ticket(client, sessionId=chat.public_id).get_json()["resumeToken"]
    body = client.get(f"/api/tickets/resume/{token}").get_json()
    assert body["sessionId"] == chat.public_id and body["status"] == "OPEN"
    assert [m["sender"] for m in body["messages"]] == ["USER", "SYSTEM"]
    assert body["messages"][1]["metadata"]["kind"] == "ticket_created"


def test_resume_reopens_an_ended_conversation_in_a_usable_session(client, make):
    chat = make.chat()
    make.message(chat, body="Ho perso il biglietto")
    token = post_ticket(client, sessionId=chat.public_id).get_json()["resumeToken"]
    db.session.get(ChatSession, chat.id).status = "ENDED"
    db.session.commit()
    body = client.get(f"/api/tickets/resume/{token}").get_json()
    assert body["sessionId"] != chat.public_id and body["sessionStatus"] == "ACTIVE"
    assert [m["message"] for m in body["messages"]][0] == "Ho perso il biglietto"
    revived = db.session.query(ChatSession).filter_by(public_id=body["sessionId"]).one()
    assert db.session.query(Ticket).one().session_id == revived.id
    assert db.session.query(ChatSession).filter_by(public_id=chat.public_id).first() is None


def test_resume_with_an_unknown_token_is_404(client):
    assert client.get("/api/tickets/resume/not-a-token").status_code == 404


def make_tickets(count, **fields):
    made = []
    for n in range(count):
        ticket, _ = intake.create_ticket_from_visitor(f"richiesta {n}", "EMAIL", email="a@example.com")
        for key, value in fields.items():
            setattr(ticket, key, value)
        made.append(ticket)
    db.session.commit()
    return made


def test_operators_list_tickets_with_filters_and_pages(client, operator_headers):
    make_tickets(3)
    make_tickets(2, priority="URGENT", sla_breached=True, status="ESCALATED")
    everything = client.get("/api/tickets?perPage=2&page=2", headers=operator_headers).get_json()
    assert everything["total"] == 5 and everything["page"] == 2 and everything["perPage"] == 2
    assert len(everything["tickets"]) == 2
    breached = client.get("/api/tickets?breached=true&priority=URGENT", headers=operator_headers).get_json()
    assert breached["total"] == 2 and all(t["slaBreached"] for t in breached["tickets"])
    assert client.get("/api/tickets?status=OPEN", headers=operator_headers).get_json()["total"] == 3
    assert client.get("/api/tickets?perPage=1000", headers=operator_headers).status_code == 422


def test_ticket_list_needs_an_operator(client):
    assert client.get("/api/tickets").status_code == 401


def test_reading_a_ticket_is_audited(client, operator, operator_headers):
    ticket = make_tickets(1)[0]
    response = client.get(f"/api/tickets/{ticket.id}", headers=operator_headers)
    assert response.get_json()["ticket"]["ticketNumber"] == ticket.number
    audit = db.session.query(AuditLog).one()
    assert audit.operator_id == operator.id and audit.target_id == str(ticket.id)
    assert client.get("/api/tickets/999999", headers=operator_headers).status_code == 404


def test_resolving_a_ticket_sets_resolved_at_and_records_the_event(client, operator_headers):
    ticket = make_tickets(1)[0]
    response = client.patch(f"/api/tickets/{ticket.id}", json={"status": "RESOLVED"}, headers=operator_headers)
    assert response.status_code == 200 and response.get_json()["ticket"]["resolvedAt"].endswith("Z")
    assert db.session.query(AnalyticsEvent).filter_by(type="ticket_resolved").count() == 1


def test_a_forbidden_ticket_transition_is_409(client, operator_headers):
    ticket = make_tickets(1, status="CLOSED")[0]
    response = client.patch(f"/api/tickets/{ticket.id}", json={"status": "RESOLVED"}, headers=operator_headers)
    assert response.status_code == 409


def test_priority_change_moves_the_due_time_and_assignee_can_be_set_and_cleared(client, operator,
                                                                                 operator_headers):
    ticket = make_tickets(1)[0]
    url = f"/api/tickets/{ticket.id}"
    body = client.patch(url, json={"priority": "URGENT", "assignedTo": operator.id},
                        headers=operator_headers).get_json()["ticket"]
    assert body["priority"] == "URGENT" and body["assignedTo"]["id"] == operator.id
    assert db.session.get(Ticket, ticket.id).due_at == ticket.created_at + timedelta(hours=1)
    assert client.patch(url, json={"assignedTo": None}, headers=operator_headers).get_json()["ticket"][
        "assignedTo"] is None
    assert client.patch(url, json={"assignedTo": 424242}, headers=operator_headers).status_code == 422


def test_a_public_note_reaches_the_visitors_chat_and_a_private_one_does_not(client, operator_headers):
    ticket = make_tickets(1)[0]
    url = f"/api/tickets/{ticket.id}/notes"
    private = client.post(url, json={"note": "chiamare domani"}, headers=operator_headers)
    public = client.post(url, json={"note": "Abbiamo spostato la data.", "isPublic": True},
                         headers=operator_headers)
    assert private.status_code == public.status_code == 201
    assert public.get_json()["note"]["isPublic"] is True
    operator_messages = db.session.query(Message).filter_by(session_id=ticket.session_id, sender="OPERATOR").all()
    assert [m.body for m in operator_messages] == ["Abbiamo spostato la data."]
    assert operator_messages[0].meta["kind"] == "ticket_reply"
    detail = client.get(f"/api/tickets/{ticket.id}", headers=operator_headers).get_json()["ticket"]
    assert [n["isPublic"] for n in detail["notes"]] == [False, True]


def test_erasing_the_chat_leaves_nothing_of_the_visitor_on_its_tickets(client, make, operator, operator_headers):
    from lucine_chatbot.models import AnalyticsEvent, InternalNote, TicketNote

    chat = make.chat()
    make.message(chat, body="Sono Ana Rossi")
    created = post_ticket(client, sessionId=chat.public_id, description="Ana Rossi, biglietto 42").get_json()
    ticket = db.session.query(Ticket).one()
    client.post(f"/api/tickets/{ticket.id}/notes", json={"note": "Cara Ana, fatto", "isPublic": True},
                headers=operator_headers)
    assert client.delete(f"/api/chat/{chat.public_id}").status_code == 204
    db.session.expire_all()
    assert client.get(f"/api/tickets/resume/{created['resumeToken']}").status_code == 404
    ticket = db.session.get(Ticket, ticket.id)
    assert (ticket.email, ticket.phone, ticket.resume_token_hash) == (None, None, None)
    leftovers = [ticket.description, ticket.subject]
    leftovers += [m.body for m in db.session.query(Message)] + [n.content for n in db.session.query(InternalNote)]
    leftovers += [n.note for n in db.session.query(TicketNote)]
    leftovers += [str(e.data) for e in db.session.query(AnalyticsEvent)]
    assert not [text for text in leftovers if "Ana" in text or "ana@example.com" in text]
