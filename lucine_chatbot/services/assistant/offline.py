"""The `offline` provider: calendar answers for date questions, else the best KB item above the threshold."""
from .. import automated_texts, knowledge
from . import calendar_answers, gate
from .base import Reply

NAME, MODEL = "offline", "kb-matcher-bm25"


def answer(question):
    """Reply from the KB or the calendar; below the threshold, the `no_answer` text and not confident."""
    calendar_reply = calendar_answers.answer(question.text, question.language, question.now)
    if calendar_reply:
        body, slug = calendar_reply
        return Reply(body, NAME, MODEL, sources=knowledge.sources_for_slugs([slug], question.language))
    best = knowledge.best_match(question.text, question.language)
    topic = uncovered_human_topic(question.text, best)
    if topic or best is None or not best.confident:
        return Reply(automated_texts.render("no_answer", question.language), NAME, MODEL, confident=False,
                     escalation_reason=f"human_topic:{topic}" if topic else "below_threshold",
                     score=round(best.score, 3) if best else 0.0)
    return Reply(best.doc.answer, NAME, MODEL, sources=[{"id": best.doc.id, "title": best.doc.title}],
                 score=round(best.score, 3))




def uncovered_human_topic(text, best):
    """A human-only topic the question is about, unless an admin added a KB item on that very topic."""
    topic = gate.human_topic(text)
    if topic is None or best is None:
        return topic
    covered = gate.human_topic(" ".join([best.doc.question, *best.doc.keywords])) == topic
    return None if covered else topic
