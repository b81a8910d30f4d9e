"""The Shopify snippet rendered as a shop renders it: a real Liquid engine (python-liquid) with Shopify's `json`
filter, called from the theme's layout with `{% render %}` as docs/widget.md tells merchants to."""
from pathlib import Path

from liquid import DictLoader, Environment
from liquid.extra import JSON

SNIPPET = Path(__file__).resolve().parents[2] / "static" / "shopify" / "lucine-chatbot.liquid"
# The line a merchant adds above </body> in layout/theme.liquid, with every optional parameter.
RENDER_TAG = ("{% render 'lucine-chatbot', backend: backend, lang: lang, title: title, position: position, "
              "privacy_url: privacy_url, launched: launched %}")
# Values a merchant (or a compromised theme setting) could pass: each tries to run script on the shop.
HOSTILE = {
    "title": '</script><script>window.__lucinePwned = "title"; alert(1)</script>',
    "position": 'left" onload="window.__lucinePwned = \'position\'" x="',
    "privacy_url": "javascript:window.__lucinePwned = 'privacy'",
    "lang": "it';window.__lucinePwned = 'lang';'",
}
HOSTILE_TITLES = [
    HOSTILE["title"],
    '"><img src=x onerror="window.__lucinePwned = \'img\'; alert(2)"><!--',
    "'; window.__lucinePwned = 'quote'; //\\u2028{{ x }}",
]


def environment():
    env = Environment(loader=DictLoader({"lucine-chatbot": SNIPPET.read_text(encoding="utf-8")}))
    env.add_filter("json", JSON())  # Shopify's filter, not core Liquid: python-liquid ships it as an extra
    return env


def render_snippet(backend, lang="it", **params):
    """The snippet's HTML for these render parameters (`launched=True`, `title=…`, …); `request` is Shopify's."""
    values = {"backend": backend, "lang": lang, "request": {"locale": {"iso_code": "it"}}, **params}
    return environment().from_string(RENDER_TAG).render(**values)
