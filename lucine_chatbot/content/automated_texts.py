"""Every text the system writes to visitors, from the `automated_text` table in the session's language."""
import json
import logging
import re
import string
from functools import lru_cache
from importlib import resources

from lucine_chatbot.extensions import db
from lucine_chatbot.models import AutomatedText
from lucine_chatbot.platform.errors import NotFound, ValidationError

logger = logging.getLogger(__name__)
LANGUAGES = ("it", "en", "de")
FALLBACK_LANGUAGE = "it"
PLACEHOLDER = re.compile(r"\{(\w+)\}")


@lru_cache(maxsize=1)
def defaults():
    """The shipped defaults: {key: {"placeholders": [...], "it": ..., "en": ..., "de": ...}}."""
    text = resources.files("lucine_chatbot.data").joinpath("automated_texts.json").read_text("utf-8")
    return json.loads(text)["texts"]


def placeholders_of(key):
    return list(defaults()[key]["placeholders"])


def placeholders_in(text):
    return [name for _, name, _, _ in string.Formatter().parse(text) if name]


def lookup(key, language):
    """The stored text for key/language, else the Italian one, else the shipped default; never the raw key."""
    if key not in defaults():
        raise KeyError(f"unknown automated text {key!r}")
    language = language if language in LANGUAGES else FALLBACK_LANGUAGE
    rows = {row.language: row.text for row in db.session.query(AutomatedText).filter(
        AutomatedText.key == key, AutomatedText.language.in_({language, FALLBACK_LANGUAGE}))}
    return rows.get(language) or defaults()[key].get(language) or rows.get(FALLBACK_LANGUAGE) \
        or defaults()[key][FALLBACK_LANGUAGE]


def render(key, language="it", **params):
    """The text with its `{placeholders}` filled; a placeholder without a value stays readable, not raw."""
    text = lookup(key, language)
    return PLACEHOLDER.sub(lambda m: str(params.get(m.group(1), "")), text).strip()


def smart_action(action, language, kind="primary"):
    return {"action": action, "text": render(f"label_{action}", language), "type": kind}


def seed_defaults():
    """Insert the shipped texts that are missing (idempotent; never overwrites an admin's edit)."""
    existing = {(row.key, row.language) for row in db.session.query(AutomatedText.key, AutomatedText.language)}
    added = 0
    for key, entry in defaults().items():
        for language in LANGUAGES:
            if (key, language) not in existing and entry.get(language):
                db.session.add(AutomatedText(key=key, language=language, text=entry[language]))
                added += 1
    return added


class UnknownText(NotFound):
    message = "No automated text with this key and language."


def list_texts(key=None, language=None):
    """Every key × language: the stored text, else the shipped default (so editors see all of them)."""
    stored = {(row.key, row.language): row for row in db.session.query(AutomatedText)}
    items = []
    for text_key in sorted(defaults()):
        for lang in LANGUAGES:
            if (key and text_key != key) or (language and lang != language):
                continue
            row = stored.get((text_key, lang))
            text = row.text if row else defaults()[text_key].get(lang) or defaults()[text_key][FALLBACK_LANGUAGE]
            items.append({"key": text_key, "language": lang, "text": text,
                          "placeholders": placeholders_of(text_key), "updated_at": row.updated_at if row else None})
    return items


def check_placeholders(key, text):
    """422 unless the text uses every placeholder of its key and no other."""
    try:
        used = set(placeholders_in(text))
    except ValueError:
        raise ValidationError("Braces must pair up as {placeholder}.", fields={"text": "unbalanced braces"}) from None
    expected = set(placeholders_of(key))
    problems = []
    if expected - used:
        problems.append("missing " + ", ".join(f"{{{name}}}" for name in sorted(expected - used)))
    if used - expected:
        problems.append("unknown " + ", ".join(f"{{{name}}}" for name in sorted(used - expected)))
    if problems:
        raise ValidationError(f"Placeholders: {'; '.join(problems)}.", fields={"text": "; ".join(problems)})


def save_text(key, language, text, operator_id=None):
    """Admin edit of one text; validated, upserted, committed."""
    if key not in defaults() or language not in LANGUAGES:
        raise UnknownText()
    check_placeholders(key, text)
    row = db.session.query(AutomatedText).filter_by(key=key, language=language).first()
    if row is None:
        row = AutomatedText(key=key, language=language, text=text)
        db.session.add(row)
    row.text = text
    row.updated_by_id = operator_id
    db.session.commit()
    return {"key": key, "language": language, "text": row.text, "placeholders": placeholders_of(key),
            "updated_at": row.updated_at}
