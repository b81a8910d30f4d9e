"""`/api/operators/push/*`: the VAPID key, her devices' subscriptions (only on known push services), presence."""
import base64

import pytest

from lucine_chatbot.extensions import db
from lucine_chatbot.models import PushSubscription, SystemState
from lucine_chatbot.operators import presence
from lucine_chatbot.push import vapid
from tests.support import factories
from tests.support.push_receiver import PushService

SUBSCRIPTIONS = "/api/operators/push/subscriptions"
P256DH = ("BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM")
AUTH = "tBHItJI5svbpez7KI4CCXg"


def unpadded(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def body(endpoint="https://fcm.googleapis.com/fcm/send/abc:def", **extra):
    return {"endpoint": endpoint, "expirationTime": None, "keys": {"p256dh": P256DH, "auth": AUTH}, **extra}


def test_push_config_gives_a_p256_public_key_generated_once_and_kept(client, operator_headers):
    first = client.get("/api/operators/push/config", headers=operator_headers)
    assert first.status_code == 200
    key = first.get_json()["publicKey"]
    assert len(unpadded(key)) == 65 and unpadded(key)[0] == 4  # an uncompressed P-256 point
    assert db.session.get(SystemState, vapid.STATE_KEY) is not None
    assert client.get("/api/operators/push/config", headers=operator_headers).get_json()["publicKey"] == key


def test_configured_vapid_keys_win_and_a_mismatched_public_key_is_refused(app):
    pair = vapid.Vapid()
    pair.generate_keys()
    private = vapid.raw_private_key(pair)
    assert vapid.public_key_of(vapid.configured_keys({"VAPID_PRIVATE_KEY": private})) == vapid.public_key_of(pair)
    pem = pair.private_pem().decode()
    assert vapid.public_key_of(vapid.from_setting(pem)) == vapid.public_key_of(pair)
    other = vapid.Vapid()
    other.generate_keys()
    with pytest.raises(vapid.ConfigError):
        vapid.configured_keys({"VAPID_PRIVATE_KEY": private, "VAPID_PUBLIC_KEY": vapid.public_key_of(other)})
    with pytest.raises(vapid.ConfigError):
        vapid.from_setting("not-a-key")


def test_push_endpoints_need_a_signed_in_operator(client):
    assert client.get("/api/operators/push/config").status_code == 401
    assert client.post(SUBSCRIPTIONS, json=body()).status_code == 401


def test_subscribing_stores_the_device_with_every_alert_her_role_allows(client, operator, operator_headers):
    response = client.post(SUBSCRIPTIONS, json=body(), headers={**operator_headers, "User-Agent": (
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/131.0 Mobile Safari/537.36")})
    assert response.status_code == 201
    created = response.get_json()["subscription"]
    assert created["events"] == ["chat_assigned", "chat_waiting", "visitor_message"]
    assert created["device"] == "Chrome · Android"
    listed = client.get(SUBSCRIPTIONS, headers=operator_headers).get_json()["subscriptions"]
    assert [(s["id"], s["endpoint"]) for s in listed] == [(created["id"], body()["endpoint"])]
    assert set(listed[0]) >= {"id", "endpoint", "createdAt", "events"}


def test_she_picks_her_alerts_and_resubscribing_updates_the_same_device(client, operator_headers):
    client.post(SUBSCRIPTIONS, json=body(), headers=operator_headers)
    again = client.post(SUBSCRIPTIONS, json=body(events=["visitor_message", "chat_assigned"]),
                        headers=operator_headers)
    assert again.status_code == 201
    assert again.get_json()["subscription"]["events"] == ["chat_assigned", "visitor_message"]
    assert db.session.query(PushSubscription).count() == 1


def test_only_admins_may_ask_for_sla_alerts(client, operator_headers, admin_headers):
    refused = client.post(SUBSCRIPTIONS, json=body(events=["sla_breached"]), headers=operator_headers)
    assert refused.status_code == 422 and "events" in refused.get_json()["error"]["fields"]
    allowed = client.post(SUBSCRIPTIONS, json=body(), headers=admin_headers)
    assert "sla_breached" in allowed.get_json()["subscription"]["events"]


@pytest.mark.parametrize("endpoint", [
    "https://push.evil.example/fcm/send/abc",          # not a push service
    "http://fcm.googleapis.com/fcm/send/abc",          # a push service, but not over https
    "https://user:pw@fcm.googleapis.com/fcm/send/abc",  # credentials in the URL
    "http://localhost:8080/push/abc",                  # loopback, but not listed
    "https://fcm.googleapis.com.evil.example/send",    # a look-alike
    "https://notify.windows.com.evil.example/w",       # not a subdomain of a wildcard entry
    "https://[::1/push",                               # not a URL at all
    "javascript:alert(1)",
])
def test_an_endpoint_off_the_known_push_services_is_refused_with_422(client, operator_headers, endpoint):
    response = client.post(SUBSCRIPTIONS, json=body(endpoint), headers=operator_headers)
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"endpoint": "not on a known push service"}
    assert db.session.query(PushSubscription).count() == 0


@pytest.mark.parametrize("endpoint", ["https://wns2-par02p.notify.windows.com/w/?token=abc",
                                      "https://updates.push.services.mozilla.com/wpush/v2/abc",
                                      "https://web.push.apple.com/QGx9", "http://127.0.0.1:9/push/abc"])
def test_the_major_browsers_push_services_and_the_listed_loopback_are_accepted(client, operator_headers,
                                                                                endpoint):
    assert client.post(SUBSCRIPTIONS, json=body(endpoint), headers=operator_headers).status_code == 201


def test_bad_subscription_keys_are_refused(client, operator_headers):
    bad = body()
    bad["keys"] = {"p256dh": "AAAA", "auth": "short"}
    response = client.post(SUBSCRIPTIONS, json=bad, headers=operator_headers)
    assert response.status_code == 422
    assert set(response.get_json()["error"]["fields"]) == {"keys.p256dh", "keys.auth"}
    assert client.post(SUBSCRIPTIONS, json={**body(), "extra": 1}, headers=operator_headers).status_code == 422
    assert client.post(SUBSCRIPTIONS, json={"keys": body()["keys"]}, headers=operator_headers).status_code == 400


def test_deleting_forgets_only_her_own_device(client, operator, operator_headers, admin_headers):
    client.post(SUBSCRIPTIONS, json=body(), headers=operator_headers)
    other = body("https://fcm.googleapis.com/fcm/send/admins-phone")
    client.post(SUBSCRIPTIONS, json=other, headers=admin_headers)
    assert client.delete(SUBSCRIPTIONS, json={"endpoint": other["endpoint"]},
                         headers=operator_headers).status_code == 204
    assert db.session.query(PushSubscription).count() == 2
    response = client.delete(SUBSCRIPTIONS, json={"endpoint": body()["endpoint"]}, headers=operator_headers)
    assert response.status_code == 204 and response.data == b""
    assert client.get(SUBSCRIPTIONS, headers=operator_headers).get_json() == {"subscriptions": []}


def test_a_device_subscribed_by_someone_else_moves_to_whoever_subscribed_last(client, make, operator_headers):
    colleague = make.operator(username="colleague")
    client.post(SUBSCRIPTIONS, json=body(), headers=factories.auth_headers(colleague))
    client.post(SUBSCRIPTIONS, json=body(), headers=operator_headers)
    assert client.get(SUBSCRIPTIONS, headers=factories.auth_headers(colleague)).get_json()["subscriptions"] == []
    assert len(client.get(SUBSCRIPTIONS, headers=operator_headers).get_json()["subscriptions"]) == 1


def test_presence_marks_a_dashboard_tab_visible_for_a_minute_or_hidden(client, operator, operator_headers):
    assert client.post("/api/operators/push/presence", json={"visible": True},
                       headers=operator_headers).status_code == 204
    assert presence.dashboard_visible(operator.id)
    client.post("/api/operators/push/presence", json={"visible": False}, headers=operator_headers)
    assert not presence.dashboard_visible(operator.id)


def test_a_subscription_from_the_local_push_service_is_accepted(client, operator_headers):
    with PushService() as service:
        response = client.post(SUBSCRIPTIONS, json=service.subscribe(), headers=operator_headers)
    assert response.status_code == 201


def test_resending_the_subscription_without_events_keeps_her_picks(client, operator_headers):
    client.post(SUBSCRIPTIONS, json=body(events=["chat_assigned"]), headers=operator_headers)
    again = client.post(SUBSCRIPTIONS, json=body(), headers=operator_headers)
    assert again.get_json()["subscription"]["events"] == ["chat_assigned"]
