"""The offline FAQ matcher: BM25 over stemmed KB questions and keywords, with typo correction.

Small and in-repo on purpose: tens of items per language need no numpy.
"""
import math
from collections import Counter
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from lucine_chatbot.assistant import text

K1, B = 1.2, 0.75
FIELD_WEIGHTS = {"question": 1.0, "keywords": 1.0, "answer": 0.0}
PHRASE_BONUS = 1.2
QUESTION_BONUS = 1.0
PART_WEIGHT = 0.5  # a German compound's first or last word, of the compound's weight
PHRASE_SLACK = 2  # other words a keyword phrase's own may be spread over
TYPO_CUTOFF = 84
MIN_TYPO_LENGTH = 4
THRESHOLD = 2.5
PART_THRESHOLD = 2.0  # what an entry the question also names must score on the words the first left unanswered
MAX_PARTS = 3
NEAR_TIE = 0.9
SIDE_MENTION = 0.5  # of the weight of the entry most about a term: below it, an entry only mentions the term


@dataclass(frozen=True)
class Doc:
    id: int
    slug: str
    language: str
    title: str
    answer: str
    question: str = ""
    keywords: tuple = ()


@dataclass(frozen=True)
class Phrase:
    """A keyword of several words: found when said verbatim ("quanto tempo", whose stop word the stems lose) or
    when all its stems are in the question (in another inflection)."""

    stems: tuple
    said: str  # the folded words, space-padded

    def found(self, asked, said):
        return self.said in said or self._together(asked)

    def weight(self, asked, said):
        if self.said in said:
            return len(self.said.split())
        return len(self.stems) if self._together(asked) else 0

    def _together(self, asked):
        """All its stems within a few words of each other in `asked` (the question's stems in order): "costo
        ingresso" is no phrase of "quanto costa il saltafila e fino a che ora si può entrare?"."""
        if len(self.stems) < 2:
            return False
        span = len(self.stems) + PHRASE_SLACK
        return any(all(t in asked[i:i + span] for t in self.stems) for i in range(max(len(asked) - span, 0) + 1))


def _said(phrase):
    return " " + " ".join(text.words(phrase)) + " "


@dataclass
class Match:
    doc: Doc
    score: float
    coverage: float

    @property
    def confident(self):
        return self.score >= THRESHOLD


