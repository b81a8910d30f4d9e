"""/api/knowledge (operators read, admins write) and /api/calendar, exactly as API.md."""
from lucine_chatbot import assistant
from tests.support.assistant_helpers import kb  # noqa: F401  (fixture)


def ask(question, language="it"):
    return assistant.reply(assistant.Question(question, language))


def test_operators_list_and_filter_the_knowledge_base(client, kb, operator_headers):
    body = client.get("/api/knowledge?language=en&category=parking", headers=operator_headers).json
    assert body["total"] == len(body["items"]) > 5
    item = body["items"][0]
    assert set(item) >= {"id", "question", "answer", "keywords", "category", "language", "isActive", "updatedAt"}
    assert {i["language"] for i in body["items"]} == {"en"} and {i["category"] for i in body["items"]} == {"parking"}
    found = client.get("/api/knowledge?q=guinzaglio", headers=operator_headers).json["items"]
    assert [i["slug"] for i in found] == ["dogs"]


def test_the_knowledge_base_needs_a_token_and_writes_need_an_admin(client, operator_headers):
    assert client.get("/api/knowledge").status_code == 401
    response = client.post("/api/knowledge", json={"question": "q", "answer": "a"}, headers=operator_headers)
    assert response.status_code == 403


def test_an_admin_edit_reaches_the_assistant_without_restart(client, kb, admin_headers):
    assert not ask("Ci sono armadietti per le borse?").confident
    response = client.post("/api/knowledge", headers=admin_headers, json={
        "question": "Ci sono armadietti per le borse?", "answer": "Sì, armadietti gratuiti all'ingresso.",
        "keywords": ["armadietti", "deposito borse"], "category": "services", "language": "it"})
    assert response.status_code == 201 and response.json["slug"] == "ci-sono-armadietti-per-le-borse"
    item_id = response.json["id"]
    assert ask("Ci sono armadietti per le borse?").text == "Sì, armadietti gratuiti all'ingresso."
    patched = client.patch(f"/api/knowledge/{item_id}", headers=admin_headers,
                           json={"answer": "Sì, al punto informazioni."})
    assert patched.status_code == 200 and patched.json["answer"] == "Sì, al punto informazioni."
    assert ask("armadietti per le borse?").text == "Sì, al punto informazioni."
    assert client.delete(f"/api/knowledge/{item_id}", headers=admin_headers).status_code == 204
    assert not ask("Ci sono armadietti per le borse?").confident
    assert client.delete(f"/api/knowledge/{item_id}", headers=admin_headers).status_code == 404


def test_a_deactivated_item_is_no_longer_answered(client, kb, admin_headers, operator_headers):
    dogs = client.get("/api/knowledge?q=guinzaglio&language=it", headers=operator_headers).json["items"][0]
    client.patch(f"/api/knowledge/{dogs['id']}", headers=admin_headers, json={"isActive": False})
    assert "guinzaglio" not in ask("Si possono portare i cani?").text


def test_a_duplicate_slug_is_409_and_bad_input_422(client, kb, admin_headers):
    body = {"question": "Dove si parcheggia?", "answer": "x", "slug": "parking-overview", "language": "it"}
    assert client.post("/api/knowledge", json=body, headers=admin_headers).status_code == 409
    assert client.post("/api/knowledge", json={**body, "language": "fr"}, headers=admin_headers).status_code == 422
    assert client.post("/api/knowledge", json={"answer": "x"}, headers=admin_headers).status_code == 400


def test_the_calendar_is_public_and_overrides_need_an_operator(client, kb, operator_headers):
    body = client.get("/api/calendar").json
    assert body["timezone"] == "Europe/Rome"
    assert body["season"] == {"start": "2025-12-06", "end": "2026-01-06"}
    assert body["hours"] == {"open": "17:30", "close": "23:00", "lastEntry": "22:30"}
    assert body["closedDates"] == ["2025-12-24", "2025-12-31"] and body["overrides"] == []
    assert set(body["today"]) == {"date", "status", "note"}
    url = "/api/calendar/overrides/2025-12-20"
    assert client.put(url, json={"status": "SOLD_OUT"}).status_code == 401
    response = client.put(url, json={"status": "SOLD_OUT", "note": "Tutto esaurito"}, headers=operator_headers)
    assert response.status_code == 200 and response.json["status"] == "SOLD_OUT"
    assert client.get("/api/calendar").json["overrides"][0]["note"] == "Tutto esaurito"
    assert client.put(url, json={"status": "MAYBE"}, headers=operator_headers).status_code == 422
    assert client.put("/api/calendar/overrides/20-12", json={"status": "OPEN"},
                      headers=operator_headers).status_code == 422
    assert client.delete(url, headers=operator_headers).status_code == 204
    assert client.delete(url, headers=operator_headers).status_code == 404
