"""The offline FAQ matcher: BM25 over stemmed KB questions and keywords, with typo correction.

Small and in-repo on purpose (ecosystem.md §10): tens of items per language need no numpy.
"""
import math
from collections import Counter
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from . import text

K1, B = 1.2, 0.75
FIELD_WEIGHTS = {"question": 1.0, "keywords": 1.0, "answer": 0.0}
PHRASE_BONUS = 1.2
TYPO_CUTOFF = 84
MIN_TYPO_LENGTH = 4
THRESHOLD = 2.5


@dataclass(frozen=True)
class Doc:
    id: int
    slug: str
    language: str
    title: str
    answer: str
    question: str = ""
    keywords: tuple = ()


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
    idf: dict = field(default_factory=dict)
    vocab: dict = field(default_factory=dict)
    avg_len: float = 1.0

    def build(self):
        df = Counter()
        for doc in self.docs:
            weights = Counter()
            for name, weight in FIELD_WEIGHTS.items():
                for term in self._field_terms(doc, name):
                    weights[term] += weight
            self.tf.append(weights)
            self.phrases.append([p for p in (tuple(text.terms(k, self.language)) for k in doc.keywords)
                                 if len(p) > 1])
            df.update(weights.keys())
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
        matches = [self._score(i, query, total) for i in range(len(self.docs))]
        matches = [m for m in matches if m.score > 0]
        return sorted(matches, key=lambda m: m.score, reverse=True)[:limit]

    def _unknown_weight(self):
        return math.log(1 + (len(self.docs) + 0.5) / 0.5)

    def _score(self, i, query, total):
        weights, length = self.tf[i], sum(self.tf[i].values())
        score, matched, words = 0.0, 0.0, False
        for term, count in query.items():
            tf = weights.get(term, 0)
            if not tf:
                continue
            words = words or not term.isdigit()
            idf = self.idf[term]
            score += idf * tf * (K1 + 1) / (tf + K1 * (1 - B + B * length / self.avg_len))
            matched += idf
        if not words:  # a stray number ("alert(1)", "2") is no question about the 1st of January
            return Match(self.docs[i], 0.0, 0.0)
        score += sum(PHRASE_BONUS * len(p) for p in self.phrases[i] if all(t in query for t in p))
        return Match(self.docs[i], score, matched / total if total else 0.0)


def build_indexes(docs):
    by_language = {}
    for doc in docs:
        by_language.setdefault(doc.language, []).append(doc)
    return {lang: LanguageIndex(lang, items).build() for lang, items in by_language.items()}
