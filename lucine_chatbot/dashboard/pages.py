"""The landing page and the demo shop page that embeds the widget exactly as the Shopify snippet does."""
from flask import Blueprint, current_app, render_template, request, send_from_directory

bp = Blueprint("pages", __name__)


@bp.get("/")
def show_index():
    return render_template("index.html")


@bp.get("/demo")
@bp.get("/demo/<any(info):page>")
def show_demo(page="product"):
    """A shop-like page embedding the widget from this backend; `?lang=it|en|de`.

    The backend is always this host: our page CSP only runs our own scripts. The browser tests serve the same
    template from a separate static server to get a real second origin (tests/browser/widget/widget_shop.py).
    """
    lang = request.args.get("lang", "it")
    return render_template("demo.html", backend=request.host_url.rstrip("/"),
                           lang=lang if lang in ("it", "en", "de") else "it", page=page)


@bp.get("/favicon.ico")
def get_favicon():
    """Browsers ask for it on every page; an SVG keeps the console free of 404s."""
    return send_from_directory(current_app.static_folder, "favicon.svg", mimetype="image/svg+xml",
                               max_age=86400)
