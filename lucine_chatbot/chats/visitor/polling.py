"""What a visitor's poll shows: the session, the messages after the cursor, the queue position and, while a reply
is pending, when it is due; a reply past its deadline is answered before the poll answers."""
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from lucine_chatbot.chats import escalation, lookup
from lucine_chatbot.chats.visitor import replies
from lucine_chatbot.extensions import db
from lucine_chatbot.models import ChatSession, ChatStatus, Message, utcnow
from lucine_chatbot.platform.database import keeping_state, without_transaction
from lucine_chatbot.platform.errors import NotFound


@dataclass
class PollView:
    """What a poll shows: the session (with its operator), the messages after the cursor, the queue position,
    and while a reply is pending, when it is due (naive UTC)."""

    session: ChatSession
    messages: list
    queue: dict | None
    due: object = None
    has_more: bool = False  # older messages exist beyond `messages` (a poll without a cursor)


def poll(public_id, after=None, now=None):
    """The session and the messages after `after`. A pending reply past its deadline is answered here, offline,
    before the poll answers: the visitor gets a reply whatever happened to its job (no worker needed)."""
    view = _read_poll(public_id, after)
    if view.due is not None and view.due <= (now or utcnow()):
        replies.answer_overdue(view.session.id, now)
        view = _read_poll(public_id, after)
    return view


def _read_poll(public_id, after):
    """One indexed query (two while a reply is pending; two without a cursor: the newest page), without a
    transaction when it is the request's first (platform.database.without_transaction). Always what the database holds,
    even when this ORM session already has the row from an earlier write. After a cursor, at most a page of the
    oldest newer messages: the next poll brings the rest."""
    reading_alone = without_transaction()
    if after is None:  # the session alone; its newest page below
        rows = [(session, None) for session in lookup.by_public_id(public_id).options(
            joinedload(ChatSession.operator)).populate_existing()]
    else:
        newer = sa.and_(Message.session_id == ChatSession.id, Message.id > after)
        rows = (lookup.by_public_id(public_id, ChatSession, Message).outerjoin(Message, newer)
                .options(joinedload(ChatSession.operator))
                .order_by(Message.id).limit(lookup.PAGE_SIZE).populate_existing().all())
    if not rows:
        raise NotFound("Unknown session.")
    session = rows[0][0]
    messages, has_more = [message for _, message in rows if message is not None], False
    if after is None:
        messages, has_more = lookup.transcript(session.id)
    queue, due = None, None
    if session.status == ChatStatus.WAITING_OPERATOR:
        queue = escalation.queue_position(session)
    if session.ai_pending:
        latest = replies.newest_visitor_message(session.id, Message.created_at)
        due = replies.reply_due(latest) if latest is not None else None
    if reading_alone:  # end the read: the connection goes back to the pool, out of autocommit, at once
        with keeping_state():
            db.session.commit()
    return PollView(session, messages, queue, due, has_more)
