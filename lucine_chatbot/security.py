"""Who may call what: JWT loaders, role decorators, security headers, CORS scope, the trusted-proxy setting."""
import functools
import re
import secrets
from datetime import timezone

from flask import current_app, g, request
from flask.sessions import SessionInterface
from flask_jwt_extended import current_user, get_jwt, verify_jwt_in_request
from flask_jwt_extended.exceptions import JWTExtendedException
from jwt.exceptions import PyJWTError
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from lucine_chatbot.extensions import db, jwt
from lucine_chatbot.platform.errors import BadRequest, Forbidden, Unauthorized, error_response

PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
API_CSP = "default-src 'none'; frame-ancestors 'none'"
# Visitor endpoints, anchored: flask-cors matches regexes with re.match (a prefix match), so an unanchored
# "/api/chat*" would also grant CORS to /api/chat-management.
VISITOR_PATHS = (r"^/api/chat(/.*)?$", r"^/api/tickets$", r"^/api/tickets/resume/[^/]+$", r"^/api/calendar$")
CORS_HEADER_PREFIX = "access-control-"


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


def login_username():
    """The username a sign-in names, from the API's JSON body or the dashboard's form."""
    body = request.get_json(silent=True) if request.is_json else None
    username = body.get("username") if isinstance(body, dict) else request.form.get("username")
    return str(username or "").strip().lower()[:64]


def login_limited(view):
    """The sign-in limits, the same for the API and the dashboard's form: RATE_LIMIT_LOGIN per address and
    username (a slow guesser of one account is stopped without locking out the office), RATE_LIMIT_LOGIN_IP
    per address, RATE_LIMIT_LOGIN_ACCOUNT per username from every address together (a distributed guesser),
    which leaves an audit entry when it stops someone."""
    from lucine_chatbot.extensions import limit_key, limiter

    def throttled(_limit):
        from lucine_chatbot.operators import audit

        audit.record_login_throttled(login_username(), request.remote_addr)

    limits = [
        limiter.limit(lambda: current_app.config["RATE_LIMIT_LOGIN"],
                      key_func=lambda: f"login:{limit_key()}:{login_username()}"),
        limiter.limit(lambda: current_app.config["RATE_LIMIT_LOGIN_IP"]),
        limiter.limit(lambda: current_app.config["RATE_LIMIT_LOGIN_ACCOUNT"],
                      key_func=lambda: f"login-account:{login_username()}", on_breach=throttled),
    ]
    return functools.reduce(lambda wrapped, limit: limit(wrapped), limits, view)


def signed_in_operator():
    """The active operator whose valid, unrevoked token came with this request, else None: never raises, for
    views that show more to operators than to the public (`/api/health`)."""
    try:
        verify_jwt_in_request(optional=True)
    except (JWTExtendedException, PyJWTError):  # a bad, expired or revoked token, or a deleted operator
        return None
    operator = current_user if get_jwt() else None
    return operator if operator is not None and operator.is_active else None


def _auth_message(exc):
    text = str(exc) or "Authentication required."
    return text if text.endswith(".") else text + "."


def init_jwt(app):
    from lucine_chatbot.models import Operator, RevokedToken

    @jwt.user_identity_loader
    def identity(operator):
        return str(operator.id)

    @jwt.additional_claims_loader
    def claims(operator):
        return {"role": str(operator.role), "username": operator.username}

    @jwt.user_lookup_loader
    def load_operator(_header, payload):
        operator_id = str(payload.get("sub", ""))
        if not operator_id.isdecimal() or int(operator_id) > 2**31 - 1:
            return None  # the user_lookup_error_loader turns this into a 401
        return db.session.get(Operator, int(operator_id))

    @jwt.user_lookup_error_loader
    def unknown_operator(_header, _payload):
        return error_response(401, "UNAUTHORIZED", "This account no longer exists.")

    @jwt.token_in_blocklist_loader
    def is_revoked(_header, payload):
        """Logged out (its jti), or issued before a password or role change or a deactivation of its operator."""
        operator_id = str(payload.get("sub", ""))
        operator = db.session.get(Operator, int(operator_id)) \
            if operator_id.isdecimal() and int(operator_id) <= 2**31 - 1 else None
        if operator is not None and operator.tokens_valid_after is not None and \
                payload.get("iat", 0) < operator.tokens_valid_after.replace(tzinfo=timezone.utc).timestamp():
            return True
        return db.session.query(RevokedToken.id).filter_by(jti=payload["jti"]).first() is not None

    for loader, message in (
        (jwt.expired_token_loader, "The token has expired."),
        (jwt.revoked_token_loader, "The token has been revoked."),
    ):
        loader(lambda _h, _p, message=message: error_response(401, "UNAUTHORIZED", message))
    jwt.invalid_token_loader(lambda reason: error_response(401, "UNAUTHORIZED", f"Invalid token: {reason}."))
    jwt.unauthorized_loader(lambda reason: error_response(401, "UNAUTHORIZED", f"{reason}."))


class NoCookieSession(SessionInterface):
    """Nothing lives in Flask's signed-cookie session (operators carry JWTs, visitors a session id), so no
    request opens one: building its signer was a tenth of a poll's CPU. Writing to `flask.session` raises."""

    def open_session(self, app, request):
        return None  # Flask falls back to its NullSession

    def save_session(self, app, session, response):
        return None


