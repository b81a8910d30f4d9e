"""The dashboard's cookie session: who is signed in, and signing in and out through the operators' auth service
(the JWT lives in an HttpOnly cookie; plain HTML forms prove themselves with the double-submit CSRF value)."""
import hmac

from flask import current_app, request
from flask_jwt_extended import decode_token, get_current_user, verify_jwt_in_request
from flask_jwt_extended.exceptions import JWTExtendedException
from jwt.exceptions import PyJWTError

from lucine_chatbot.extensions import client_address, db
from lucine_chatbot.models import Operator, RevokedToken
from lucine_chatbot.operators import access
from lucine_chatbot.platform.errors import Unauthorized


def signed_in_operator():
    """The active operator whose cookie token is valid and unrevoked, or None (never raises)."""
    try:
        verify_jwt_in_request(optional=True, locations=["cookies"])
    except (JWTExtendedException, PyJWTError):
        return None
    operator = get_current_user()
    return operator if operator is not None and operator.is_active else None


def form_session(csrf_value):
    """(operator, token) for a form post whose hidden `csrf_token` matches the cookie's token, else (None, None).

    flask-jwt-extended reads the CSRF value only from a header, which a plain form cannot send.
    """
    raw = request.cookies.get(current_app.config["JWT_ACCESS_COOKIE_NAME"])
    try:
        token = decode_token(raw) if raw else None
    except (JWTExtendedException, PyJWTError):
        return None, None
    if not token or not csrf_value or not hmac.compare_digest(str(csrf_value), str(token.get("csrf", ""))):
        return None, None
    return db.session.get(Operator, int(token["sub"])), token


def sign_in(username, password):
    """(token, operator) for good credentials, else (None, None); the same answer for every bad credential."""
    try:
        return access.login(username or "", password or "", ip_address=client_address())
    except Unauthorized:
        return None, None


def sign_out(operator, token):
    """Revoke the cookie's token and take the operator offline; a second logout (another tab) is a no-op."""
    if db.session.query(RevokedToken.id).filter_by(jti=token["jti"]).first() is None:
        access.logout(operator, token)
