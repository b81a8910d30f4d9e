"""The `openai` provider: Chat Completions through the official SDK, grounded in the KB and the calendar."""
import functools
import json
import logging
import time

from flask import current_app

from lucine_chatbot.assistant import calendar_answers
from lucine_chatbot.assistant.base import Reply
from lucine_chatbot.content import calendar, knowledge
from lucine_chatbot.models import Sender

logger = logging.getLogger(__name__)
NAME = "openai"
MIN_ATTEMPT_SECONDS = 1.0  # an attempt with less time than this left is not started
RETRY_BACKOFF_SECONDS = 0.5
LANGUAGE_NAMES = {"it": "Italian", "en": "English", "de": "German"}
RULES = """You are the assistant of "Lucine di Natale di Leggiuno", a Christmas-lights event on Lago Maggiore.
Rules:
- Answer ONLY from the knowledge base and the calendar below. Never invent prices, dates, times or services.
- Answer in {language}, briefly (at most 3 sentences), friendly and precise.
- Include the relevant link or contact when the knowledge base gives one.
- If the answer is not in the knowledge base or the calendar, say plainly that you do not have that
  information (in {language}) and do not guess."""


def client():
    """One SDK client per process and settings, shared by the worker's job threads (the SDK's HTTP client pools
    its connections behind a lock): building one costs 50–250 ms (it loads the TLS trust store), and a kept
    client reuses its connections between replies. Retries are ours (`_complete`), inside the reply deadline."""
    config = current_app.config
    return _client(config["OPENAI_API_KEY"], config["OPENAI_BASE_URL"] or None, config["AI_TIMEOUT_SECONDS"])


@functools.lru_cache(maxsize=4)
def _client(api_key, base_url, timeout):
    from openai import OpenAI

    return OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0)


def warm_up():
    """Import the SDK (~1 s) and build the client now; the RQ worker calls this before its first job, so the
    first reply after a start doesn't pay for them."""
    if current_app.config.get("OPENAI_API_KEY"):
        client().chat.completions  # noqa: B018  (the SDK imports its chat resources on first access)


class DeadlineExceeded(TimeoutError):
    """No time left in the reply deadline for (another) LLM attempt: the caller answers offline."""


def answer(question, deadline=None, on_text=None, before_network=None):
    """Ask the model, streamed; exceptions propagate so the caller can fall back to `offline`.

    `deadline` (time.monotonic()) bounds every attempt and retry (without one, each attempt has
    AI_TIMEOUT_SECONDS); `on_text(text_so_far)` sees the answer grow;
    `before_network()` runs once the prompt is built, before any waiting (the caller ends its transaction there).
    """
    config = current_app.config
    items = _kb_items(question.language)
    messages = build_messages(question, items)
    if before_network is not None:
        before_network()
    body, model = _complete(messages, deadline, on_text or (lambda _text: None))
    body = body.strip()
    if not body:
        raise ValueError("the model returned an empty reply")
    return Reply(body, NAME, model or config["OPENAI_MODEL"], sources=cited(body, items))


def _complete(messages, deadline, on_text):
    """The answer's text and model; retries what the API says may pass (connection, 429, 5xx) while the deadline
    leaves time for an attempt, with a short backoff."""
    from openai import APIConnectionError, InternalServerError, RateLimitError

    attempts = current_app.config["AI_MAX_RETRIES"] + 1
    for attempt in range(attempts):
        try:
            return _stream(messages, deadline, on_text)
        except (APIConnectionError, InternalServerError, RateLimitError) as exc:
            pause = RETRY_BACKOFF_SECONDS * 2 ** attempt
            if attempt + 1 == attempts or _time_left(deadline) < pause + MIN_ATTEMPT_SECONDS:
                raise
            logger.info("LLM attempt %d failed (%s); retrying", attempt + 1, type(exc).__name__)
            time.sleep(pause)
    raise AssertionError("unreachable")


