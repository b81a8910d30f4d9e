"""Automated texts: every key in it/en/de, admin edits validated by placeholder, used at once."""
import pytest

from lucine_chatbot.content import automated_texts


def put(client, headers, key, language, text):
    return client.put(f"/api/automated-texts/{key}/{language}", json={"text": text}, headers=headers)


def test_operators_see_every_key_in_three_languages_with_placeholders(client, operator_headers):
    texts = client.get("/api/automated-texts", headers=operator_headers).get_json()["texts"]
    keys = {t["key"] for t in texts}
    assert {"greeting", "operator_joined", "queue_position", "no_operator", "ticket_created", "still_there",
            "chat_reactivated", "goodbye", "rating_request"} <= keys
    assert len(texts) == 3 * len(keys)
    queue = next(t for t in texts if t["key"] == "queue_position" and t["language"] == "en")
    assert queue["placeholders"] == ["position", "waitMinutes"] and "{position}" in queue["text"]


def test_listing_filters_by_key_and_language(client, operator_headers):
    texts = client.get("/api/automated-texts?key=goodbye&language=de", headers=operator_headers).get_json()["texts"]
    assert [(t["key"], t["language"]) for t in texts] == [("goodbye", "de")]


def test_an_admin_edit_is_used_for_the_next_visitor_message(client, admin_headers):
    response = put(client, admin_headers, "operator_joined", "it", "Ecco {operatorName}!")
    assert response.status_code == 200 and response.get_json()["updatedAt"].endswith("Z")
    assert automated_texts.render("operator_joined", "it", operatorName="Giulia") == "Ecco Giulia!"


@pytest.mark.parametrize("text", ["Ecco l'operatore!", "Ecco {operatorName} e {nome}!", "Ecco {operatorName"])
def test_a_missing_unknown_or_broken_placeholder_is_422(client, admin_headers, text):
    response = put(client, admin_headers, "operator_joined", "it", text)
    assert response.status_code == 422 and "text" in response.get_json()["error"]["fields"]


def test_an_unknown_key_or_language_is_404(client, admin_headers):
    assert put(client, admin_headers, "nonsense", "it", "x").status_code == 404
    assert put(client, admin_headers, "goodbye", "fr", "Au revoir").status_code == 404
