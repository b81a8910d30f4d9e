"""What makes the dashboard an installable app: the web app manifest, the service worker (served from
/dashboard/ so it controls every dashboard page) and the page it shows when the network is gone."""
from flask import Blueprint, current_app, render_template, send_from_directory, url_for

bp = Blueprint("pwa", __name__, url_prefix="/dashboard")
THEME_COLOUR = "#9f1239"      # --brand in dashboard.css
BACKGROUND_COLOUR = "#111827"  # --side: the splash screen matches the sidebar


@bp.get("/manifest.webmanifest")
def get_manifest():
    icon = lambda name: url_for("static", filename=f"dashboard/icons/{name}")  # noqa: E731
    manifest = {
        "id": "/dashboard/", "name": "Lucine di Natale · Operatori", "short_name": "Lucine operatori",
        "description": "Coda, chat e ticket dell'assistenza Lucine di Natale.", "lang": "it",
        "start_url": url_for("dashboard.show_home"), "scope": "/dashboard/", "display": "standalone",
        "theme_color": THEME_COLOUR, "background_color": BACKGROUND_COLOUR,
        "icons": [
            {"src": icon("icon-192.png"), "sizes": "192x192", "type": "image/png", "purpose": "any"},
            {"src": icon("icon-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "any"},
            {"src": icon("maskable-512.png"), "sizes": "512x512", "type": "image/png", "purpose": "maskable"},
        ],
    }
    response = current_app.json.response(manifest)
    response.mimetype = "application/manifest+json"
    response.cache_control.max_age = 3600
    return response


@bp.get("/sw.js")
def get_service_worker():
    """Always revalidated, so a new version reaches the phones on their next visit."""
    response = send_from_directory(current_app.static_folder, "dashboard/sw.js", mimetype="text/javascript",
                                   max_age=0)
    response.cache_control.no_cache = True
    return response


@bp.get("/offline")
def show_offline():
    """The only page the service worker keeps: shown when a dashboard page cannot be loaded."""
    return render_template("dashboard/offline.html", theme_colour=THEME_COLOUR)
