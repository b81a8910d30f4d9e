"""Security headers on every response, strict pages, HSTS only in production over HTTPS, safe cookies."""
import pytest

from tests.support.factories import DEFAULT_PASSWORD


@pytest.fixture(scope="module")
def production_app(build_probe_app):
    mp = pytest.MonkeyPatch()
    mp.setenv("SECRET_KEY", "production-secret-for-tests")
    mp.setenv("JWT_SECRET_KEY", "production-jwt-secret-for-tests-0123456789abcdef")
    try:
        yield build_probe_app(APP_ENV="production", TRUSTED_PROXY_HOPS=1)
    finally:
        mp.undo()


@pytest.mark.parametrize("path", ["/api/health", "/api/openapi.json", "/api/no-such-thing", "/dashboard/login",
                                  "/", "/dashboard/nothing-here"])
def test_every_response_carries_the_baseline_headers(client, path):
    headers = client.get(path).headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in headers["Permissions-Policy"]


def test_the_server_banner_names_no_software_or_version(client):
    server = client.get("/api/health").headers.get("Server", "")
    assert "werkzeug" not in server.lower() and "python" not in server.lower() and "/" not in server


def test_a_header_the_view_set_is_kept_once_and_the_banner_is_always_ours(production_app):
    headers = production_app.test_client().get("/api/probe/own-headers").headers
    assert headers.getlist("Cache-Control") == ["max-age=60"]
    assert headers.getlist("X-Frame-Options") == ["DENY"]
    assert headers.getlist("Server") == ["lucine"]
    assert headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


@pytest.mark.parametrize("method, path", [("DELETE", "/api/health"), ("GET", "/api/probe/item/99999999999999999999")])
def test_error_responses_carry_the_headers_too(client, method, path):
    response = client.open(path, method=method)
    assert response.status_code in (404, 405)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"


def test_dashboard_pages_get_a_strict_csp_and_cannot_be_framed(client):
    headers = client.get("/dashboard/login").headers
    csp = headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert "object-src 'none'" in csp
    assert headers["X-Frame-Options"] == "DENY"


def test_api_responses_are_not_cached_and_cannot_be_framed(client):
    headers = client.get("/api/health").headers
    assert headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]


def test_the_widget_files_can_be_loaded_by_the_shop(client):
    response = client.get("/static/dashboard/dashboard.css")
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"


def test_no_hsts_outside_production(client):
    assert "Strict-Transport-Security" not in client.get("/api/openapi.json",
                                                         base_url="https://localhost").headers


def test_hsts_in_production_over_https_only(production_app):
    client = production_app.test_client()
    secure = client.get("/api/probe/ip", headers={"X-Forwarded-Proto": "https"})
    plain = client.get("/api/probe/ip")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Strict-Transport-Security" not in plain.headers


def test_production_never_serves_a_debug_page(production_app):
    assert not production_app.debug
    assert production_app.config["JWT_COOKIE_SECURE"] and production_app.config["SESSION_COOKIE_SECURE"]


def _cookie_attributes(response, name):
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(name + "="):
            return {part.strip().split("=")[0].lower() for part in header.split(";")[1:]}, header
    raise AssertionError(f"no {name} cookie in {response.headers.getlist('Set-Cookie')}")


def test_the_dashboard_session_cookie_is_httponly_and_samesite(client, operator):
    response = client.post("/dashboard/login", data={"username": operator.username, "password": DEFAULT_PASSWORD})
    attributes, raw = _cookie_attributes(response, "access_token_cookie")
    assert "httponly" in attributes
    assert "samesite=strict" in raw.lower() or "samesite=lax" in raw.lower()
    assert "secure" not in attributes  # plain http in development and tests; production sets it (above)


def test_production_cookies_are_secure_httponly_and_samesite(production_app):
    from types import SimpleNamespace

    from flask import make_response
    from flask_jwt_extended import create_access_token, set_access_cookies

    with production_app.test_request_context():
        response = make_response("ok")
        token = create_access_token(identity=SimpleNamespace(id=1, role="OPERATOR", username="op"))
        set_access_cookies(response, token)
    attributes, raw = _cookie_attributes(response, "access_token_cookie")
    assert {"secure", "httponly"} <= attributes and "samesite=strict" in raw.lower()
    csrf_attributes, _ = _cookie_attributes(response, "csrf_access_token")
    assert "secure" in csrf_attributes  # readable by the page's script (double submit), but never over http


def test_nothing_opens_or_sets_a_flask_session_cookie(app, client, operator):
    from flask import session

    login = client.post("/dashboard/login", data={"username": operator.username, "password": DEFAULT_PASSWORD})
    poll = client.post("/api/chat", json={"message": "ciao"})
    cookies = [c for r in (login, poll) for c in r.headers.getlist("Set-Cookie")]
    assert cookies and not any(c.startswith(app.config.get("SESSION_COOKIE_NAME", "session") + "=") for c in cookies)
    with app.test_request_context("/"):
        with pytest.raises(RuntimeError):  # state belongs in JWTs and the database, not in a signed cookie
            session["visitor"] = "x"
