"""Messages of a chat as the system writes and lists them: SYSTEM messages from automated texts, and the counts
and last texts of many chats at once."""
import sqlalchemy as sa

from lucine_chatbot.content import automated_texts
from lucine_chatbot.extensions import db
from lucine_chatbot.models import Message, Sender, utcnow


def system_message(session, key, now=None, smart_actions=None, meta=None, **params):
    """A SYSTEM message from automated text `key` in the session's language; `metadata.kind` = key."""
    data = {"kind": key, **(meta or {})}
    if smart_actions:
        data["smartActions"] = smart_actions
    message = Message(session=session, sender=Sender.SYSTEM, created_at=now or utcnow(), meta=data,
                      body=automated_texts.render(key, session.language, **params))
    db.session.add(message)
    return message


def summaries(session_ids):
    """({session_id: message count}, {session_id: last message text}) for many chats at once."""
    if not session_ids:
        return {}, {}
    grouped = db.session.query(Message.session_id, sa.func.count(Message.id), sa.func.max(Message.id)) \
        .filter(Message.session_id.in_(session_ids)).group_by(Message.session_id).all()
    counts = {sid: count for sid, count, _ in grouped}
    last_ids = [last_id for _, _, last_id in grouped]
    bodies = dict(db.session.query(Message.session_id, Message.body).filter(Message.id.in_(last_ids)).all()) \
        if last_ids else {}
    return counts, bodies
