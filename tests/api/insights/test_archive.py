"""GET /api/chat-management/archive: the dashboard's search over every conversation."""
from datetime import datetime

from lucine_chatbot.extensions import db
from lucine_chatbot.models import OperatorChat


def search(client, headers, **params):
    response = client.get("/api/chat-management/archive", query_string=params, headers=headers)
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_archive_needs_an_operator_token(client):
    assert client.get("/api/chat-management/archive").status_code == 401


def test_archive_finds_chats_by_message_text_case_insensitively(client, make, operator_headers):
    wanted = make.chat(status="RESOLVED")
    make.message(wanted, "Posso portare il CANE al guinzaglio?")
    other = make.chat()
    make.message(other, "Quanto costa il biglietto ridotto?")
    data = search(client, operator_headers, q="cane")
    assert [chat["sessionId"] for chat in data["chats"]] == [wanted.public_id]
    assert data["total"] == 1
    assert data["chats"][0]["lastMessage"] == "Posso portare il CANE al guinzaglio?"
    assert data["chats"][0]["messageCount"] == 1


def test_archive_treats_like_wildcards_in_the_query_as_text(client, make, operator_headers):
    make.message(make.chat(), "sconto del 100 per cento")
    assert search(client, operator_headers, q="100%")["total"] == 0
    assert search(client, operator_headers, q="_")["total"] == 0


def test_archive_filters_by_status_operator_and_local_date(client, make, operator, operator_headers):
    handled = make.chat(status="RESOLVED", created_at=datetime(2025, 12, 20, 22, 30))  # 23:30 in Rome
    db.session.add(OperatorChat(session_id=handled.id, operator_id=operator.id))
    make.chat(status="ENDED", created_at=datetime(2025, 12, 20, 23, 30))  # already 21 Dec in Rome
    db.session.flush()
    assert [c["sessionId"] for c in search(client, operator_headers, status="RESOLVED")["chats"]] == [
        handled.public_id]
    by_operator = search(client, operator_headers, operatorId=operator.id)
    assert [c["sessionId"] for c in by_operator["chats"]] == [handled.public_id]
    assert by_operator["chats"][0]["operators"][0]["username"] == operator.username
    by_day = search(client, operator_headers, **{"from": "2025-12-20", "to": "2025-12-20"})
    assert [c["sessionId"] for c in by_day["chats"]] == [handled.public_id]


def test_archive_paginates_newest_activity_first(client, make, operator_headers):
    chats = [make.chat(last_activity_at=datetime(2025, 12, 10, 18, minute)) for minute in range(3)]
    first = search(client, operator_headers, perPage=2)
    assert [c["sessionId"] for c in first["chats"]] == [chats[2].public_id, chats[1].public_id]
    assert (first["total"], first["page"], first["perPage"]) == (3, 1, 2)
    assert [c["sessionId"] for c in search(client, operator_headers, perPage=2, page=2)["chats"]] == [
        chats[0].public_id]


def test_archive_rejects_an_unknown_status_with_422(client, operator_headers):
    response = client.get("/api/chat-management/archive?status=LOST", headers=operator_headers)
    assert response.status_code == 422
    assert "status" in response.get_json()["error"]["fields"]

