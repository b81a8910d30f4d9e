"""The knowledge base as data: seeded from the shipped file, edited by admins, read by the assistant."""
import json
from importlib import resources

from ..extensions import db
from ..models import KnowledgeItem

KB_LANGUAGES = ("it", "en", "de")


def shipped_items():
    text = resources.files("lucine_chatbot.data").joinpath("knowledge_base.json").read_text("utf-8")
    return json.loads(text)["items"]


def seed_knowledge_base():
    """Insert the shipped items missing from the table (by slug and language); edits are kept."""
    existing = {(slug, lang) for slug, lang in db.session.query(KnowledgeItem.slug, KnowledgeItem.language)}
    added = 0
    for item in shipped_items():
        for language in KB_LANGUAGES:
            if (item["slug"], language) in existing or not item["answer"].get(language):
                continue
            db.session.add(KnowledgeItem(
                slug=item["slug"], language=language, category=item.get("category", "general"),
                question=item["question"][language], answer=item["answer"][language],
                keywords=list(item.get("keywords", {}).get(language, [])),
            ))
            added += 1
    return added
