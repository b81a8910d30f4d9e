"""The assistant: one interface (`reply`), two providers (`openai`, `offline`), one mechanical gate."""
import logging
import time

from flask import current_app

from lucine_chatbot.assistant import gate, offline, openai_provider
from lucine_chatbot.assistant.base import Question, Reply
from lucine_chatbot.content import knowledge

logger = logging.getLogger(__name__)
__all__ = ["Question", "Reply", "provider_name", "reply"]


def provider_name():
    return openai_provider.NAME if current_app.config.get("OPENAI_API_KEY") else offline.NAME


def reply(question, offline_only=False, deadline=None, on_text=None, before_network=None):
    """The answer to `question` with its metadata; never raises for a provider failure (falls back).

    `offline_only` skips the LLM (an answer past its deadline must not wait on it again); `deadline`,
    `on_text` and `before_network` go to the LLM call (openai_provider.answer).
    """
    started = time.perf_counter()
    result = _ask(question, offline_only, dict(deadline=deadline, on_text=on_text, before_network=before_network))
    if result.confident and gate.is_unsure(result.text) and result.provider != offline.NAME:
        result.confident, result.escalation_reason = False, "unsure_reply"
    result.latency_ms = int((time.perf_counter() - started) * 1000)
    return result


def _ask(question, offline_only=False, llm_options=None):
    if offline_only or provider_name() != openai_provider.NAME:
        return offline.answer(question)
    try:
        result = openai_provider.answer(question, **(llm_options or {}))
    except Exception as exc:  # any SDK error, timeout, deadline or bad reply: the site keeps answering
        logger.warning("OpenAI call failed, answering offline: %s", exc)
        result = offline.answer(question)
        result.error = f"{type(exc).__name__}: {str(exc)[:200]}"
        result.fallback_from = openai_provider.NAME
        return result
    topic = gate.human_topic(question.text) and offline.uncovered_human_topic(  # ranking the KB only when needed
        question.text, knowledge.best_match(question.text, question.language))
    topic = topic or gate.handoff_topic(question.text)  # a group's visit: a person settles it, whatever the model says
    if topic and result.confident:
        result.confident, result.escalation_reason = False, f"human_topic:{topic}"
    return result


def metadata(result, language):
    """What a BOT message records: provider, model, latency, sources, and the buttons when unsure."""
    meta = {"provider": result.provider, "model": result.model, "latencyMs": result.latency_ms,
            "sources": result.sources}
    if result.score is not None:
        meta["score"] = result.score
    if result.error:
        meta["error"], meta["fallbackFrom"] = result.error, result.fallback_from
    if not result.confident:
        meta["smartActions"] = gate.smart_actions(language)
        meta["escalationReason"] = result.escalation_reason
    return meta
