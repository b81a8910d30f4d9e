"""Health API: `/api/health`, up or down for everyone; the details for operators and configured monitors."""
import hmac

from flask import Blueprint, current_app, jsonify, request

from lucine_chatbot.extensions import limiter
from lucine_chatbot.insights import health
from lucine_chatbot.schemas import validate
from lucine_chatbot.schemas.health import HealthOut
from lucine_chatbot.security import signed_in_operator

bp = Blueprint("health", __name__, url_prefix="/api/health")
TOKEN_HEADER = "X-Health-Token"


@bp.get("")
@limiter.exempt
@validate(response=HealthOut, status=(200, 503))
def get_health():
    """`{"status": "up"}` (200) or `{"status": "down"}` (503, the database is unreachable) for the public.

    An operator's token, or `X-Health-Token` equal to HEALTH_CHECK_TOKEN, gets the details: database, Redis,
    queue, workers, last sweep, AI provider, uptime and memory (docs/security.md, "Health").
    """
    if not may_see_details():
        status, body = health.public_report()
    else:
        status, body = health.report()
    return jsonify(body), status


def may_see_details():
    token = current_app.config["HEALTH_CHECK_TOKEN"]
    sent = request.headers.get(TOKEN_HEADER, "")
    if token and sent and hmac.compare_digest(sent.encode(), token.encode()):
        return True
    return signed_in_operator() is not None
