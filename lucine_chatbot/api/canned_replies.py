"""`/api/canned-replies`: operators read them, admins write them."""
from flask import Blueprint

from lucine_chatbot.api import no_content
from lucine_chatbot.content import canned_replies
from lucine_chatbot.schemas import validate
from lucine_chatbot.schemas.canned_replies import (
    CannedReplyQuery,
    CreateCannedReplyBody,
    UpdateCannedReplyBody,
    canned_reply_out,
)
from lucine_chatbot.security import admin_required, operator_required

bp = Blueprint("canned_replies", __name__, url_prefix="/api/canned-replies")


@bp.get("")
@operator_required
@validate(query=CannedReplyQuery)
def list_canned_replies(query):
    """Every canned reply, optionally of one language."""
    return {"cannedReplies": [canned_reply_out(r) for r in canned_replies.list_replies(query.language)]}


@bp.post("")
@admin_required
@validate(body=CreateCannedReplyBody, status=201)
def create_canned_reply(body):
    """Add a canned reply (admins); 409 when the shortcut exists in that language."""
    return {"cannedReply": canned_reply_out(canned_replies.create_reply(**body.model_dump()))}, 201


@bp.patch("/<int:reply_id>")
@admin_required
@validate(body=UpdateCannedReplyBody)
def update_canned_reply(reply_id, body):
    """Edit a canned reply (admins)."""
    reply = canned_replies.update_reply(reply_id, body.model_dump(exclude_unset=True, exclude_none=True))
    return {"cannedReply": canned_reply_out(reply)}


@bp.delete("/<int:reply_id>")
@admin_required
@validate(status=204)
def delete_canned_reply(reply_id):
    """Remove a canned reply (admins)."""
    canned_replies.delete_reply(reply_id)
    return no_content()
