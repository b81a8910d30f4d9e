"""Every text the system writes to visitors, from the `automated_text` table in the session's language."""
import json
import logging
import re
import string
from functools import lru_cache
from importlib import resources

from ..extensions import db
from ..models import AutomatedText

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
