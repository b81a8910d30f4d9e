"""Bad input gets a clear 4xx in the one JSON error shape, before it can reach a service or the database."""
import pytest

from ..conftest import assert_json_error


@pytest.fixture(scope="module")
def probe_client(build_probe_app):
    return build_probe_app().test_client()


def post(client, data, content_type="application/json"):
    return client.post("/api/probe/limited", data=data, content_type=content_type,
                       environ_base={"REMOTE_ADDR": "192.0.2.1"})


@pytest.fixture(autouse=True)
def fresh_limits():
    from lucine_chatbot.extensions import limiter

    limiter.reset()


@pytest.mark.parametrize("raw", ["{", '{"text": "x",}', "nul\x00", '{"text": "\\ud800"', "[1,2", "\xff\xfe",
                                 "null", "[]", '"text"', "1e999999"])
def test_malformed_or_non_object_json_is_a_400_or_422(probe_client, raw):
    response = post(probe_client, raw.encode("utf-8", "surrogatepass"))
    assert response.status_code in (400, 422)
    assert_json_error(response, response.status_code, "VALIDATION_ERROR")


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
                                          "application/xml", "application/json-patch+xml"])
def test_a_body_that_is_not_json_is_a_415(probe_client, content_type):
    assert_json_error(post(probe_client, '{"text": "x"}', content_type), 415, "UNSUPPORTED_MEDIA_TYPE")


def test_a_body_over_64_kb_is_a_413(probe_client):
    assert_json_error(post(probe_client, '{"text": "' + "x" * 70000 + '"}'), 413, "PAYLOAD_TOO_LARGE")


def test_a_nul_character_in_a_text_field_is_a_422_naming_the_field(probe_client):
    response = post(probe_client, '{"text": "a\\u0000b"}')
    assert_json_error(response, 422, "VALIDATION_ERROR")
    assert "text" in response.json["error"]["fields"]


def test_a_lone_surrogate_is_a_422(probe_client):
    assert_json_error(post(probe_client, '{"text": "\\udc00 alone"}'), 422, "VALIDATION_ERROR")


@pytest.mark.parametrize("text", ["\u202eevil\u202c", "🎄✨ Natale 🎅🏽", "e\u0301\u200d", "<script>alert(1)</script>",
                                  "'; DROP TABLE chat_message; --", "ä" * 500])
def test_odd_but_valid_text_is_returned_exactly_as_sent(probe_client, text):
    import json

    response = post(probe_client, json.dumps({"text": text}))
    assert response.status_code == 200
    assert response.json["text"] == text
    assert response.mimetype == "application/json"


def test_a_nul_in_the_url_is_a_400(probe_client):
    assert_json_error(probe_client.get("/api/probe/ip?q=a%00b"), 400, "VALIDATION_ERROR")
    assert_json_error(probe_client.get("/api/probe/item%00"), 400, "VALIDATION_ERROR")


def test_an_id_beyond_the_database_integer_is_a_404(probe_client):
    assert probe_client.get("/api/probe/item/2147483647").status_code == 200
    assert_json_error(probe_client.get("/api/probe/item/99999999999999999999"), 404, "NOT_FOUND")


def test_unknown_fields_such_as_role_are_rejected(probe_client):
    response = post(probe_client, '{"text": "x", "role": "ADMIN", "isAdmin": true}')
    assert_json_error(response, 422, "VALIDATION_ERROR")
    assert {"role", "isAdmin"} <= set(response.json["error"]["fields"])
