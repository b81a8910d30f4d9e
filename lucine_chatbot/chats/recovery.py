"""Nothing accepted is lost: a visitor message whose reply is past its deadline (job crashed, worker dead or far
behind, Redis lost the job) and that no poll came for (the visitor left) is answered by the sweep, offline.
While the visitor is there, the poll does the same at the deadline (conversation.poll)."""
import logging
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from lucine_chatbot.chats.visitor import replies
from lucine_chatbot.extensions import db
from lucine_chatbot.models import ChatSession, Message, Sender

logger = logging.getLogger(__name__)
BATCH_SIZE = 100


def answer_stale_pending(now):
    """Sweep rule: answer the newest visitor message of each chat still `pending` past the reply deadline."""
    cutoff = now - timedelta(seconds=current_app.config["AI_REPLY_DEADLINE_SECONDS"])
    newest = (sa.select(sa.func.max(Message.id))
              .where(Message.session_id == ChatSession.id, Message.sender == Sender.USER)
              .correlate(ChatSession).scalar_subquery())
    # The age filter comes before the LIMIT: a busy evening's young pending chats never hide the overdue ones.
    overdue = (db.session.query(ChatSession.id, Message.id).outerjoin(Message, Message.id == newest)
               .filter(ChatSession.ai_pending.is_(True), sa.or_(Message.id.is_(None), Message.created_at < cutoff))
               .order_by(ChatSession.id).limit(BATCH_SIZE).all())
    recovered = 0
    for session_id, message_id in overdue:
        if message_id is not None and replies.answer_message(message_id, now=now, offline_only=True):
            logger.warning("answered message %s offline: its reply was past the deadline", message_id)
            recovered += 1
        replies.settle_pending(session_id, message_id or 0)
    return recovered
