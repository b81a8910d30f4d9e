"""The widget's files as a shop's browser gets them: the loader at the stable URL (5 minutes, the staff's
contacts), the content-hashed script and stylesheet it names (a year, immutable, gzip and brotli)."""
import gzip
import json
import re
from pathlib import Path

import brotli
import pytest

from lucine_chatbot.extensions import db
from lucine_chatbot.models import KnowledgeItem
from lucine_chatbot.widget import assets as widget_assets

STATIC = Path(__file__).resolve().parents[2] / "static"
LOADER = "/static/widget/lucine-chat.js"


def loader_settings(response):
    body = response.get_data(as_text=True)
    return json.loads(re.search(r"var settings = (\{.*?\});\n", body).group(1))


@pytest.fixture
def settings(client):
    return loader_settings(client.get(LOADER))


def test_the_stable_url_is_a_small_loader_cached_for_five_minutes(client):
    response = client.get(LOADER, headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in response.headers["Vary"]
    assert len(response.get_data()) < 3_000
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert "X-RateLimit-Limit" not in response.headers  # a static file, not an API call


def test_the_loader_answers_304_to_a_browser_that_has_it(client):
    etag = client.get(LOADER).headers["ETag"]
    assert client.get(LOADER, headers={"If-None-Match": etag}).status_code == 304


def test_the_loader_names_hashed_copies_that_hold_the_widget_files(client, settings):
    for kind, source in (("js", "widget/lucine-chat.js"), ("css", "widget/lucine-chat.css")):
        assert re.fullmatch(rf"/static/widget/lucine-chat\.[0-9a-f]{{12}}\.{kind}", settings[kind])
        response = client.get(settings[kind])
        assert response.status_code == 200
        assert response.get_data() == (STATIC / source).read_bytes()
        assert response.headers["Cache-Control"] == "max-age=31536000, public, immutable"
        assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("encoding, decompress", [("gzip", gzip.decompress), ("br", brotli.decompress)])
def test_the_hashed_copies_are_sent_compressed_to_browsers_that_accept_it(client, settings, encoding, decompress):
    for url in (settings["js"], settings["css"]):
        response = client.get(url, headers={"Accept-Encoding": encoding})
        assert response.headers["Content-Encoding"] == encoding
        raw = client.get(url).get_data()
        assert len(response.get_data()) < len(raw) / 3
        assert decompress(response.get_data()) == raw


def test_a_changed_file_gets_a_new_name(tmp_path):
    source, build = tmp_path / "static", tmp_path / "build"
    (source / "widget").mkdir(parents=True)
    (source / "widget" / "lucine-chat.js").write_text("one")
    first = widget_assets.build_copy(source, build, "widget/lucine-chat.js")
    (source / "widget" / "lucine-chat.js").write_text("two")
    second = widget_assets.build_copy(source, build, "widget/lucine-chat.js")
    assert first != second
    assert (build / first).read_text() == "one" and (build / second).read_text() == "two"
    assert {"widget/" + p.name for p in (build / "widget").iterdir()} >= {second, second + ".gz", second + ".br"}


def test_the_loader_carries_the_staff_contacts_from_the_knowledge_base(client):
    db.session.add(KnowledgeItem(slug="contacts-phone", language="it", category="contacts", question="Telefono?",
                                 answer="Chiamaci al +39 0332 123456 o scrivi a staff@lucinedinatale.it."))
    db.session.commit()
    settings = loader_settings(client.get(LOADER))
    assert settings["contact"] == {"email": "staff@lucinedinatale.it", "phone": "+39 0332 123456"}


def test_without_contacts_in_the_knowledge_base_the_loader_offers_the_mail_sender(client, settings):
    assert settings["contact"] == {"email": "info@lucinedinatale.it", "phone": None}
