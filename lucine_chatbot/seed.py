"""First-run content: knowledge base, automated texts, season calendar and the admin account."""
import json
from importlib import resources

from lucine_chatbot.content import automated_texts, knowledge, system_state
from lucine_chatbot.extensions import db
from lucine_chatbot.operators import accounts

CALENDAR_KEY = "calendar"


def seed_calendar():
    if system_state.get_value(CALENDAR_KEY) is not None:
        return 0
    text = resources.files("lucine_chatbot.data").joinpath("calendar.json").read_text("utf-8")
    system_state.set_value(CALENDAR_KEY, json.loads(text))
    return 1


def seed_all(admin_username=None, admin_password=None):
    """Idempotent: adds what is missing and commits once. Returns counts for the CLI to print."""
    result = {
        "knowledgeItems": knowledge.seed_knowledge_base(),
        "automatedTexts": automated_texts.seed_defaults(),
        "calendar": seed_calendar(),
        "adminCreated": False,
    }
    if admin_username and admin_password:
        _, result["adminCreated"] = accounts.ensure_admin(admin_username, admin_password)
    db.session.commit()
    return result
