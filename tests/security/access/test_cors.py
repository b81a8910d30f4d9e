"""CORS: only the shop's origins, only on visitor endpoints; operator endpoints never grant it."""
import pytest

from lucine_chatbot.security import VISITOR_PATHS, cors_origin

from ..conftest import EVIL, SHOP, require_route

PREFLIGHT = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "Content-Type"}
VISITOR_SAMPLES = [("POST", "/api/chat"), ("GET", "/api/chat/poll/abc"), ("POST", "/api/tickets"),
                   ("GET", "/api/tickets/resume/abc"), ("GET", "/api/calendar")]


def allow_origin(response):
    return response.headers.get("Access-Control-Allow-Origin")


def test_an_exact_origin_matches_only_itself():
    pattern = cors_origin("https://shop.example.test/")
    assert pattern.match("https://shop.example.test")
    assert pattern.match("HTTPS://SHOP.EXAMPLE.TEST")
    assert not pattern.match("https://shop.example.test.evil.net")
    assert not pattern.match("https://shopXexample.test")


def test_a_wildcard_origin_allows_one_subdomain_label_and_nothing_after():
    pattern = cors_origin("https://*.myshopify.com")
    assert pattern.match("https://lucine.myshopify.com")
    assert not pattern.match("https://lucine.myshopify.com.evil.net")
    assert not pattern.match("https://a.b.myshopify.com")
    assert not pattern.match("http://lucine.myshopify.com")
    assert not pattern.match("https://myshopify.com")


def test_a_wildcard_anywhere_else_is_refused_at_start():
    with pytest.raises(ValueError):
        cors_origin("https://shop.*.com")


@pytest.mark.parametrize("method,path", VISITOR_SAMPLES)
def test_visitor_paths_are_the_cors_ones(method, path):
    import re

    assert any(re.match(pattern, path) for pattern in VISITOR_PATHS)


@pytest.mark.parametrize("path", ["/api/chat-management/update-status", "/api/chatx", "/api/tickets/5",
                                  "/api/tickets/5/notes", "/api/operators/login", "/api/calendar/overrides/x",
                                  "/api/analytics/stats", "/api/tickets/resume/a/b"])
def test_operator_paths_get_no_preflight_grant_even_for_the_shop(client, path):
    response = client.options(path, headers={"Origin": SHOP, **PREFLIGHT})
    assert allow_origin(response) is None


@pytest.mark.parametrize("method,path", VISITOR_SAMPLES)
def test_preflight_from_the_shop_origin_is_granted(client, app, method, path):
    require_route(app, path, method)
    response = client.options(path, headers={"Origin": SHOP, "Access-Control-Request-Method": method,
                                             "Access-Control-Request-Headers": "Content-Type"})
    assert response.status_code == 200
    assert allow_origin(response) == SHOP
    assert method in response.headers["Access-Control-Allow-Methods"]
    assert "content-type" in response.headers["Access-Control-Allow-Headers"].lower()
    assert "Access-Control-Allow-Credentials" not in response.headers


def test_a_shopify_store_subdomain_is_granted_but_a_lookalike_is_not(client, app):
    require_route(app, "/api/chat", "POST")
    ok = client.options("/api/chat", headers={"Origin": "https://lucine.myshopify.com", **PREFLIGHT})
    bad = client.options("/api/chat", headers={"Origin": "https://lucine.myshopify.com.evil.net", **PREFLIGHT})
    assert allow_origin(ok) == "https://lucine.myshopify.com"
    assert allow_origin(bad) is None


@pytest.mark.parametrize("method,path", VISITOR_SAMPLES)
def test_a_disallowed_origin_gets_no_allow_origin(client, method, path):
    preflight = client.options(path, headers={"Origin": EVIL, **PREFLIGHT})
    actual = client.open(path, method=method, json={} if method == "POST" else None, headers={"Origin": EVIL})
    assert allow_origin(preflight) is None
    assert allow_origin(actual) is None


def test_no_operator_endpoint_ever_returns_cors_headers(client, app, admin_headers):
    """Walks every route that needs a token: with the shop's Origin, no Access-Control-* header comes back."""
    checked = 0
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        if not getattr(view, "auth", None):
            continue
        path = rule.rule.replace("<int:", "<").replace("<", "").replace(">", "")
        path = "/".join("1" if part and part in rule.arguments else part for part in path.split("/"))
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = client.open(path, method=method, headers={"Origin": SHOP, **admin_headers})
            leaked = [h for h in response.headers.keys() if h.lower().startswith("access-control-")]
            assert not leaked, f"{method} {rule.rule} leaks {leaked}"
            checked += 1
    assert checked >= 30  # every operator operation of API.md


def test_the_dashboard_pages_never_grant_cors(client):
    response = client.get("/dashboard/login", headers={"Origin": SHOP})
    assert allow_origin(response) is None
