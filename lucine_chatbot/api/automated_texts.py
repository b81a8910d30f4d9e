"""`/api/automated-texts`: the texts the system writes to visitors; operators read, admins edit."""
from flask import Blueprint
from flask_jwt_extended import current_user

from lucine_chatbot.content import automated_texts
from lucine_chatbot.schemas import validate
from lucine_chatbot.schemas.automated_texts import AutomatedTextQuery, SaveTextBody, automated_text_out
from lucine_chatbot.security import admin_required, operator_required

bp = Blueprint("automated_texts", __name__, url_prefix="/api/automated-texts")


@bp.get("")
@operator_required
@validate(query=AutomatedTextQuery)
def list_automated_texts(query):
    """Every text key in it/en/de (stored edit or shipped default), with its placeholders."""
    items = automated_texts.list_texts(query.key, query.language)
    return {"texts": [automated_text_out(item) for item in items]}


@bp.put("/<key>/<language>")
@admin_required
@validate(body=SaveTextBody)
def save_automated_text(key, language, body):
    """Replace one text (admins); 422 when a placeholder is missing or unknown."""
    return automated_text_out(automated_texts.save_text(key, language, body.text, current_user.id))
