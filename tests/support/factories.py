"""Test data builders; each adds and flushes, so ids exist, and leaves committing to the code under test."""
import itertools
import secrets

from flask_jwt_extended import create_access_token

from lucine_chatbot.extensions import db
from lucine_chatbot.models import ChatSession, Message, Operator, Role, Sender, utcnow
from lucine_chatbot.operators.accounts import hash_password

_counter = itertools.count(1)
DEFAULT_PASSWORD = "correct-horse-battery"


def operator(username=None, password=DEFAULT_PASSWORD, role="OPERATOR", is_online=False, **fields):
    n = next(_counter)
    username = username or f"operator{n}"
    op = Operator(username=username, email=fields.pop("email", f"{username}@example.test"),
                  name=fields.pop("name", f"Operator {n}"), display_name=fields.pop("display_name", f"Op {n}"),
                  password_hash=hash_password(password), role=Role(role), is_online=is_online, **fields)
    db.session.add(op)
    db.session.flush()
    return op


def auth_headers(op):
    return {"Authorization": f"Bearer {create_access_token(identity=op)}"}


def chat(status="ACTIVE", language="it", **fields):
    session = ChatSession(public_id=secrets.token_urlsafe(24), status=status, language=language, **fields)
    db.session.add(session)
    db.session.flush()
    return session


def message(session, body="Ciao", sender="USER", **fields):
    msg = Message(session_id=session.id, sender=Sender(sender), body=body, meta=fields.pop("meta", {}), **fields)
    db.session.add(msg)
    session.last_activity_at = utcnow()
    db.session.flush()
    return msg
