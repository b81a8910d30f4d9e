"""Health API: `/api/health` for Render's health check and for people."""
from flask import Blueprint, jsonify

from ..extensions import limiter
from ..schemas import validate
from ..services import health

bp = Blueprint("health", __name__, url_prefix="/api/health")


@bp.get("")
@limiter.exempt
@validate()
def get_health():
    """Report database, Redis, queue, workers, last sweep, AI provider, uptime and memory.

    :status 200: serving; 503 when the database is unreachable.
    """
    status, body = health.report()
    return jsonify(body), status
