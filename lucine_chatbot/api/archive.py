"""Dashboard reads beside chat management (operators): the archive search and who can take a transfer."""
from flask import Blueprint, jsonify
from flask_jwt_extended import current_user

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


@bp.get("/transfer-targets")
@operator_required
def list_transfer_targets():
    """Other online operators with room for one more chat, the least loaded first."""
    return jsonify({"operators": archive.transfer_targets(current_user.id)})
