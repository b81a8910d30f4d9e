"""The chat archive search for the dashboard (operators): `GET /api/chat-management/archive`."""
from flask import Blueprint, jsonify

from lucine_chatbot.insights import archive
from lucine_chatbot.schemas import validate
from lucine_chatbot.schemas.archive import ArchiveQuery, archive_chat_out
from lucine_chatbot.schemas.common import operator_out
from lucine_chatbot.security import operator_required

bp = Blueprint("archive", __name__, url_prefix="/api/chat-management")


@bp.get("/archive")
@operator_required
@validate(query=ArchiveQuery)
def search_archive(query):
    """Past and present conversations, newest activity first; `q` matches message text or an exact sessionId."""
    chats, total = archive.search_chats(query.q, query.status, query.date_from, query.date_to, query.operator_id,
                                        query.page, query.per_page)
    return jsonify({"chats": [archive_chat_out(*chat) for chat in chats], "total": total, "page": query.page,
                    "perPage": query.per_page, "operators": [operator_out(op) for op in archive.all_operators()]})

