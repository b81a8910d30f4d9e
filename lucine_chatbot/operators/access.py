"""Operator sign-in and sign-out: the credentials checked in constant time, an 8-hour token, revocation."""
from datetime import datetime, timezone

import sqlalchemy as sa
from flask_jwt_extended import create_access_token

from lucine_chatbot.extensions import db
from lucine_chatbot.insights import events
from lucine_chatbot.models import Operator, RevokedToken, utcnow
from lucine_chatbot.operators.accounts import check_password, hash_password
from lucine_chatbot.platform.errors import Unauthorized

BAD_CREDENTIALS = "Invalid username or password."
_dummy_hash = None


def dummy_hash():
    """A real hash to check against for unknown users, so both failures take the same time."""
    global _dummy_hash
    if _dummy_hash is None:
        _dummy_hash = hash_password("not-a-real-password")
    return _dummy_hash


def find_by_username(username):
    return db.session.query(Operator).filter(sa.func.lower(Operator.username) == username.strip().lower()).first()


def login(username, password, ip_address=None, now=None):
    """Check the credentials and issue an 8-hour token; returns (token, operator).

    :raise Unauthorized: unknown user, wrong password or inactive account, all with the same message.
    """
    now = now or utcnow()
    operator = find_by_username(username)
    valid = check_password(password, operator.password_hash if operator else dummy_hash())
    if operator is None or not valid or not operator.is_active:
        raise Unauthorized(BAD_CREDENTIALS)
    operator.last_seen_at = now
    events.record("operator_login", operator_id=operator.id, username=operator.username, ip=ip_address)
    token = create_access_token(identity=operator)
    db.session.commit()
    return token, operator


def logout(operator, token_payload, now=None):
    """Revoke this token for good and take the operator offline."""
    now = now or utcnow()
    expires = datetime.fromtimestamp(token_payload["exp"], timezone.utc).replace(tzinfo=None)
    db.session.add(RevokedToken(jti=token_payload["jti"], operator_id=operator.id, expires_at=expires,
                                revoked_at=now))
    operator.is_online = False
    operator.last_seen_at = now
    events.record("operator_logout", operator_id=operator.id, username=operator.username)
    db.session.commit()
