"""The API keeps its own contract: what the published schema forbids is refused (strict JSON types, no control
characters or lone surrogates in text, no null where a PATCH field cannot be null), and what it accepts is
served; every response's content type is documented."""
import json

import pytest

from lucine_chatbot.extensions import db
from lucine_chatbot.models import KnowledgeItem
from lucine_chatbot.schemas import TEXT_PATTERN

from ..conftest import assert_json_error


@pytest.fixture
def item():
    item = KnowledgeItem(slug="orari", language="it", category="general", question="Orari?", answer="17:30-23:00",
                         keywords=["orari"])
    db.session.add(item)
    db.session.flush()
    return item


def raw_json(client, method, url, text, headers):
    """Send `text` as the body byte for byte (lone surrogates cannot go through json=)."""
    return client.open(url, method=method, data=text.encode("utf-8", "surrogatepass"),
                       content_type="application/json", headers=headers)


@pytest.mark.parametrize("field", ["category", "isActive", "question", "answer", "keywords"])
def test_patching_a_knowledge_item_with_null_is_a_422_and_changes_nothing(client, admin_headers, item, field):
    response = client.patch(f"/api/knowledge/{item.id}", json={field: None}, headers=admin_headers)
    assert_json_error(response, 422, "VALIDATION_ERROR")
    assert field in response.json["error"]["fields"]
    db.session.expire_all()
    assert (item.category, item.is_active, item.question) == ("general", True, "Orari?")


def test_a_patch_that_leaves_fields_out_still_changes_only_what_it_sends(client, admin_headers, item):
    response = client.patch(f"/api/knowledge/{item.id}", json={"isActive": False}, headers=admin_headers)
    assert response.status_code == 200 and response.json["isActive"] is False
    assert response.json["category"] == "general"


@pytest.mark.parametrize("method, url, body", [
    ("PATCH", "/api/knowledge/{item}", {"isActive": 0}),
    ("PATCH", "/api/knowledge/{item}", {"isActive": "true"}),
    ("POST", "/api/knowledge", {"question": "Q?", "answer": "A", "isActive": 1}),
    ("POST", "/api/operators/status", {"isOnline": 0}),
    ("POST", "/api/operators/transfer", {"sessionId": "x", "toOperatorId": "5"}),
    ("POST", "/api/operators/transfer", {"sessionId": "x", "toOperatorId": 5.0}),
    ("POST", "/api/operators/transfer", {"sessionId": "x", "toOperatorId": True}),
    ("POST", "/api/chat/{session}/rating", {"rating": "5"}),
    ("POST", "/api/tickets/{ticket}/notes", {"note": "ok", "isPublic": 0}),
])
def test_json_bodies_get_the_types_the_schema_publishes_no_coercion(client, admin_headers, item, make, method, url,
                                                                   body):
    from lucine_chatbot.tickets import intake

    chat = make.chat()
    ticket, _ = intake.create_ticket_from_visitor("Rimborso", "EMAIL", email="ana@example.com")
    url = url.format(item=item.id, session=chat.public_id, ticket=ticket.id)
    response = client.open(url, method=method, json=body, headers=admin_headers)
    assert_json_error(response, 422, "VALIDATION_ERROR")


def test_query_strings_are_text_so_their_numbers_and_booleans_are_still_read(client, admin_headers):
    response = client.get("/api/tickets?page=1&perPage=5&breached=false", headers=admin_headers)
    assert response.status_code == 200 and response.json["perPage"] == 5


NOTES = [
    ("POST", "/api/chat-management/add-note", '{{"sessionId": "{session}", "content": "{text}"}}'),
    ("POST", "/api/chat-management/update-status", '{{"sessionId": "{session}", "status": "RESOLVED", '
                                                    '"notes": "{text}"}}'),
    ("POST", "/api/tickets/{ticket}/notes", '{{"note": "{text}"}}'),
    ("PATCH", "/api/knowledge/{item}", '{{"answer": "{text}"}}'),
    ("POST", "/api/chat", '{{"message": "{text}"}}'),
]
BAD_TEXT = ["a\\u0001b", "\\u001b[31mred", "\\u000bleading vertical tab", "trailing\\u001f", "\\u007f", "x\\u0085y",
            "\\ud800 alone", "alone \\udfff", "nul\\u0000"]


