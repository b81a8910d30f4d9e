"""One error hierarchy and one JSON error shape: `{"error": {"code", "message", "fields"?}}`."""
import logging

from flask import jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from lucine_chatbot.platform.redaction import redact

logger = logging.getLogger(__name__)

HTTP_CODES = {
    400: "VALIDATION_ERROR", 401: "UNAUTHORIZED", 403: "FORBIDDEN", 404: "NOT_FOUND",
    405: "METHOD_NOT_ALLOWED", 409: "CONFLICT", 413: "PAYLOAD_TOO_LARGE", 415: "UNSUPPORTED_MEDIA_TYPE",
    422: "VALIDATION_ERROR", 429: "RATE_LIMITED", 503: "SERVICE_UNAVAILABLE",
}


class ApiError(Exception):
    """Base of every error a service or view raises on purpose; knows its status and code."""

    status = 400
    code = "VALIDATION_ERROR"
    message = "The request is not valid."
    headers = None

    def __init__(self, message=None, fields=None, status=None, headers=None):
        super().__init__(message or self.message)
        self.message = message or self.message
        self.fields = fields
        self.headers = headers
        if status:
            self.status = status


class ValidationError(ApiError):
    status = 422


class BadRequest(ApiError):
    status = 400


class Unauthorized(ApiError):
    status, code, message = 401, "UNAUTHORIZED", "Authentication required."


class Forbidden(ApiError):
    status, code, message = 403, "FORBIDDEN", "You are not allowed to do this."


class NotFound(ApiError):
    status, code, message = 404, "NOT_FOUND", "Not found."


class Conflict(ApiError):
    status, code, message = 409, "CONFLICT", "The request conflicts with the current state."


class UnsupportedMediaType(ApiError):
    status, code, message = 415, "UNSUPPORTED_MEDIA_TYPE", "Send JSON with Content-Type: application/json."


class RateLimited(ApiError):
    status, code, message = 429, "RATE_LIMITED", "Too many requests, slow down."


def error_response(status, code, message, fields=None, headers=None):
    body = {"code": code, "message": message}
    if fields:
        body["fields"] = fields
    response = jsonify({"error": body})
    response.status_code = status
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def wants_json():
    """API paths always speak JSON; dashboard and other pages get HTML error pages."""
    return request.path.startswith("/api/") or request.path == "/api" or request.is_json


def handle_api_error(error):
    return error_response(error.status, error.code, error.message, error.fields, error.headers)


def handle_http_exception(error):
    status = error.code or 500
    headers = {k: v for k, v in error.get_headers() if k.lower() in ("retry-after", "allow")}
    if not wants_json():
        return render_template("errors/error.html", status=status, title=error.name), status, headers
    message = error.description if isinstance(error.description, str) else error.name
    if status == 429:
        message = f"Too many requests: {error.description}. Retry later."
    return error_response(status, HTTP_CODES.get(status, "ERROR"), message, headers=headers)


def database_unreachable(error):
    """The database went away under this request (restart, failover, network): retry, don't report a bug."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    return isinstance(error, OperationalError) or (isinstance(error, DBAPIError) and error.connection_invalidated)


def handle_unexpected_error(error):
    from lucine_chatbot.extensions import db

    try:
        db.session.rollback()
    except Exception:  # the connection may already be gone; the pool replaces it
        logger.warning("rollback after an error failed", exc_info=True)
    if database_unreachable(error):
        logger.error("database unavailable on %s %s: %s", request.method, redact(request.path), error.orig)
        if wants_json():
            return error_response(503, "SERVICE_UNAVAILABLE", "The service is temporarily unavailable. "
                                  "Please try again in a moment.", headers={"Retry-After": "5"})
        return render_template("errors/error.html", status=503, title="Service Unavailable"), 503
    logger.exception("unhandled error on %s %s", request.method, redact(request.path))
    if not wants_json():
        return render_template("errors/error.html", status=500, title="Internal Server Error"), 500
    return error_response(500, "INTERNAL_ERROR", "Something went wrong on our side. Please try again.")


def init_app(app):
    app.register_error_handler(ApiError, handle_api_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(Exception, handle_unexpected_error)
