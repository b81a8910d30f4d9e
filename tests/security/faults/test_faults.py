"""Faults: the database dropping every connection, Redis down. Nothing accepted is lost, nothing is a 500."""
import psycopg
import pytest
import sqlalchemy as sa

from config import normalise_database_url
from lucine_chatbot.extensions import db
from lucine_chatbot.platform import dispatch
from tests.conftest import TEST_DATABASE_URL
from tests.support import factories

DEAD_REDIS = "redis://127.0.0.1:9/0"  # port 9 (discard): nothing listens, connections are refused at once


def terminate_other_backends():
    """What a PostgreSQL restart does to the app: every pooled connection dies under it."""
    with psycopg.connect(TEST_DATABASE_URL, autocommit=True) as conn:
        rows = conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                            "WHERE datname = current_database() AND pid <> pg_backend_pid()").fetchall()
    return len(rows)


@pytest.fixture
def redis_down(app, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", DEAD_REDIS)
    monkeypatch.setitem(app.extensions, "lucine_redis", None)
    yield
    app.extensions.pop("lucine_redis", None)


def probe_client(build_probe_app, ping_idle_seconds, username):
    # A separate app, so every request gets its own app context and session, as under gunicorn.
    pg_app = build_probe_app(SQLALCHEMY_DATABASE_URI=normalise_database_url(TEST_DATABASE_URL),
                             DB_PING_IDLE_SECONDS=ping_idle_seconds)
    with pg_app.app_context():
        headers = factories.auth_headers(factories.operator(role="ADMIN", username=username))
        db.session.commit()
    client = pg_app.test_client()
    assert client.get("/api/tickets", headers=headers).status_code == 200
    return client, headers


@pytest.mark.postgres_only
@pytest.mark.real_db
def test_an_idle_connection_that_died_is_replaced_before_any_request_meets_it(build_probe_app):
    client, headers = probe_client(build_probe_app, 0, "admin-idle")  # every pooled connection is "idle"
    assert terminate_other_backends() >= 1
    response = client.get("/api/tickets", headers=headers)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert client.get("/api/health", headers=headers).json["database"] == "connected"


@pytest.mark.postgres_only
@pytest.mark.real_db
def test_a_busy_connection_is_not_pinged_and_one_dead_one_costs_one_503(build_probe_app):
    client, headers = probe_client(build_probe_app, 3600, "admin-busy")
    assert terminate_other_backends() >= 1
    response = client.get("/api/tickets", headers=headers)
    assert response.status_code == 503 and response.json["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert client.get("/api/tickets", headers=headers).status_code == 200  # the pool was replaced


@pytest.mark.postgres_only
@pytest.mark.real_db
def test_the_idle_ping_leaves_no_transaction_open(build_probe_app):
    pg_app = build_probe_app(SQLALCHEMY_DATABASE_URI=normalise_database_url(TEST_DATABASE_URL),
                             DB_PING_IDLE_SECONDS=0)
    with pg_app.app_context():
        db.session.execute(sa.text("SELECT 1"))
        db.session.commit()  # checked in: the next checkout pings
        connection = db.session.connection()
        assert connection.connection.dbapi_connection.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        db.session.rollback()


def test_the_dispatcher_runs_jobs_inline_when_redis_is_down(app, redis_down):
    ran = []

    @dispatch.job(queue="default", timeout=5)
    def remember(value):
        ran.append(value)

    assert dispatch.mode() == "rq"
    assert dispatch.enqueue(remember, 42) is None
    assert ran == [42]


def test_a_visitor_ticket_is_accepted_with_redis_down(client, redis_down):
    response = client.post("/api/tickets", json={"description": "Rimborso per pioggia", "contactMethod": "EMAIL",
                                                 "email": "visitor@lucinedinatale.it"})
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.json["ticketNumber"].startswith("TKT-")


def test_health_reports_redis_down_as_degraded_not_as_an_error(client, redis_down, operator_headers):
    response = client.get("/api/health", headers=operator_headers)
    assert response.status_code == 200
    assert response.json["services"]["redis"] == "error" and response.json["status"] == "degraded"


@pytest.mark.postgres_only
@pytest.mark.real_db
def test_a_request_caught_by_the_outage_is_a_503_and_the_next_one_succeeds(client, admin_headers):
    db.session.commit()
    assert client.get("/api/tickets", headers=admin_headers).status_code == 200  # leaves a transaction open
    terminate_other_backends()
    response = client.get("/api/tickets", headers=admin_headers)
    assert response.status_code == 503 and response.json["error"]["code"] == "SERVICE_UNAVAILABLE"
    assert response.headers["Retry-After"]
    assert client.get("/api/tickets", headers=admin_headers).status_code == 200


def test_a_visitor_message_is_answered_in_the_response_when_redis_is_down(client, redis_down):
    from lucine_chatbot import seed

    seed.seed_all()
    response = client.post("/api/chat", json={"message": "A che ora aprite?"})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.json["pending"] is False and response.json["reply"]
    poll = client.get(f"/api/chat/poll/{response.json['sessionId']}").json
    assert [m["sender"] for m in poll["messages"]].count("USER") == 1 and poll["pending"] is False
