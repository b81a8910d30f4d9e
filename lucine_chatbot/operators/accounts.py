"""Operator accounts: creation, password hashing, the seeded admin."""
import bcrypt
from flask import current_app
from sqlalchemy.exc import IntegrityError

from lucine_chatbot.chats import assignment, lookup, operator_desk
from lucine_chatbot.chats.assignment import open_counts_subquery
from lucine_chatbot.extensions import db
from lucine_chatbot.models import Operator, Role, utcnow
from lucine_chatbot.platform.database import get_or_404
from lucine_chatbot.platform.errors import Conflict, ValidationError

MIN_PASSWORD_LENGTH = 8


class UsernameTaken(Conflict):
    message = "This username is already taken."


def hash_password(password):
    rounds = current_app.config["BCRYPT_ROUNDS"]
    return bcrypt.hashpw(password.encode("utf-8"), bcrypt.gensalt(rounds)).decode("ascii")


def check_password(password, password_hash):
    try:
        return bcrypt.checkpw(password.encode("utf-8"), password_hash.encode("ascii"))
    except ValueError:
        return False


def validate_password(password):
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise ValidationError(f"The password needs at least {MIN_PASSWORD_LENGTH} characters.",
                              fields={"password": f"at least {MIN_PASSWORD_LENGTH} characters"})
    if len(password.encode("utf-8")) > 72:
        raise ValidationError("The password is too long (bcrypt reads at most 72 bytes).",
                              fields={"password": "at most 72 bytes"})


def create_operator(username, password, name=None, email=None, role=Role.OPERATOR, display_name=None):
    """Add an operator (not committed); raises UsernameTaken or a validation error."""
    validate_password(password)
    if db.session.query(Operator.id).filter(db.func.lower(Operator.username) == username.lower()).first():
        raise UsernameTaken()
    name = name or username
    operator = Operator(username=username, email=email, name=name, display_name=display_name or name,
                        password_hash=hash_password(password), role=Role(role))
    db.session.add(operator)
    return operator


def ensure_admin(username, password):
    """Create the admin account if no operator has that username; returns (operator, created)."""
    existing = db.session.query(Operator).filter_by(username=username).first()
    if existing:
        return existing, False
    return create_operator(username, password, name="Admin", role=Role.ADMIN, display_name="Admin"), True


class EmailTaken(Conflict):
    message = "Another operator already uses this email."


def list_operators(online_only=False):
    """Operators with their open chat count: [(operator, open_chats)], by username."""
    counts = open_counts_subquery()
    query = db.session.query(Operator, db.func.coalesce(counts.c.n, 0)).outerjoin(
        counts, counts.c.operator_id == Operator.id)
    if online_only:
        query = query.filter(Operator.is_online.is_(True), Operator.is_active.is_(True))
    return [(operator, open_chats) for operator, open_chats in query.order_by(Operator.username)]


def get_operator(operator_id):
    return get_or_404(Operator, operator_id, "No operator with this id.")


def ensure_email_free(email, operator_id=None):
    if not email:
        return
    query = db.session.query(Operator.id).filter(db.func.lower(Operator.email) == email.lower())
    if operator_id is not None:
        query = query.filter(Operator.id != operator_id)
    if query.first():
        raise EmailTaken()


def ensure_another_admin(operator):
    """Never leave the system without an active admin (an admin demoting or deactivating the last one)."""
    if not (operator.is_admin and operator.is_active):
        return
    others = db.session.query(Operator.id).filter(Operator.role == Role.ADMIN, Operator.is_active.is_(True),
                                                  Operator.id != operator.id).first()
    if others is None:
        raise Conflict("This is the last active admin: make someone else admin first.")


def add_operator(username, password, name, email=None, role=Role.OPERATOR, display_name=None):
    """Admin creates an account; commits."""
    ensure_email_free(email)
    operator = create_operator(username, password, name=name, email=email, role=role, display_name=display_name)
    try:
        db.session.commit()
    except IntegrityError:  # another admin created the same username or email a moment ago
        db.session.rollback()
        raise UsernameTaken("This username or email was just taken.") from None
    return operator


@lookup.retried_once
def update_operator(operator_id, changes, now=None):
    """Admin edits name, displayName, role, isActive or password; deactivation frees their lookup. Commits."""
    if changes.get("is_active") is False:  # their chats are locked before their row (chats/lookup.py)
        lookup.lock_operator_chats(operator_id, assignment.OPERATOR_SIDE_STATUSES)
    operator = get_operator(operator_id)
    if "password" in changes:
        validate_password(changes["password"])
        operator.password_hash = hash_password(changes["password"])
    if "password" in changes or changes.get("is_active") is False or \
            ("role" in changes and Role(changes["role"]) != operator.role):
        # The tokens she holds stop at once (security.is_revoked); whole seconds, as a token's `iat`.
        operator.tokens_valid_after = (now or utcnow()).replace(microsecond=0)
    for field in ("name", "display_name", "email"):
        if field in changes:
            if field == "email":
                ensure_email_free(changes["email"], operator.id)
            setattr(operator, field, changes[field])
    if changes.get("is_active") is False or changes.get("role") == Role.OPERATOR:
        ensure_another_admin(operator)
    if "role" in changes:
        operator.role = Role(changes["role"])
    if changes.get("is_active") is False and operator.is_active:
        operator.is_active = False
        operator.is_online = False
        operator_desk.release_chats_of(operator, now, reason="operator_deactivated")
    elif changes.get("is_active") is True:
        operator.is_active = True
    db.session.commit()
    return operator
