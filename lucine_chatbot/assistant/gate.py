"""The mechanical gate: typed requests for a human, topics only a human settles, unsure replies."""
import re

from lucine_chatbot.assistant import lexicon, text
from lucine_chatbot.content.automated_texts import smart_action

_HUMAN_REQUEST = [re.compile(p) for p in lexicon.HUMAN_REQUEST_PATTERNS]
_UNSURE = [re.compile(p) for p in lexicon.UNSURE_PATTERNS]
_TOPICS = {name: [re.compile(p) for p in patterns] for name, patterns in lexicon.HUMAN_TOPICS.items()}
_HANDOFF = {name: [re.compile(p) for p in patterns] for name, patterns in lexicon.HANDOFF_TOPICS.items()}


def is_human_request(message):
    folded = text.fold(message)
    return any(p.search(folded) for p in _HUMAN_REQUEST)


def human_topic(message):
    """The name of the human-only topic the message is about, or None."""
    return _topic(message, _TOPICS)


def handoff_topic(message):
    """The name of the topic the message is about that the KB answers only in part (a group's visit), or None."""
    return _topic(message, _HANDOFF)


def _topic(message, topics):
    folded = text.fold(message)
    return next((name for name, patterns in topics.items() if any(p.search(folded) for p in patterns)), None)


def is_unsure(reply):
    folded = text.fold(reply).replace("’", "'")
    return any(p.search(folded) for p in _UNSURE)


def smart_actions(language):
    """The two buttons of the unsure gate, labelled in the session's language."""
    return [smart_action("request_operator", language), smart_action("continue_ai", language, "secondary")]
