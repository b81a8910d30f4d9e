"""Odd poll cursors are a 400, never a 500; no session id or resume token reaches a log line."""
import runpy
from pathlib import Path

import pytest

from lucine_chatbot.platform.redaction import redact

from ..conftest import assert_json_error

ROOT = Path(__file__).resolve().parents[3]
SECRET = "S3cr3tS3ss10n"
# Arguments of a route that are a visitor's credential (a session id, a resume token).
SECRET_ARGUMENTS = {"session_id", "token", "resume_token", "public_id"}


@pytest.mark.parametrize("after", [
    "²", "٣", "１２", "3.0", "1e3", "0x10", "-1", "+1", " 1", "1 ", "", "abc", "1_000",
    "9223372036854775808", "99999999999999999999999999999999", "1" * 400,
])
def test_a_cursor_that_is_not_a_plain_non_negative_integer_is_a_400(client, make, after):
    chat = make.chat()
    make.message(chat)
    response = client.get(f"/api/chat/poll/{chat.public_id}", query_string={"after": after})
    assert_json_error(response, 400, "VALIDATION_ERROR")
    assert "after" in response.json["error"]["fields"]


@pytest.mark.parametrize("after", ["0", "7", "2147483648", "9223372036854775807"])
def test_any_plain_cursor_up_to_bigint_is_served(client, make, after):
    chat = make.chat()
    make.message(chat)
    response = client.get(f"/api/chat/poll/{chat.public_id}?after={after}")
    assert response.status_code == 200, response.get_data(as_text=True)


def test_an_odd_cursor_on_an_unknown_session_is_a_400_too(client):
    assert_json_error(client.get("/api/chat/poll/nobody?after=²"), 400, "VALIDATION_ERROR")


def test_the_contract_says_what_a_cursor_is(client):
    operation = client.get("/api/openapi.json").json["paths"]["/api/chat/poll/{session_id}"]["get"]
    after = next(p for p in operation["parameters"] if p["name"] == "after")
    assert any(s.get("pattern") == "^[0-9]{1,19}$" for s in after["schema"]["anyOf"])


def secret_routes(app):
    for rule in app.url_map.iter_rules():
        secret_args = rule.arguments & SECRET_ARGUMENTS
        if secret_args:
            values = {name: SECRET if name in secret_args else "1" for name in rule.arguments}
            yield rule, rule.build(values, append_unknown=False)[1]


def test_every_route_that_carries_a_session_id_or_token_is_redacted(app):
    routes = list(secret_routes(app))
    assert {rule.endpoint for rule, _ in routes} >= {"chat.poll_chat", "chat.rate_chat", "chat.delete_chat",
                                                     "chat_management.get_history", "tickets.resume_ticket",
                                                     "dashboard.show_chat"}
    for rule, path in routes:
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            for line in (f"{method} {path}?after=4 HTTP/1.1", path, f"https://chat.example{path}"):
                assert SECRET not in redact(line), (rule.rule, line)


def test_every_query_parameter_named_after_a_session_id_is_redacted(client):
    paths = client.get("/api/openapi.json").json["paths"]
    names = {(path, p["name"]) for path, item in paths.items() for operation in item.values()
             for p in operation.get("parameters", []) if p["in"] == "query" and "session" in p["name"].lower()}
    assert ("/api/analytics/events", "sessionId") in names
    for path, name in names:
        assert SECRET not in redact(f"GET {path}?limit=5&{name}={SECRET}&x=1 HTTP/1.1"), (path, name)


@pytest.mark.parametrize("line", [
    f"GET /api/chat%2Fpoll%2F{SECRET} HTTP/1.1",  # werkzeug decodes %2F: this routes to the poll
    f"GET /api/ch%61t/poll/{SECRET} HTTP/1.1",
    f"GET /api//chat//poll//{SECRET} HTTP/1.1",  # merged slashes (a redirect, logged with the secret)
    f"GET /dashboard/login?next=%2Fdashboard%2Fchats%2F{SECRET} HTTP/1.1",  # the sign-in redirect keeps it
    f"GET /dashboard/login?next=/dashboard/chats/{SECRET} HTTP/1.1",
    f"GET /api/chat/poll/{SECRET}%0Aforged%20line HTTP/1.1",
])
def test_encoded_merged_and_redirected_forms_are_redacted(line):
    redacted = redact(line)
    assert SECRET not in redacted and "\n" not in redacted


def test_the_sign_in_redirect_of_a_chat_page_carries_the_session_id_that_the_log_hides(client):
    response = client.get(f"/dashboard/chats/{SECRET}")
    assert response.status_code in (302, 303)
    assert SECRET in response.location and SECRET not in redact(response.location)


def test_paths_without_secrets_are_logged_as_they_are():
    for line in ("POST /api/chat HTTP/1.1", "GET /api/chat/poll HTTP/1.1", "GET /api/health HTTP/1.1",
                 "GET /api/tickets?status=OPEN&page=2 HTTP/1.1", "GET /api/chat-management/active-chats HTTP/1.1"):
        assert redact(line) == line


def test_gunicorn_and_the_app_error_log_use_the_same_redaction():
    from lucine_chatbot.platform import errors

    assert runpy.run_path(str(ROOT / "gunicorn.conf.py"))["redact"] is redact
    assert errors.redact is redact


def test_an_unhandled_error_logs_the_path_without_the_session_id(build_probe_app, caplog):
    probe_app = build_probe_app()

    @probe_app.get("/api/chat/<session_id>/explode")
    def explode(session_id):
        raise RuntimeError("boom")

    with caplog.at_level("ERROR", logger="lucine_chatbot.platform.errors"):
        response = probe_app.test_client().get(f"/api/chat/{SECRET}/explode")
    assert response.status_code == 500
    assert "unhandled error" in caplog.text and SECRET not in caplog.text
