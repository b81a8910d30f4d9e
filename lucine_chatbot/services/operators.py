"""Operator accounts: creation, password hashing, the seeded admin."""
import bcrypt
from flask import current_app

from ..errors import Conflict, ValidationError
from ..extensions import db
from ..models import Operator, Role

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
