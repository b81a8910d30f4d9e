"""Canned replies: short texts operators insert with a shortcut; admins manage them."""
from lucine_chatbot.extensions import db
from lucine_chatbot.models import CannedReply
from lucine_chatbot.platform.database import get_or_404
from lucine_chatbot.platform.errors import Conflict


class ShortcutTaken(Conflict):
    message = "A canned reply with this shortcut already exists in this language."


def list_replies(language=None):
    query = db.session.query(CannedReply)
    if language:
        query = query.filter(CannedReply.language == language)
    return query.order_by(CannedReply.shortcut, CannedReply.language).all()


def get_reply(reply_id):
    return get_or_404(CannedReply, reply_id, "No canned reply with this id.")


def ensure_shortcut_free(shortcut, language, reply_id=None):
    query = db.session.query(CannedReply.id).filter(
        db.func.lower(CannedReply.shortcut) == shortcut.lower(), CannedReply.language == language)
    if reply_id is not None:
        query = query.filter(CannedReply.id != reply_id)
    if query.first():
        raise ShortcutTaken()


def create_reply(shortcut, title, text, language="it"):
    ensure_shortcut_free(shortcut, language)
    reply = CannedReply(shortcut=shortcut, title=title, text=text, language=language)
    db.session.add(reply)
    db.session.commit()
    return reply


def update_reply(reply_id, changes):
    reply = get_reply(reply_id)
    shortcut, language = changes.get("shortcut", reply.shortcut), changes.get("language", reply.language)
    ensure_shortcut_free(shortcut, language, reply.id)
    for field, value in changes.items():
        setattr(reply, field, value)
    db.session.commit()
    return reply


def delete_reply(reply_id):
    db.session.delete(get_reply(reply_id))
    db.session.commit()
