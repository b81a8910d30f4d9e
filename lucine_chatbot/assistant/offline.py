"""The `offline` provider: calendar answers for date and season questions, else the KB entries the question names."""
import re

from lucine_chatbot.assistant import calendar_answers, gate
from lucine_chatbot.assistant.base import Reply
from lucine_chatbot.content import automated_texts, knowledge

NAME, MODEL = "offline", "kb-matcher-bm25"
SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def answer(question):
    """Reply from the calendar or the KB; below the threshold, or on what only a person settles, the offer of a
    human (`confident=False`), with the KB's entry on a group's visit when there is one."""
    matches = knowledge.answer_matches(question.text, question.language)
    best = matches[0] if matches else None
    topic = uncovered_human_topic(question.text, best)
    if topic:
        return _offer_human(question, best, f"human_topic:{topic}")
    handoff = gate.handoff_topic(question.text)
    if handoff:
        return _handoff(question, matches, handoff)
    calendar_reply = (calendar_answers.answer(question.text, question.language, question.now)
                      or calendar_answers.season_answer(question.text, question.language, question.now))
    if calendar_reply:  # before the KB's threshold: "siete aperti il 28?" uses no KB word
        body, slug = calendar_reply
        return Reply(body, NAME, MODEL, sources=knowledge.sources_for_slugs([slug], question.language))
    if best is None or not best.confident:
        return _offer_human(question, best, "below_threshold")
    return Reply(compose([m.doc.answer for m in matches]), NAME, MODEL, sources=sources(matches),
                 score=round(best.score, 3))


def _offer_human(question, best, reason):
    return Reply(automated_texts.render("no_answer", question.language), NAME, MODEL, confident=False,
                 escalation_reason=reason, score=round(best.score, 3) if best else 0.0)


def _handoff(question, matches, topic):
    """A group's visit: the KB entry on it (whom to write to) when one matches, and the offer of a human."""
    candidates = matches + knowledge.ranked(question.text, question.language)
    on_topic = [m for m in candidates if m.confident and gate.handoff_topic(_about(m.doc)) == topic]
    if not on_topic:
        return _offer_human(question, None, f"human_topic:{topic}")
    return Reply(on_topic[0].doc.answer, NAME, MODEL, sources=sources(on_topic[:1]), confident=False,
                 escalation_reason=f"human_topic:{topic}", score=round(on_topic[0].score, 3))


def sources(matches):
    return [{"id": m.doc.id, "title": m.doc.title} for m in matches]


def compose(answers):
    """One reply from several entries' answers; a link an earlier part already gave is not repeated."""
    parts, seen = [], set()
    for body in answers:
        sentences = SENTENCE_END.split(body)
        kept = [s for s in sentences if not (_links(s) and _links(s) <= seen)] or sentences
        seen |= _links(body)
        parts.append(" ".join(kept))
    return "\n\n".join(parts)


def _links(sentence):
    return set(re.findall(r"https?://\S+", sentence))


def _about(doc):
    return " ".join([doc.question, *doc.keywords])


def uncovered_human_topic(text, best):
    """A human-only topic the question is about, unless an admin added a KB item on that very topic."""
    topic = gate.human_topic(text)
    if topic is None or best is None:
        return topic
    covered = gate.human_topic(_about(best.doc)) == topic
    return None if covered else topic