@dataclass
class LanguageIndex:
    language: str
    docs: list
    tf: list = field(default_factory=list)
    phrases: list = field(default_factory=list)
    questions: list = field(default_factory=list)
    names: list = field(default_factory=list)  # the words that name an entry: its question's, its one-word keywords
    idf: dict = field(default_factory=dict)
    top_tf: dict = field(default_factory=dict)  # term → its weight in the entry most about it
    vocab: dict = field(default_factory=dict)
    avg_len: float = 1.0

    def build(self):
        df = Counter()
        words = {t for doc in self.docs for k in doc.keywords if len(text.words(k)) == 1
                 for t in text.terms(k, self.language)}
        for doc in self.docs:
            weights = Counter()
            for name, weight in FIELD_WEIGHTS.items():
                for term in self._field_terms(doc, name) if weight else ():  # an answer's words name no entry
                    weights[term] += weight
            if self.language == "de":
                _add_compound_parts(weights, words)
            self.tf.append(weights)
            self.questions.append(frozenset(text.terms(doc.question, self.language)))
            one_word = [k for k in doc.keywords if len(k.split()) == 1]
            self.names.append(self.questions[-1] | {t for k in one_word for t in text.terms(k, self.language)})
            self.phrases.append([Phrase(tuple(text.terms(k, self.language)), _said(k)) for k in doc.keywords
                                 if len(text.words(k)) > 1])
            df.update(weights.keys())
            for term, weight in weights.items():
                self.top_tf[term] = max(self.top_tf.get(term, 0), weight)
        n = max(len(self.docs), 1)
        self.idf = {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}
        self.avg_len = sum(sum(w.values()) for w in self.tf) / n if self.tf else 1.0
        self._build_vocab()
        return self

    def _field_terms(self, doc, name):
        if name == "keywords":
            return [t for k in doc.keywords for t in text.terms(k, self.language)]
        return text.terms(getattr(doc, name), self.language)

    def _build_vocab(self):
        """Folded surface words of questions and keywords → their stem, for typo correction."""
        for doc in self.docs:
            for phrase in (doc.question, *doc.keywords):
                for word in text.content_words(phrase, self.language):
                    if len(word) >= MIN_TYPO_LENGTH:
                        self.vocab.setdefault(word, text.stem(word, self.language))

    def query_terms(self, question):
        """The question's stems, unknown ones corrected against the KB vocabulary or split as compounds."""
        out = []
        for word in text.content_words(question, self.language):
            term = text.stem(word, self.language)
            if term in self.idf or len(word) < MIN_TYPO_LENGTH:
                out.append(term)
                continue
            out.append(self._correct(word) or term)
            if self.language == "de":
                out.extend(self._compound_parts(word))
        return out

    def _correct(self, word):
        """The KB word a typo most likely meant: similar, and of nearly the same length."""
        candidates = [w for w in self.vocab if abs(len(w) - len(word)) <= 2]
        found = process.extractOne(word, candidates, scorer=fuzz.ratio, score_cutoff=TYPO_CUTOFF)
        return self.vocab[found[0]] if found else None

    def _compound_parts(self, word):
        """German compounds (`Kinderermäßigung`): known stems of ≥4 letters inside the word."""
        return [t for t in self.idf if len(t) >= 4 and t in word and t != word][:3]

    def rank(self, question, limit=3):
        terms = self.query_terms(question)
        if not terms:
            return []
        query = Counter(terms)
        known = sum(self.idf.get(t, 0) for t in query)
        total = known + sum(self._unknown_weight() for t in query if t not in self.idf)
        said = _said(question)
        matches = [self._score(i, query, total, terms, said) for i in range(len(self.docs))]
        matches = [m for m in matches if m.score > 0]
        return sorted(matches, key=lambda m: m.score, reverse=True)[:limit]

    def compose(self, question):
        """The entries a question names, best first: the best match, then, when the question joins several things
        ("intero e saltafila?", "Ridotto and dogs?", "P2 oder P5?"), each entry named by what the entries before
        it left unanswered."""
        ranked = self.rank(question, limit=len(self.docs))
        if not ranked or not ranked[0].confident:
            return ranked[:1]
        if not text.joins_parts(question):
            return self._near_tie(ranked)
        asked = self.query_terms(question)
        parts, query = [ranked[0]], Counter(asked)
        left = self._unanswered(query, parts[0])
        while left and len(parts) < MAX_PARTS:
            part = self._next_part(ranked, parts, left, asked, _said(question))
            if part is None:
                break
            parts.append(part)
            left = self._unanswered(left, part)
        return parts

    @staticmethod
    def _near_tie(ranked):
        """One question the ranking cannot settle between two entries (scores within NEAR_TIE) gets both."""
        if len(ranked) > 1 and ranked[1].score >= max(NEAR_TIE * ranked[0].score, THRESHOLD):
            return ranked[:2]
        return ranked[:1]

    def _next_part(self, ranked, parts, left, asked, said):
        total = sum(self.idf.get(t, self._unknown_weight()) for t in left)
        taken = {m.doc.id for m in parts}
        scored = [self._score(self.docs.index(m.doc), left, total, asked, said) for m in ranked
                  if m.doc.id not in taken]
        named = [m for m in scored if m.score >= PART_THRESHOLD and self._names(m.doc, left, asked, said)]
        return max(named, key=lambda m: m.score, default=None)

    def _names(self, doc, left, asked, said):
        """Whether the question names this entry with what is left of it: a word of the entry's own question, a
        one-word keyword, or one of its keyword phrases said whole."""
        i = self.docs.index(doc)
        return (any(t in self.names[i] for t in left)
                or any(p.found(asked, said) and any(t in left for t in p.stems) for p in self.phrases[i]))

    def _unanswered(self, query, match):
        """What of `query` the entry leaves unanswered: the terms it does not hold, and those it only mentions
        (the shuttle's "from the car parks") while another entry is about them (SIDE_MENTION of its weight)."""
        weights = self.tf[self.docs.index(match.doc)]
        return Counter({t: c for t, c in query.items()
                        if t in self.idf and weights.get(t, 0) < SIDE_MENTION * self.top_tf[t]})

    def _unknown_weight(self):
        return math.log(1 + (len(self.docs) + 0.5) / 0.5)

    def _score(self, i, query, total, asked=None, said=""):
        """BM25 of entry `i` for `query`, plus a bonus for each keyword phrase found in the question (said verbatim
        in `said`, or all its stems in `asked`, the whole question when `query` is only what is left of it) that
        holds a term of `query`."""
        weights, length = self.tf[i], sum(self.tf[i].values())
        score, matched, words = 0.0, 0.0, False
        for term, _count in query.items():
            tf = weights.get(term, 0)
            if not tf:
                continue
            words = words or not term.isdigit()
            idf = self.idf[term]
            score += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / self.avg_len))
            matched += idf
        if not words:  # a stray number ("alert(1)", "2") is no question about the 1st of January
            return Match(self.docs[i], 0.0, 0.0)
        asked = asked or list(query)
        own = self.questions[i]
        if own and own <= set(asked):  # the visitor asked the entry's own question (in other words around it)
            score += QUESTION_BONUS
        score += sum(PHRASE_BONUS * p.weight(asked, said) for p in self.phrases[i] if any(t in query for t in p.stems))
        return Match(self.docs[i], score, matched / total if total else 0.0)


def _add_compound_parts(weights, words):
    """German compounds of an entry also hold, at PART_WEIGHT, their last and their first word when that word is a
    one-word keyword of the KB (`words`): "In welchem Ort?" finds `Standort`, "Parkplätze für Behinderte" finds
    `Behindertenparkplatz`."""
    for term, weight in list(weights.items()):
        head = _longest(w for w in words if len(w) >= 3 and len(term) - len(w) >= 4 and term.endswith(w))
        first = _longest(w for w in words if len(w) >= 4 and len(term) - len(w) >= 4 and term.startswith(w))
        for part in filter(None, (head, first)):
            weights[part] += PART_WEIGHT * weight


def _longest(words):
    return max(words, key=len, default=None)


def build_indexes(docs):
    by_language = {}
    for doc in docs:
        by_language.setdefault(doc.language, []).append(doc)
    return {lang: LanguageIndex(lang, items).build() for lang, items in by_language.items()}
