"""The Liquid snippet as Shopify renders it: every parameter lands escaped in data-* attributes, never in the
inline script's code, in test mode and launched alike; the widget's script is added after the page's load."""
import html
import re

import pytest

from tests.support.shopify_snippet import HOSTILE, HOSTILE_TITLES, render_snippet

BACKEND = "https://lucine-chatbot.onrender.com"


def script_code(rendered):
    return re.search(r"<script[^>]*>(.*?)</script>", rendered, re.S).group(1)


def start_tag(rendered):
    return re.search(r"<script[^>]*>", rendered).group(0)


def attributes(rendered):
    return {name: html.unescape(value) for name, value in re.findall(r'\s(data-[a-z-]+)="([^"]*)"', start_tag(rendered))}


@pytest.mark.parametrize("launched", [False, True])
def test_the_inline_code_is_the_same_whatever_the_parameters(launched):
    plain = render_snippet(BACKEND, launched=launched)
    hostile = render_snippet(BACKEND + "/", launched=launched, **HOSTILE)
    assert script_code(plain) == script_code(hostile)
    assert rendered_once(plain) and rendered_once(hostile)


def rendered_once(rendered):
    return rendered.count("<script") == 1 and rendered.count("</script>") == 1


@pytest.mark.parametrize("launched", [False, True])
@pytest.mark.parametrize("title", HOSTILE_TITLES)
def test_hostile_values_stay_escaped_in_their_attributes(launched, title):
    rendered = render_snippet(BACKEND, launched=launched, **{**HOSTILE, "title": title})
    assert rendered_once(rendered), "a value closed the script tag"
    data = attributes(rendered)
    assert data["data-title"] == title
    assert data["data-position"] == HOSTILE["position"] and data["data-lang"] == HOSTILE["lang"]
    assert data["data-privacy-url"] == HOSTILE["privacy_url"]
    assert data["data-enabled"] == ("always" if launched else "test")


def test_the_stable_url_and_backend_come_from_the_backend_parameter_without_its_trailing_slash():
    data = attributes(render_snippet(BACKEND + "/", launched=True, lang="de"))
    assert data["data-src"] == BACKEND + "/static/widget/lucine-chat.js"
    assert data["data-backend"] == BACKEND and data["data-lang"] == "de"


@pytest.mark.parametrize("launched", [False, True])
def test_the_widget_is_added_after_the_page_load_event_never_parser_blocking(launched):
    code = script_code(render_snippet(BACKEND, launched=launched))
    assert "addEventListener('load', addWidget)" in code and "tag.async = true" in code
    assert "defer" not in code and "document.write" not in code
