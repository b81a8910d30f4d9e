"""Who may call what: JWT loaders, role decorators, security headers, the trusted-proxy setting."""
import functools
import secrets

from flask import g, request
from flask_jwt_extended import current_user, get_jwt, verify_jwt_in_request
from flask_jwt_extended.exceptions import JWTExtendedException
from jwt.exceptions import PyJWTError
from werkzeug.middleware.proxy_fix import ProxyFix

from .errors import Forbidden, Unauthorized, error_response
from .extensions import db, jwt

PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
API_CSP = "default-src 'none'; frame-ancestors 'none'"


def operator_required(view):
    """Any active operator with a valid, unrevoked token (header, or cookie + CSRF on writes)."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        try:
            verify_jwt_in_request()
        except (JWTExtendedException, PyJWTError) as exc:
            raise Unauthorized(_auth_message(exc)) from None
        if current_user is None or not current_user.is_active:
            raise Unauthorized("This account is not active.")
        return view(*args, **kwargs)

    wrapper.auth = "operator"
    return wrapper


def admin_required(view):
    """An operator whose role is ADMIN; other operators get 403."""

    @functools.wraps(view)
    def check_role(*args, **kwargs):
        if not current_user.is_admin:
            raise Forbidden("Only an admin can do this.")
        return view(*args, **kwargs)

    wrapper = operator_required(check_role)
    wrapper.auth = "admin"
    return wrapper


def _auth_message(exc):
    text = str(exc) or "Authentication required."
    return text if text.endswith(".") else text + "."


def current_token():
    return get_jwt()


def init_jwt(app):
    from .models import Operator, RevokedToken

    @jwt.user_identity_loader
    def identity(operator):
        return str(operator.id)

    @jwt.additional_claims_loader
    def claims(operator):
        return {"role": str(operator.role), "username": operator.username}

    @jwt.user_lookup_loader
    def load_operator(_header, payload):
        return db.session.get(Operator, int(payload["sub"]))

    @jwt.user_lookup_error_loader
    def unknown_operator(_header, _payload):
        return error_response(401, "UNAUTHORIZED", "This account no longer exists.")

    @jwt.token_in_blocklist_loader
    def is_revoked(_header, payload):
        return db.session.query(RevokedToken.id).filter_by(jti=payload["jti"]).first() is not None

    for loader, message in (
        (jwt.expired_token_loader, "The token has expired."),
        (jwt.revoked_token_loader, "The token has been revoked."),
    ):
        loader(lambda _h, _p, message=message: error_response(401, "UNAUTHORIZED", message))
    jwt.invalid_token_loader(lambda reason: error_response(401, "UNAUTHORIZED", f"Invalid token: {reason}."))
    jwt.unauthorized_loader(lambda reason: error_response(401, "UNAUTHORIZED", f"{reason}."))


def set_security_headers(response):
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
    headers["Server"] = "lucine"
    if g.get("production") and request.is_secure:
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    if request.path.startswith("/static/"):
        headers["Cross-Origin-Resource-Policy"] = "cross-origin"  # the shop loads the widget from us
        return response
    if response.mimetype == "text/html":
        headers.setdefault("Content-Security-Policy", PAGE_CSP)
        headers.setdefault("X-Frame-Options", "DENY")
    elif request.path.startswith("/api/"):
        headers.setdefault("Content-Security-Policy", API_CSP)
        headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app):
    hops = app.config["TRUSTED_PROXY_HOPS"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    production = app.config["APP_ENV"] == "production"

    @app.before_request
    def remember_environment():
        g.production = production
        g.request_id = secrets.token_hex(8)

    app.after_request(set_security_headers)
    init_jwt(app)
