"""The dashboard's cookie session: who is signed in, signing in and out (the JWT lives in an HttpOnly cookie)."""
import hmac
from datetime import datetime, timezone

from flask import current_app, request
from flask_jwt_extended import decode_token, get_current_user, verify_jwt_in_request
from flask_jwt_extended.exceptions import JWTExtendedException
from jwt.exceptions import PyJWTError

from ..extensions import db
from ..models import Operator, RevokedToken, utcnow
from ..services import events
from ..services.operators import check_password


def signed_in_operator():
    """The active operator whose cookie token is valid and unrevoked, or None (never raises)."""
    try:
        verify_jwt_in_request(optional=True, locations=["cookies"])
    except (JWTExtendedException, PyJWTError):
        return None
    operator = get_current_user()
    return operator if operator is not None and operator.is_active else None


def form_session(csrf_value):
    """(operator, token) for a plain HTML form post whose hidden `csrf_token` matches the cookie's token.

    flask-jwt-extended only reads the CSRF value from a header, which a form cannot send.
    """
    raw = request.cookies.get(current_app.config["JWT_ACCESS_COOKIE_NAME"])
    try:
        token = decode_token(raw) if raw else None
    except (JWTExtendedException, PyJWTError):
        return None, None
    if not token or not csrf_value or not hmac.compare_digest(str(csrf_value), str(token.get("csrf", ""))):
        return None, None
    return db.session.get(Operator, int(token["sub"])), token


def authenticate(username, password):
    """The operator for these credentials, or None; the same answer for unknown user and wrong password."""
    operator = db.session.query(Operator).filter_by(username=(username or "").strip()).first()
    valid = operator is not None and check_password(password or "", operator.password_hash)
    if not valid or not operator.is_active:
        return None
    events.record("operator_login", None, operator_id=operator.id, via="dashboard")
    db.session.commit()
    return operator


def sign_out(operator, token):
    """Revoke the cookie's token and take the operator offline (API.md: logout → offline)."""
    expires_at = datetime.fromtimestamp(token["exp"], tz=timezone.utc).replace(tzinfo=None)
    if not db.session.query(RevokedToken.id).filter_by(jti=token["jti"]).first():
        db.session.add(RevokedToken(jti=token["jti"], operator_id=operator.id, expires_at=expires_at,
                                    revoked_at=utcnow()))
    operator.is_online = False
    events.record("operator_logout", None, operator_id=operator.id, via="dashboard")
    db.session.commit()
