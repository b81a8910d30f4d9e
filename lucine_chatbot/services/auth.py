"""Operator sign-in and sign-out, the online toggle, and the audit log of who read which conversation."""
from datetime import datetime, timezone

import sqlalchemy as sa
from flask_jwt_extended import create_access_token

from ..errors import Unauthorized
from ..extensions import db
from ..models import AuditLog, Operator, RevokedToken, utcnow
from . import assignment, chats, events
from .operators import check_password, hash_password

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


@chats.retried_once
def set_online(operator, is_online, now=None):
    """Toggle availability; coming online takes waiting chats up to capacity at once."""
    now = now or utcnow()
    operator.is_online = is_online
    operator.last_seen_at = now
    db.session.flush()
    if is_online:
        assignment.drain_queue(now, operator=operator)
    db.session.commit()
    return operator


def record_read(operator_id, session_public_id, action="view_history", ip_address=None, **details):
    """Add an audit entry for an operator reading a conversation (the caller commits)."""
    db.session.add(AuditLog(operator_id=operator_id, action=action, target_type="chat",
                            target_id=session_public_id, ip_address=ip_address, details=details))


def audit_entries(page=1, per_page=50, operator_id=None, target_id=None):
    """Newest first; returns (entries, total)."""
    query = db.session.query(AuditLog)
    if operator_id is not None:
        query = query.filter(AuditLog.operator_id == operator_id)
    if target_id:
        query = query.filter(AuditLog.target_id == target_id)
    total = query.count()
    entries = query.order_by(AuditLog.created_at.desc(), AuditLog.id.desc()) \
        .offset((page - 1) * per_page).limit(per_page).all()
    return entries, total
