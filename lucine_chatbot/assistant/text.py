"""Text normalisation shared by the matcher, the gates and language detection: fold, tokenise, stem."""
import re
import unicodedata
from functools import lru_cache

from lucine_chatbot.assistant import lexicon

WORD = re.compile(r"[a-z0-9]+")
STEMMER_NAMES = {"it": "italian", "en": "english", "de": "german"}
GERMAN_FOLDS = str.maketrans({"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss"})


def fold(text):
    """Lower-case without accents: `Öffnungszeiten` → `offnungszeiten`, `è` → `e`."""
    decomposed = unicodedata.normalize("NFKD", text.lower().replace("ß", "ss"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def words(text):
    """The folded words of `text`, apostrophes split (`l'ora` → `l`, `ora`)."""
    return WORD.findall(fold(text))


@lru_cache(maxsize=3)
def _stemmer(language):
    import snowballstemmer  # ~3 MB for every language it ships; the web tier folds text but never stems

    return snowballstemmer.stemmer(STEMMER_NAMES.get(language, "italian"))


@lru_cache(maxsize=20000)
def stem(word, language):
    return _stemmer(language).stemWord(word)


def content_words(text, language):
    """Folded words minus the language's stop words and one-letter tokens, synonyms mapped."""
    stop = lexicon.STOP_WORDS.get(language, frozenset())
    synonyms = lexicon.SYNONYMS.get(language, {})
    out = []
    for word in WORD.findall(re.sub(lexicon.AGE_SAID, r"\1", fold(text))):
        if word in stop or (len(word) < 2 and not word.isdigit()):
            continue
        out.extend(synonyms.get(word, word).split())
    return out + age_words(text, language)


def age_words(text, language):
    """`la piccola ha 2 anni` → `neonato`: ages decide which ticket applies, so say it in KB words."""
    added = []
    for match in re.finditer(lexicon.AGE_PATTERN, fold(text)):
        number, unit, bare = match.group(1), match.group(2) or "", match.group(3)
        age = 0 if unit.startswith(("mes", "month", "monat")) else int(number or bare)
        for limit, extra in lexicon.AGE_WORDS.get(language, []):
            if age <= limit:
                added.extend(extra.split())
                break
    return added


def terms(text, language):
    """The stems the matcher compares."""
    return [stem(word, language) for word in content_words(text, language)]


def detect_language(text):
    """Cheap it/en/de guess from function words and letters; returns (language, confident)."""
    tokens = words(text)
    raw = text.lower()
    scores = {lang: sum(1 for t in tokens if t in hints) for lang, hints in lexicon.LANGUAGE_HINTS.items()}
    if any(ch in raw for ch in "äöüß"):
        scores["de"] += 2
    if re.search(r"[àèéìòù]", raw):
        scores["it"] += 1
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    (best, top), (_, second) = ranked[0], ranked[1]
    if top == 0:
        return None, False
    return best, top >= 2 and top > second


def joins_parts(question):
    """Whether a question joins several things: two questions, or a connector (`e`, `or`, `oder`, `vs`, `than`…).
    Read before folding, so that Italian `è` (is) is no `e` (and)."""
    raw = question.lower()
    return raw.rstrip(" ?!.").count("?") > 0 or bool(re.search(lexicon.CONNECTORS, raw))
