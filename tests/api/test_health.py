"""GET /api/health exactly as API.md."""
from lucine_chatbot.services import timeouts

from ..conftest import TEST_REDIS_URL


def test_health_reports_every_field(client):
    response = client.get("/api/health")
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


def test_health_counts_open_chats(client, make):
    make.chat(status="ACTIVE")
    make.chat(status="WITH_OPERATOR")
    make.chat(status="ENDED")
    assert client.get("/api/health").json["metrics"]["activeChats"] == 2


def test_health_shows_the_last_sweep(client, app):
    timeouts.sweep()
    assert client.get("/api/health").json["services"]["scheduler"]["lastSweepAt"].endswith("Z")


def test_health_is_degraded_without_workers_when_redis_is_expected(client):
    body = client.get("/api/health").json
    if TEST_REDIS_URL:
        assert body["services"]["redis"] == "connected"
        assert body["status"] == "degraded" and body["services"]["queue"]["workers"] == 0
    else:
        assert body["services"]["redis"] == "not_configured" and body["status"] == "healthy"


def test_health_is_503_when_the_database_is_unreachable(tmp_path):
    from lucine_chatbot.app import create_app

    app = create_app({"APP_ENV": "testing",
                      "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    response = app.test_client().get("/api/health")
    assert response.status_code == 503
    assert response.json["status"] == "unhealthy" and response.json["database"] == "error"


def test_health_reports_an_unreachable_redis(tmp_path):
    from lucine_chatbot.app import create_app

    app = create_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'h.db'}",
                      "REDIS_URL": "redis://127.0.0.1:1/0"})
    body = app.test_client().get("/api/health").json
    assert body["services"]["redis"] == "error" and body["status"] == "degraded"


def test_openapi_document_lists_the_api(client):
    document = client.get("/api/openapi.json").json
    assert document["openapi"].startswith("3.")
    assert "/api/health" in document["paths"]


def test_favicon_is_served_so_pages_log_no_404(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/svg+xml"


def test_json_keeps_the_contract_field_order(client):
    assert list(client.get("/api/health").json)[0] == "status"
