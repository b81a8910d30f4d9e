"""Canned replies: admins manage them, operators read them."""


def create(client, headers, **fields):
    body = {"shortcut": "orari", "title": "Orari", "text": "Siamo aperti 17:30–23:00.", **fields}
    return client.post("/api/canned-replies", json=body, headers=headers)


def test_admin_creates_edits_and_deletes_a_canned_reply(client, admin_headers, operator_headers):
    created = create(client, admin_headers)
    reply = created.get_json()["cannedReply"]
    assert created.status_code == 201 and reply["language"] == "it"
    edited = client.patch(f"/api/canned-replies/{reply['id']}", json={"text": "Dalle 17:30."},
                          headers=admin_headers)
    assert edited.get_json()["cannedReply"]["text"] == "Dalle 17:30."
    listed = client.get("/api/canned-replies", headers=operator_headers).get_json()["cannedReplies"]
    assert [r["shortcut"] for r in listed] == ["orari"]
    assert client.delete(f"/api/canned-replies/{reply['id']}", headers=admin_headers).status_code == 204
    assert client.get("/api/canned-replies", headers=operator_headers).get_json()["cannedReplies"] == []


def test_a_shortcut_is_unique_per_language(client, admin_headers):
    create(client, admin_headers)
    assert create(client, admin_headers).status_code == 409
    assert create(client, admin_headers, language="en").status_code == 201


def test_listing_filters_by_language(client, admin_headers, operator_headers):
    create(client, admin_headers)
    create(client, admin_headers, language="de", shortcut="zeiten")
    listed = client.get("/api/canned-replies?language=de", headers=operator_headers).get_json()["cannedReplies"]
    assert [r["shortcut"] for r in listed] == ["zeiten"]


def test_a_bad_shortcut_is_422_and_an_unknown_reply_404(client, admin_headers):
    assert create(client, admin_headers, shortcut="two words").status_code == 422
    assert client.patch("/api/canned-replies/99999", json={"title": "x"}, headers=admin_headers).status_code == 404
    assert client.delete("/api/canned-replies/99999", headers=admin_headers).status_code == 404
