"""The knowledge base as data: seeded from the shipped file, edited by admins, read by the assistant."""
import json
import re
import threading
from importlib import resources

import sqlalchemy as sa

from lucine_chatbot.assistant import text
from lucine_chatbot.content import recent
from lucine_chatbot.extensions import db
from lucine_chatbot.models import KnowledgeItem, utcnow
from lucine_chatbot.platform.database import get_or_404
from lucine_chatbot.platform.errors import Conflict

KB_LANGUAGES = ("it", "en", "de")
_cache = {"stamp": None, "docs": [], "indexes": {}}
_cache_lock = threading.Lock()


def shipped_items():
    text_ = resources.files("lucine_chatbot.data").joinpath("knowledge_base.json").read_text("utf-8")
    return json.loads(text_)["items"]


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


# --- what the assistant reads --------------------------------------------------------------------


def active_items(language=None):
    query = db.session.query(KnowledgeItem).filter(KnowledgeItem.is_active.is_(True))
    if language:
        query = query.filter(KnowledgeItem.language == language)
    return query.order_by(KnowledgeItem.slug).all()


def _stamp():
    """A cheap fingerprint of the table: any insert, edit or delete changes it (read at most every
    KB_RECHECK_SECONDS: content/recent.py)."""
    return recent.value("kb-stamp", lambda: tuple(db.session.query(
        sa.func.count(KnowledgeItem.id), sa.func.max(KnowledgeItem.updated_at), sa.func.sum(KnowledgeItem.id)).one()))


def snapshot():
    """The active items as matcher docs, and the matcher's per-language indexes over them: rebuilt only when the
    table changed (every process checks with one query), so an AI reply reads no KB rows."""
    from lucine_chatbot.assistant import matcher  # rapidfuzz and the stemmers: only the processes that answer load them

    stamp = _stamp()
    with _cache_lock:
        if _cache["stamp"] != stamp:
            docs = [matcher.Doc(item.id, item.slug, item.language, item.question, item.answer, item.question,
                                tuple(item.keywords or ())) for item in active_items()]
            _cache.update(stamp=stamp, docs=docs, indexes=matcher.build_indexes(docs))
        return _cache["docs"], _cache["indexes"]


def indexes():
    return snapshot()[1]


def active_docs(language):
    """The active items of `language` (ordered by slug) as read-only docs with id, question and answer."""
    return [doc for doc in snapshot()[0] if doc.language == language]


def best_match(question, language):
    by_language = indexes()
    index = by_language.get(language) or by_language.get("it")
    ranked = index.rank(question, limit=1) if index else []
    return ranked[0] if ranked else None


def answer_matches(question, language):
    """The entries a question names, best first (several for "A or B?", "A and B?"); [] when nothing matches."""
    index = _index(language)
    return index.compose(question) if index else []


def ranked(question, language, limit=5):
    index = _index(language)
    return index.rank(question, limit=limit) if index else []


def _index(language):
    by_language = indexes()
    return by_language.get(language) or by_language.get("it")


def sources_for_slugs(slugs, language):
    items = db.session.query(KnowledgeItem).filter(KnowledgeItem.slug.in_(slugs),
                                                   KnowledgeItem.language == language).all()
    return [{"id": item.id, "title": item.question} for item in items]


# --- the editor's API ------------------------------------------------------------------------------


def list_items(q=None, category=None, language=None):
    query = db.session.query(KnowledgeItem)
    if category:
        query = query.filter(KnowledgeItem.category == category)
    if language:
        query = query.filter(KnowledgeItem.language == language)
    items = query.order_by(KnowledgeItem.category, KnowledgeItem.slug, KnowledgeItem.language).all()
    if q:
        needle = text.fold(q)
        items = [i for i in items if needle in text.fold(" ".join([i.question, i.answer, *(i.keywords or [])]))]
    return items


def get_item(item_id):
    return get_or_404(KnowledgeItem, item_id, "No such knowledge item.")


def create_item(fields):
    """Add an item; `slug` defaults to one made from the question. :raise Conflict: slug+language taken."""
    fields = dict(fields)
    fields["slug"] = fields.get("slug") or slugify(fields["question"])
    item = KnowledgeItem(**fields)
    try:
        with db.session.begin_nested():  # a duplicate undoes only this insert
            db.session.add(item)
    except sa.exc.IntegrityError:
        raise Conflict("An item with this slug already exists in this language.") from None
    db.session.commit()
    recent.forget()
    return item


def update_item(item_id, fields):
    item = get_item(item_id)
    for name, value in fields.items():
        setattr(item, name, value)
    item.updated_at = utcnow()
    db.session.commit()
    recent.forget()
    return item


def delete_item(item_id):
    db.session.delete(get_item(item_id))
    db.session.commit()
    recent.forget()


def slugify(value):
    return re.sub(r"[^a-z0-9]+", "-", text.fold(value)).strip("-")[:60] or "item"