def _stream(messages, deadline, on_text):
    """One streamed Chat Completions call; every wait (connect, first token, each next chunk) is bounded by the
    time left, and a stream still running at the deadline is abandoned.

    The SDK sends the request and raises its typed errors; the events are read here as plain JSON: the SDK
    builds a model object per event (one per token), ~0.2 ms of CPU each, which at peak was a third of a
    reply's CPU in the worker (docs/performance.md)."""
    config = current_app.config
    left = _time_left(deadline)
    if left < MIN_ATTEMPT_SECONDS:
        raise DeadlineExceeded("no time left for the LLM in the reply deadline")
    parts, model = [], None
    request = client().chat.completions.with_streaming_response.create(
        model=config["OPENAI_MODEL"], messages=messages, temperature=config["AI_TEMPERATURE"],
        max_tokens=config["AI_MAX_TOKENS"], stream=True, timeout=min(config["AI_TIMEOUT_SECONDS"], left))
    with request as response:
        for event in _events(response.iter_lines()):
            if _time_left(deadline) <= 0:
                raise DeadlineExceeded("the LLM was still writing at the reply deadline")
            model = model or event.get("model")
            choices = event.get("choices") or [{}]
            delta = (choices[0].get("delta") or {}).get("content")
            if delta:
                parts.append(delta)
                on_text("".join(parts))
    return "".join(parts), model


def _events(lines):
    """The JSON events of a server-sent event stream, up to `[DONE]`; an error event raises."""
    from openai import APIError

    for line in lines:
        if not line.startswith("data:"):
            continue  # blank separators, comments, `event:` names
        data = line[5:].strip()
        if data == "[DONE]":
            return
        event = json.loads(data)
        if isinstance(event, dict) and event.get("error"):
            raise APIError(str(event["error"].get("message", event["error"]))[:200], None, body=event)
        yield event


def _time_left(deadline):
    return float("inf") if deadline is None else deadline - time.monotonic()


def _kb_items(language):
    items = knowledge.active_docs(language)
    if language != "it":
        items += knowledge.active_docs("it")
    return items


def build_messages(question, items):
    """System prompt (rules + KB + the entries the question names + calendar + today), the recent history, then
    the question."""
    system = "\n\n".join(part for part in [
        RULES.format(language=LANGUAGE_NAMES.get(question.language, "Italian")),
        "Knowledge base:\n" + "\n".join(f"[{i.id}] ({i.language}) Q: {i.question}\nA: {i.answer}" for i in items),
        named_entries(question),
        calendar_facts(question),
    ] if part)
    history = [{"role": "user" if sender == Sender.USER else "assistant", "content": body}
               for sender, body in question.history]
    return [{"role": "system", "content": system}, *history, {"role": "user", "content": question.text}]


def named_entries(question):
    """The KB entries the offline matcher finds the question naming (each of them for "A or B?"), so that the
    model answers every part from them."""
    matches = [m for m in knowledge.answer_matches(question.text, question.language) if m.confident]
    if not matches:
        return ""
    return ("Entries the question names (answer every part from them): "
            + ", ".join(f"[{m.doc.id}] {m.doc.question}" for m in matches))


def calendar_facts(question):
    plan = calendar.season_plan()
    today = calendar.local_today(question.now)
    hours = plan["hours"]
    lines = [f"Calendar (timezone {current_app.config['EVENT_TIMEZONE']}):",
             f"- Today is {today.strftime('%A')} {today.isoformat()}.",
             f"- Season: {plan['season']['start']} to {plan['season']['end']}; hours {hours['open']}-"
             f"{hours['close']}, last entry {hours['lastEntry']}; closed on {', '.join(plan.get('closedDates', []))}."]
    lines += [f"- {date.isoformat()}: {status}" + (f" ({note})" if note else "")
              for date, status, note in calendar.upcoming_overrides(question.now)]
    resolved = calendar_answers.answer(question.text, question.language, question.now)
    if resolved:
        lines.append(f"- About the date in the question: {resolved[0]}")
    season = None if resolved else calendar_answers.season_answer(question.text, question.language, question.now)
    if season:
        lines.append(f"- The question is about the whole season: {season[0]}")
    return "\n".join(lines)


def cited(body, items):
    """The KB items the reply stands on: those whose link, e-mail or a distinctive number it repeats."""
    sources = []
    for item in items:
        markers = [w for w in item.answer.split() if w.startswith(("http", "€")) or "@" in w or "€" in w]
        if any(m.strip(".,;:()") in body for m in markers if len(m.strip(".,;:()")) > 2):
            sources.append({"id": item.id, "title": item.question})
    return sources[:3]
