"""One JSON error shape for every /api path; HTML pages elsewhere; no trace ever."""
import pytest
from flask import Blueprint

from lucine_chatbot.platform.errors import Conflict
from lucine_chatbot.schemas import ApiModel, validate


class Echo(ApiModel):
    message: str
    count: int = 1


@pytest.fixture(scope="module")
def probe_app(tmp_path_factory):
    """A separate app, because routes cannot be added to one that already served requests."""
    from lucine_chatbot.app import create_app

    app = create_app({"APP_ENV": "testing",
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path_factory.mktemp('probe') / 'p.db'}"})
    bp = Blueprint("probe", __name__, url_prefix="/api/probe")

    @bp.post("/echo")
    @validate(body=Echo)
    def echo(body):
        return {"message": body.message, "count": body.count}

    @bp.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    @bp.get("/conflict")
    def conflict():
        raise Conflict("Already taken.")

    app.register_blueprint(bp)
    return app


@pytest.fixture
def client(probe_app):
    return probe_app.test_client()


def assert_error(response, status, code):
    assert response.status_code == status
    assert response.is_json
    assert response.json["error"]["code"] == code
    assert response.json["error"]["message"]


def test_unknown_api_path_is_a_json_404(client):
    assert_error(client.get("/api/does-not-exist"), 404, "NOT_FOUND")


def test_wrong_method_is_a_json_405(client):
    assert_error(client.delete("/api/health"), 405, "METHOD_NOT_ALLOWED")


def test_malformed_json_is_a_400(client):
    response = client.post("/api/probe/echo", data="{not json", content_type="application/json")
    assert_error(response, 400, "VALIDATION_ERROR")


def test_a_non_object_body_is_a_400(client):
    assert_error(client.post("/api/probe/echo", json=[1, 2]), 400, "VALIDATION_ERROR")


def test_a_form_body_is_a_415(client):
    assert_error(client.post("/api/probe/echo", data={"message": "x"}), 415, "UNSUPPORTED_MEDIA_TYPE")


def test_missing_field_is_a_400_naming_the_field(client):
    response = client.post("/api/probe/echo", json={})
    assert_error(response, 400, "VALIDATION_ERROR")
    assert "message" in response.json["error"]["fields"]


def test_wrong_type_is_a_422_naming_the_field(client):
    response = client.post("/api/probe/echo", json={"message": "hi", "count": "many"})
    assert_error(response, 422, "VALIDATION_ERROR")
    assert "count" in response.json["error"]["fields"]


def test_unknown_fields_are_rejected(client):
    response = client.post("/api/probe/echo", json={"message": "hi", "isAdmin": True})
    assert_error(response, 422, "VALIDATION_ERROR")
    assert "isAdmin" in response.json["error"]["fields"]


def test_valid_body_passes_with_camel_case(client):
    assert client.post("/api/probe/echo", json={"message": " hi ", "count": 2}).json == {"message": "hi", "count": 2}


def test_body_over_64_kb_is_a_413(client):
    response = client.post("/api/probe/echo", json={"message": "x" * (65 * 1024)})
    assert_error(response, 413, "PAYLOAD_TOO_LARGE")


def test_domain_conflict_is_a_409(client):
    assert_error(client.get("/api/probe/conflict"), 409, "CONFLICT")


def test_unexpected_error_is_a_500_without_trace(client):
    response = client.get("/api/probe/boom")
    assert_error(response, 500, "INTERNAL_ERROR")
    assert "secret internals" not in response.get_data(as_text=True)
    assert "Traceback" not in response.get_data(as_text=True)


def test_dashboard_paths_get_html_error_pages(client):
    response = client.get("/dashboard/no-such-page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "404" in response.get_data(as_text=True)


def test_api_responses_carry_security_headers(client):
    response = client.get("/api/health")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    assert response.headers["Server"] == "lucine"