class StorableIntConverter(IntegerConverter):
    """`<int:id>` only up to PostgreSQL's INTEGER: /api/tickets/99999999999 is a 404, not a database error."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def refuse_nul_characters():
    """No text column can hold NUL, so a NUL in the path or the query is a clear 400 before any lookup."""
    query = request.query_string  # a decoded NUL can only come from %00 or a raw NUL byte
    if "\x00" in request.path or ((b"%00" in query or b"\x00" in query)
                                   and any("\x00" in k + v for k, v in request.args.items(multi=True))):
        raise BadRequest("The URL must not contain NUL characters.")


def cors_origin(value):
    """An exact origin stays an exact string; `https://*.shop.com` becomes an anchored one-label regex."""
    value = value.strip().rstrip("/")
    if "*" not in value:
        return re.compile("^" + re.escape(value) + "$", re.IGNORECASE)
    scheme, _, host = value.partition("://")
    if not host.startswith("*.") or "*" in host[2:]:
        raise ValueError(f"CORS_ORIGINS entry {value!r}: only a leading '*.' wildcard is supported")
    return re.compile(f"^{re.escape(scheme)}://[a-z0-9-]+{re.escape(host[1:])}$", re.IGNORECASE)


def cors_resources(origins):
    """CORS only for the visitor endpoints, and only for the shop's origins."""
    options = {"origins": [cors_origin(o) for o in origins], "methods": ["GET", "POST", "DELETE", "OPTIONS"],
               "allow_headers": ["Content-Type"], "max_age": 600, "supports_credentials": False,
               "expose_headers": ["Retry-After"]}  # the widget tells a rate-limited visitor how long to wait
    return {path: options for path in VISITOR_PATHS}


def drop_cors_on_operator_endpoints(response):
    """GET /api/tickets (operators) shares its path with the visitors' POST: never let CORS expose it."""
    view = current_app.view_functions.get(request.endpoint)
    if request.method != "OPTIONS" and getattr(view, "auth", None):
        for name in [h for h in response.headers.keys() if h.lower().startswith(CORS_HEADER_PREFIX)]:
            del response.headers[name]
        response.vary.discard("Origin")
    return response


BASELINE_HEADERS = (("X-Content-Type-Options", "nosniff"), ("Referrer-Policy", "strict-origin-when-cross-origin"),
                    ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()"))
PAGE_HEADERS = (("Content-Security-Policy", PAGE_CSP), ("X-Frame-Options", "DENY"))
API_HEADERS = (("Content-Security-Policy", API_CSP), ("Cache-Control", "no-store"))
HSTS = ("Strict-Transport-Security", "max-age=31536000; includeSubDomains")


class SecurityHeaders:
    """WSGI middleware: the baseline headers on every response, plus those of its kind (page, API, static file);
    a header the app set itself is kept, and the Server banner names no software.

    It edits the header list the app hands to the server rather than going through werkzeug's Headers API in an
    after_request hook, which cost a tenth of a cached poll's CPU (docs/performance.md). Wrapped inside
    ProxyFix, so `wsgi.url_scheme` is the visitor's (HSTS only over HTTPS, and only in production).
    """

    def __init__(self, wsgi_app, production):
        self.wsgi_app = wsgi_app
        self.production = production

    def __call__(self, environ, start_response):
        def start_with_security_headers(status, headers, exc_info=None):
            return start_response(status, security_headers(environ, headers, self.production), exc_info)

        return self.wsgi_app(environ, start_with_security_headers)


def security_headers(environ, headers, production):
    """`headers` (the app's (name, value) list) with the security headers added; see SecurityHeaders."""
    path = environ.get("PATH_INFO", "")
    static = path.startswith("/static/")
    present, mimetype, out = set(), "", []
    for name, value in headers:
        lower = name.lower()
        if lower == "server" or (static and lower == "cross-origin-resource-policy"):
            continue
        if lower == "content-type":
            mimetype = value.split(";", 1)[0].strip().lower()
        present.add(lower)
        out.append((name, value))
    wanted = list(BASELINE_HEADERS)
    if production and environ.get("wsgi.url_scheme") == "https":
        wanted.append(HSTS)
    if static:
        wanted.append(("Cross-Origin-Resource-Policy", "cross-origin"))  # the shop loads the widget from us
    elif mimetype == "text/html":
        wanted.extend(PAGE_HEADERS)
    elif path.startswith("/api/"):
        wanted.extend(API_HEADERS)
    out.extend((name, value) for name, value in wanted if name.lower() not in present)
    out.append(("Server", "lucine"))
    return out


def init_app(app):
    hops = app.config["TRUSTED_PROXY_HOPS"]
    production = app.config["APP_ENV"] == "production"
    app.wsgi_app = SecurityHeaders(app.wsgi_app, production)
    if hops:  # outermost: the headers middleware sees the visitor's scheme
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    app.session_interface = NoCookieSession()

    app.url_map.converters["int"] = StorableIntConverter  # before any blueprint adds its rules

    @app.before_request
    def remember_environment():
        g.production = production
        g.request_id = secrets.token_hex(8)

    app.before_request(refuse_nul_characters)

    # after_request functions run last-registered-first; at index 0 this runs after flask-cors added its headers.
    app.after_request_funcs.setdefault(None, []).insert(0, drop_cors_on_operator_endpoints)
    init_jwt(app)
