"""GET /api/health: up or down for the public, the details for operators and configured monitors."""
import pytest

from lucine_chatbot.chats import sweep
from tests.conftest import TEST_REDIS_URL

MONITOR_TOKEN = "monitor-token-0123456789abcdef"


@pytest.fixture
def details(client, operator_headers):
    """GET /api/health as a signed-in operator: the detailed body."""
    return lambda: client.get("/api/health", headers=operator_headers)


def test_the_public_learns_only_that_the_service_is_up(client):
    response = client.get("/api/health")
    assert response.status_code == 200 and response.json == {"status": "up"}


@pytest.mark.parametrize("headers", [
    {"Authorization": "Bearer not-a-token"}, {"X-Health-Token": "guess"}, {"X-Health-Token": ""},
    {"Authorization": "Bearer eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0."},
])
def test_a_bad_token_or_a_wrong_monitor_token_gets_the_public_answer_not_an_error(client, headers):
    response = client.get("/api/health", headers=headers)
    assert response.status_code == 200 and response.json == {"status": "up"}


def test_a_revoked_or_deactivated_operator_gets_the_public_answer(client, make, db_session):
    from flask_jwt_extended import decode_token

    from lucine_chatbot.operators import access

    gone = make.operator(username="gone-op")
    headers = make.auth_headers(gone)
    access.logout(gone, decode_token(headers["Authorization"].split()[1]))
    assert client.get("/api/health", headers=headers).json == {"status": "up"}
    inactive = make.operator(username="inactive-op")
    headers = make.auth_headers(inactive)
    inactive.is_active = False
    db_session.flush()
    assert client.get("/api/health", headers=headers).json == {"status": "up"}


def test_the_token_of_an_operator_who_no_longer_exists_gets_the_public_answer(client):
    from types import SimpleNamespace

    from flask_jwt_extended import create_access_token

    ghost = SimpleNamespace(id=2_000_000_000, role="ADMIN", username="ghost")
    response = client.get("/api/health", headers={"Authorization": f"Bearer {create_access_token(identity=ghost)}"})
    assert response.status_code == 200 and response.json == {"status": "up"}


def test_a_monitor_with_the_configured_token_gets_the_details(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "HEALTH_CHECK_TOKEN", MONITOR_TOKEN)
    body = client.get("/api/health", headers={"X-Health-Token": MONITOR_TOKEN}).json
    assert body["status"] in ("healthy", "degraded") and body["database"] == "connected"
    assert client.get("/api/health", headers={"X-Health-Token": MONITOR_TOKEN[:-1]}).json == {"status": "up"}


def test_no_monitor_token_is_accepted_when_none_is_configured(client, app):
    assert app.config["HEALTH_CHECK_TOKEN"] == ""
    assert client.get("/api/health", headers={"X-Health-Token": ""}).json == {"status": "up"}


def test_health_reports_every_field(details):
    response = details()
    assert response.status_code == 200
    body = response.json
    assert body["status"] in ("healthy", "degraded")
    assert body["database"] == "connected"
    assert set(body["services"]) >= {"redis", "queue", "scheduler", "ai"}
    assert set(body["services"]["queue"]) >= {"depth", "workers"}
    assert body["services"]["ai"]["provider"] == "offline"
    assert body["metrics"]["memoryMb"] > 0
    assert body["metrics"]["activeChats"] == 0
    assert body["uptime"] >= 0 and body["version"]


def test_health_counts_open_chats(details, make):
    make.chat(status="ACTIVE")
    make.chat(status="WITH_OPERATOR")
    make.chat(status="ENDED")
    assert details().json["metrics"]["activeChats"] == 2


def test_health_shows_the_last_sweep(details, app):
    sweep.sweep()
    assert details().json["services"]["scheduler"]["lastSweepAt"].endswith("Z")


def test_health_is_degraded_without_workers_when_redis_is_expected(details):
    body = details().json
    if TEST_REDIS_URL:
        assert body["services"]["redis"] == "connected"
        assert body["status"] == "degraded" and body["services"]["queue"]["workers"] == 0
    else:
        assert body["services"]["redis"] == "not_configured" and body["status"] == "healthy"


def test_health_is_503_when_the_database_is_unreachable(tmp_path):
    from lucine_chatbot.app import create_app

    app = create_app({"APP_ENV": "testing", "HEALTH_CHECK_TOKEN": MONITOR_TOKEN,
                      "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    response = app.test_client().get("/api/health")
    assert response.status_code == 503 and response.json == {"status": "down"}
    response = app.test_client().get("/api/health", headers={"X-Health-Token": MONITOR_TOKEN})
    assert response.status_code == 503
    assert response.json["status"] == "unhealthy" and response.json["database"] == "error"


def test_health_reports_an_unreachable_redis(tmp_path):
    from lucine_chatbot.app import create_app

    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'h.db'}",
                      "REDIS_URL": "redis://127.0.0.1:1/0", "HEALTH_CHECK_TOKEN": MONITOR_TOKEN})
    body = app.test_client().get("/api/health", headers={"X-Health-Token": MONITOR_TOKEN}).json
    assert body["services"]["redis"] == "error" and body["status"] == "degraded"


def test_openapi_document_lists_the_api(client):
    document = client.get("/api/openapi.json").json
    assert document["openapi"].startswith("3.")
    assert "/api/health" in document["paths"]


def test_the_openapi_document_is_built_once_per_app(tmp_path, monkeypatch):
    from lucine_chatbot.api import openapi
    from lucine_chatbot.app import create_app

    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'o.db'}"})
    calls = []
    build = openapi.build_document
    monkeypatch.setattr(openapi, "build_document", lambda a: calls.append(a) or build(a))
    client = app.test_client()
    first, second = client.get("/api/openapi.json"), client.get("/api/openapi.json")
    assert first.status_code == second.status_code == 200 and first.mimetype == "application/json"
    assert first.get_data() == second.get_data() and len(calls) == 1


def test_the_contract_documents_both_health_answers(client):
    responses = client.get("/api/openapi.json").json["paths"]["/api/health"]["get"]["responses"]
    assert {"200", "503"} <= set(responses)
    assert "application/json" in responses["503"]["content"]


def test_renders_health_check_path_still_answers_200_without_credentials(client):
    import yaml

    from tests.deploy.deploy_files import ROOT

    web = next(s for s in yaml.safe_load((ROOT / "render.yaml").read_text())["services"] if s["type"] == "web")
    assert client.get(web["healthCheckPath"]).status_code == 200


def test_favicon_is_served_so_pages_log_no_404(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"


def test_json_keeps_the_contract_field_order(details):
    assert list(details().json)[0] == "status"
