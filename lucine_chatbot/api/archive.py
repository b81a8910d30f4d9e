"""The chat archive search for the dashboard (operators): `GET /api/chat-management/archive`."""
from flask import Blueprint, jsonify

from ..schemas import validate
from ..schemas.archive import ArchiveQuery
from ..security import operator_required
from ..services import archive

bp = Blueprint("archive", __name__, url_prefix="/api/chat-management")


@bp.get("/archive")
@operator_required
@validate(query=ArchiveQuery)
def search_archive(query):
    """Past and present conversations, newest activity first; `q` matches message text or an exact sessionId."""
    chats, total = archive.search_chats(query.q, query.status, query.date_from, query.date_to, query.operator_id,
                                        query.page, query.per_page)
    return jsonify({"chats": chats, "total": total, "page": query.page, "perPage": query.per_page,
                    "operators": archive.all_operators()})

