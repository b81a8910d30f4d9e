"""GET /api/analytics/stats, /events and /timeseries exactly as API.md, for operators only."""
from datetime import datetime

import pytest

from lucine_chatbot.insights import events
from tests.insights.test_analytics_day import EXPECTED_13_DEC, clock, day  # noqa: F401  (fixtures)
from tests.support import factories

PATHS = ["/api/analytics/stats", "/api/analytics/events", "/api/analytics/timeseries"]


@pytest.mark.parametrize("path", PATHS)
def test_analytics_needs_a_token(client, path):
    response = client.get(path)
    assert response.status_code == 401
    assert response.json["error"]["code"] == "UNAUTHORIZED"


@pytest.mark.parametrize("path", PATHS)
def test_analytics_is_open_to_operators_and_admins(client, path, operator_headers, admin_headers):
    assert client.get(path, headers=operator_headers).status_code == 200
    assert client.get(path, headers=admin_headers).status_code == 200


def test_stats_of_a_day_are_the_hand_counted_numbers(client, day):
    headers = factories.auth_headers(factories.operator(username="reader"))
    response = client.get("/api/analytics/stats?date=2025-12-13", headers=headers)
    assert response.status_code == 200
    assert response.json == EXPECTED_13_DEC


def test_stats_keep_the_shape_of_the_contract(client, operator_headers):
    body = client.get("/api/analytics/stats", headers=operator_headers).json
    assert set(body["today"]) >= {"totalChats", "aiResolved", "escalated", "abandoned", "ticketsCreated"}
    assert set(body["performance"]) >= {"avgAiResponseMs", "avgOperatorFirstResponseSeconds", "satisfaction",
                                        "aiResolutionRate"}
    assert set(body["operators"]) >= {"online", "avgLoad"}
    assert set(body["current"]) >= {"activeChats", "queueLength", "waitingClient"}
    assert set(body["sla"]) >= {"ticketsOpen", "ticketsBreached", "complianceRate"}
    assert body["operators"]["online"] == 1  # the fixture's operator


@pytest.mark.parametrize("query, status", [
    ("date=2025-13-01", 422), ("date=yesterday", 422), ("unknown=1", 422), ("date=", 422),
])
def test_stats_refuse_a_bad_date(client, operator_headers, query, status):
    response = client.get(f"/api/analytics/stats?{query}", headers=operator_headers)
    assert response.status_code == status
    assert response.json["error"]["code"] == "VALIDATION_ERROR"


def test_events_are_listed_newest_first_with_their_session(client, clock, operator_headers):
    clock.at("2025-12-10 18:00")
    chat = factories.chat()
    events.record("chat_started", chat, language="it")
    clock.at("2025-12-10 18:01")
    events.record("escalation_request", chat, language="it")
    body = client.get("/api/analytics/events", headers=operator_headers).json
    assert body["events"][0] == {"id": body["events"][0]["id"], "type": "escalation_request",
                                 "sessionId": chat.public_id, "operatorId": None, "data": {"language": "it"},
                                 "timestamp": "2025-12-10T17:01:00.000Z"}
    assert [e["type"] for e in body["events"]] == ["escalation_request", "chat_started"]


def test_events_filter_by_type_session_time_and_limit(client, clock, operator_headers):
    chats = []
    for minute in range(5):
        clock.at(f"2025-12-10 18:0{minute}")
        chats.append(factories.chat())
        events.record("chat_started", chats[-1])
    events.record("chat_rated", chats[0], rating=5)

    def listed(query):
        response = client.get(f"/api/analytics/events?{query}", headers=operator_headers)
        assert response.status_code == 200, response.json
        return response.json["events"]

    assert [e["type"] for e in listed("type=chat_rated")] == ["chat_rated"]
    assert len(listed(f"sessionId={chats[0].public_id}")) == 2
    assert len(listed("limit=2")) == 2
    assert len(listed("since=2025-12-10T17:02:00Z&until=2025-12-10T17:04:00Z")) == 2
    assert len(listed("since=2025-12-10T18:02:00%2B01:00")) == 4  # an offset is converted to UTC


def test_operator_logins_with_their_addresses_are_for_admins_only(client, make, operator, operator_headers,
                                                                 admin_headers):
    from lucine_chatbot.operators import access

    access.login(operator.username, make.DEFAULT_PASSWORD, ip_address="203.0.113.7")
    for query in ("", "?type=operator_login", "?limit=1"):
        seen = client.get(f"/api/analytics/events{query}", headers=operator_headers).json["events"]
        assert all(e["type"] != "operator_login" for e in seen) and "203.0.113.7" not in str(seen), query
    seen = client.get("/api/analytics/events?type=operator_login", headers=admin_headers).json["events"]
    assert [e["data"]["ip"] for e in seen] == ["203.0.113.7"]


def test_events_limit_counts_only_the_events_an_operator_may_see(client, make, operator, operator_headers):
    events.record("chat_started", make.chat())
    events.record("operator_login", None, operator_id=operator.id, ip="203.0.113.8")
    assert [e["type"] for e in client.get("/api/analytics/events?limit=1", headers=operator_headers)
            .json["events"]] == ["chat_started"]


@pytest.mark.parametrize("query, status", [
    ("limit=0", 422), ("limit=1001", 422), ("limit=ten", 422), ("type=nonsense", 422),
    ("since=2025-12-10T18:00:00Z&until=2025-12-10T17:00:00Z", 422), ("since=tomorrow", 422),
    ("sessionId=" + "x" * 65, 422), ("page=2", 422),
])
def test_events_refuse_bad_filters(client, operator_headers, query, status):
    response = client.get(f"/api/analytics/events?{query}", headers=operator_headers)
    assert response.status_code == status
    assert response.json["error"]["code"] == "VALIDATION_ERROR"


def test_events_limit_is_capped_at_a_thousand(client, operator_headers):
    assert client.get("/api/analytics/events?limit=1000", headers=operator_headers).status_code == 200


def test_timeseries_gives_one_point_per_day_oldest_first(client, day, operator_headers):
    response = client.get("/api/analytics/timeseries?metric=escalations&days=3", headers=operator_headers)
    assert response.status_code == 200
    assert response.json["points"] == [{"date": "2025-12-12", "value": 2}, {"date": "2025-12-13", "value": 7},
                                       {"date": "2025-12-14", "value": 2}]


def test_timeseries_defaults_to_14_days_of_chats(client, operator_headers):
    body = client.get("/api/analytics/timeseries", headers=operator_headers).json
    assert body["metric"] == "chats" and len(body["points"]) == 14
    assert datetime.fromisoformat(body["points"][0]["date"]) < datetime.fromisoformat(body["points"][-1]["date"])


@pytest.mark.parametrize("query", ["metric=revenue", "days=0", "days=91", "days=many"])
def test_timeseries_refuse_bad_values(client, operator_headers, query):
    response = client.get(f"/api/analytics/timeseries?{query}", headers=operator_headers)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "VALIDATION_ERROR"


def test_analytics_is_described_in_openapi(client):
    paths = client.get("/api/openapi.json").json["paths"]
    for path in PATHS:
        assert paths[path]["get"]["security"] == [{"bearerAuth": []}]
    names = {p["name"] for p in paths["/api/analytics/events"]["get"]["parameters"]}
    assert names == {"type", "sessionId", "since", "until", "limit"}
