"""The chat archive: every conversation, searchable by text, status, local date range and operator."""
from datetime import timedelta

import sqlalchemy as sa

from lucine_chatbot.chats import messages
from lucine_chatbot.extensions import db
from lucine_chatbot.models import ChatSession, Message, Operator, OperatorChat
from lucine_chatbot.platform import clock


def like_pattern(text):
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def filtered(q=None, status=None, date_from=None, date_to=None, operator_id=None):
    query = db.session.query(ChatSession)
    if q:
        pattern = like_pattern(q)
        has_text = sa.exists().where(Message.session_id == ChatSession.id, Message.body.ilike(pattern, escape="\\"))
        query = query.filter(sa.or_(has_text, ChatSession.public_id == q))
    if status:
        query = query.filter(ChatSession.status == status)
    if date_from:
        query = query.filter(ChatSession.created_at >= clock.local_midnight(date_from))
    if date_to:
        query = query.filter(ChatSession.created_at < clock.local_midnight(date_to + timedelta(days=1)))
    if operator_id:
        handled = sa.exists().where(OperatorChat.session_id == ChatSession.id, OperatorChat.operator_id == operator_id)
        query = query.filter(sa.or_(ChatSession.operator_id == operator_id, handled))
    return query


def summaries(session_ids):
    """({id: message count}, {id: last message text}, {id: [operator ids]}) in three queries."""
    if not session_ids:
        return {}, {}, {}
    counts, bodies = messages.summaries(session_ids)
    handlers = {}
    for sid, op_id in (db.session.query(OperatorChat.session_id, OperatorChat.operator_id)
                       .filter(OperatorChat.session_id.in_(session_ids)).order_by(OperatorChat.id)):
        if op_id is not None and op_id not in handlers.setdefault(sid, []):
            handlers[sid].append(op_id)
    return counts, bodies, handlers


def search_chats(q=None, status=None, date_from=None, date_to=None, operator_id=None, page=1, per_page=25):
    """One page of conversations, most recently active first, as (session, message count, last message text,
    operators who handled it), with the total that matched."""
    query = filtered(q, status, date_from, date_to, operator_id)
    total = query.order_by(None).count()
    rows = (query.order_by(ChatSession.last_activity_at.desc(), ChatSession.id.desc())
            .offset((page - 1) * per_page).limit(per_page).all())
    counts, bodies, handlers = summaries([row.id for row in rows])
    operators = {op.id: op for op in db.session.query(Operator).filter(
        Operator.id.in_({op_id for ids in handlers.values() for op_id in ids})).all()} if handlers else {}
    return [(row, counts.get(row.id, 0), bodies.get(row.id) or "",
             [operators[i] for i in handlers.get(row.id, []) if i in operators]) for row in rows], total


def all_operators():
    """Everyone who can appear in the operator filter."""
    return db.session.query(Operator).order_by(Operator.display_name).all()
