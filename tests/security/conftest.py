"""Helpers for the abuse suite: probe apps with their own settings, and checks shared by many tests."""
import pytest
from flask import Blueprint, jsonify

from lucine_chatbot.extensions import client_address, limiter
from lucine_chatbot.schemas import ApiModel, validate

SHOP = "https://shop.example.test"
EVIL = "https://evil.example.net"


class Note(ApiModel):
    text: str


# Routes that exercise the security machinery without depending on any business endpoint; defined once
# (a limit decorator applied again for every app would count twice).
probe = Blueprint("probe", __name__, url_prefix="/api/probe")


@probe.get("/ip")
def show_ip():
    return {"ip": client_address()}


@probe.post("/limited")
@limiter.limit("2/minute")
@validate(body=Note)
def post_limited(body):
    return {"text": body.text}


@probe.get("/own-headers")
def show_own_headers():
    return {"ok": True}, 200, {"Cache-Control": "max-age=60", "Server": "gunicorn/27", "X-Frame-Options": "DENY"}


@probe.get("/item/<int:item_id>")
def show_item(item_id):
    return jsonify(id=item_id)


@pytest.fixture(scope="module")
def build_probe_app(tmp_path_factory, request):
    """`build_probe_app(**settings)`: a fresh app with the probe routes (the limiter is re-bound afterwards)."""
    main_app = request.getfixturevalue("app")
    from lucine_chatbot.app import create_app

    def build(**settings):
        folder = tmp_path_factory.mktemp("probe")
        config = {"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'probe.db'}",
                  "REDIS_URL": "", "RATELIMIT_STORAGE_URI": "memory://"}
        config.update(settings)
        probe_app = create_app(config)
        probe_app.register_blueprint(probe)
        return probe_app

    yield build
    limiter.init_app(main_app)  # Flask-Limiter keeps one storage: give it back to the session's app
    limiter._storage_dead = False


def assert_json_error(response, status, code=None):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json, response.get_data(as_text=True)[:200]
    assert response.json["error"]["message"]
    if code:
        assert response.json["error"]["code"] == code


def has_route(app, path, method="GET"):
    adapter = app.url_map.bind("localhost")
    try:
        adapter.match(path, method=method)
    except Exception:
        return False
    return True


def require_route(app, path, method="GET"):
    """The abuse suite probes the contract's paths: a missing one is a broken contract, not a skip."""
    assert has_route(app, path, method), f"{method} {path} is not routed"
