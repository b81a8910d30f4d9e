"""The audit log: who read which conversation or ticket, and which sign-ins were throttled."""
from datetime import timedelta

from lucine_chatbot.extensions import db
from lucine_chatbot.models import AuditLog, utcnow
from lucine_chatbot.operators.access import find_by_username


def record_login_throttled(username, ip_address=None, now=None, window_seconds=3600):
    """Audit that one account's sign-ins were stopped across addresses: once per window, not per attempt (an
    attacker's every try would otherwise write a row). Commits."""
    now = now or utcnow()
    target = (username or "").strip().lower()[:64]
    since = now - timedelta(seconds=window_seconds)
    if db.session.query(AuditLog.id).filter(AuditLog.action == "login_throttled", AuditLog.target_id == target,
                                            AuditLog.created_at >= since).first() is not None:
        return
    operator = find_by_username(target)
    db.session.add(AuditLog(operator_id=operator.id if operator else None, action="login_throttled",
                            target_type="operator", target_id=target, ip_address=ip_address, created_at=now,
                            details={"reason": "too many sign-in attempts for this account from all addresses"}))
    db.session.commit()


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