@pytest.mark.parametrize("method, url, template", NOTES, ids=[n[1] for n in NOTES])
@pytest.mark.parametrize("text", BAD_TEXT)
def test_control_characters_and_lone_surrogates_in_free_text_are_a_422(client, admin_headers, item, make,
                                                                        method, url, template, text):
    from lucine_chatbot.tickets import intake

    chat = make.chat(status="WITH_OPERATOR")
    ticket, _ = intake.create_ticket_from_visitor("Rimborso", "EMAIL", email="ana@example.com")
    url = url.format(item=item.id, ticket=ticket.id)
    response = raw_json(client, method, url, template.format(session=chat.public_id, text=text), admin_headers)
    assert_json_error(response, 422, "VALIDATION_ERROR")


@pytest.mark.parametrize("text", ["riga uno\nriga due", "tab\there", "windows\r\nline", "🎄 Natale «Lucine»",
                                  "soft\u00adhyphen", "\u202eright-to-left"])
def test_line_breaks_tabs_and_printable_unicode_are_kept_exactly(client, admin_headers, make, text):
    chat = make.chat(status="WITH_OPERATOR")
    response = client.post("/api/chat-management/add-note", json={"sessionId": chat.public_id, "content": text},
                           headers=admin_headers)
    assert response.status_code == 201 and response.json["note"]["content"] == text


@pytest.fixture
def contract(client):
    return client.get("/api/openapi.json").json


def request_schemas(contract):
    """Every JSON Schema of a request (bodies, query and path parameters), with its components resolved."""
    for path, item in contract["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            if body:
                yield f"{method.upper()} {path} body", body
            for parameter in operation.get("parameters", []):
                yield f"{method.upper()} {path} {parameter['name']}", parameter["schema"]
    for name, schema in contract["components"]["schemas"].items():
        yield name, schema


def strings_in(schema):
    if isinstance(schema, dict):
        if schema.get("type") == "string" and not {"enum", "const", "format"} & set(schema):
            yield schema
        for value in schema.values():
            yield from strings_in(value)
    elif isinstance(schema, list):
        for value in schema:
            yield from strings_in(value)


def test_every_text_field_of_a_request_says_which_characters_it_takes(contract):
    request_components = json.dumps([s for _, s in request_schemas(contract)])
    missing = [name for name, schema in request_schemas(contract) for s in strings_in(schema) if "pattern" not in s
               and not (name in contract["components"]["schemas"] and name not in request_components)]
    assert not missing, missing[:10]
    assert any(s.get("pattern") == TEXT_PATTERN for _, schema in request_schemas(contract) for s in strings_in(schema))


def test_the_knowledge_patch_schema_offers_no_null(contract):
    body = contract["paths"]["/api/knowledge/{item_id}"]["patch"]["requestBody"]["content"]["application/json"]
    properties = body["schema"]["properties"]
    for name in ("category", "isActive", "question", "answer", "keywords"):
        assert "anyOf" not in properties[name] and "default" not in properties[name], name
    assert properties["isActive"]["type"] == "boolean"


def test_every_response_documents_its_content_type(contract):
    for path, item in contract["paths"].items():
        for method, operation in item.items():
            for status, response in operation["responses"].items():
                if status == "204":
                    assert "content" not in response, (method, path)
                else:
                    assert list(response.get("content", {})) == ["application/json"], (method, path, status)


def test_a_knowledge_or_calendar_delete_answers_204_with_no_body_and_the_apis_content_type(client, admin_headers,
                                                                                           item):
    client.put("/api/calendar/overrides/2025-12-20", json={"status": "SOLD_OUT"}, headers=admin_headers)
    for url in (f"/api/knowledge/{item.id}", "/api/calendar/overrides/2025-12-20"):
        response = client.delete(url, headers=admin_headers)
        assert response.status_code == 204 and response.get_data() == b"", url
        assert response.mimetype == "application/json", url


@pytest.mark.parametrize("query", ["language=it&language=de", "key=greeting&key=goodbye"])
def test_a_query_parameter_given_twice_is_a_422_not_its_first_value(client, admin_headers, query):
    response = client.get(f"/api/automated-texts?{query}", headers=admin_headers)
    assert_json_error(response, 422, "VALIDATION_ERROR")
    assert "given more than once" in response.json["error"]["fields"].values()


@pytest.mark.parametrize("url", [
    "/api/chat-management/archive?from=0001-01-01", "/api/chat-management/archive?to=9999-12-31",
    "/api/analytics/stats?date=0001-01-01", "/api/analytics/events?since=0001-01-01T00:00:00Z",
    "/api/analytics/events?until=9999-12-31T23:59:59-12:00", "/api/analytics/events?since=0",
])
def test_dates_at_the_ends_of_the_calendar_or_given_as_numbers_are_a_422_not_a_500(client, admin_headers, url):
    assert_json_error(client.get(url, headers=admin_headers), 422, "VALIDATION_ERROR")
