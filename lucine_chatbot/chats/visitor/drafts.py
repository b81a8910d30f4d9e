"""The assistant's answer while it is being written (the poll's `draft`): kept in Redis, never in the database.

The worker streaming an OpenAI answer writes the text so far under the chat's key, at most every
AI_DRAFT_INTERVAL_SECONDS; the poll reads it in the same Redis round trip as its rate limit and cache
(poll_cache.lookup). The key goes when the BOT message is stored, and expires on its own shortly after the
reply deadline, so a draft whose writer died never outlives the offline answer that replaces it.
Without Redis (the embedded default) replies are written inside the visitor's request: there is no draft.
"""
import json
import logging
import time

from flask import current_app

from lucine_chatbot.platform import redis as shared_redis

logger = logging.getLogger(__name__)
PREFIX = "lucine:draft:"
TTL_MARGIN = 10  # s after the reply deadline


def key(public_id):
    return f"{PREFIX}{public_id}"


def decode(raw):
    """The stored draft as the poll shows it, `{"text", "replyTo"}`, or None."""
    if not raw:
        return None
    try:
        draft = json.loads(raw)
    except ValueError:
        return None
    return draft if isinstance(draft, dict) and draft.get("text") else None


def clear(public_id):
    conn = shared_redis.redis()
    if conn is None:
        return
    try:
        conn.delete(key(public_id))
    except Exception:  # noqa: BLE001 (the draft expires by itself; the poll ignores it once answered)
        shared_redis.failed("clearing a draft")


class Writer:
    """Receives the growing text of one answer and stores it for the poll, throttled; a no-op without Redis."""

    def __init__(self, public_id, reply_to):
        config = current_app.config
        self.key, self.reply_to = key(public_id), reply_to
        self.interval = config["AI_DRAFT_INTERVAL_SECONDS"]
        self.ttl = config["AI_REPLY_DEADLINE_SECONDS"] + TTL_MARGIN
        self.conn = shared_redis.redis()
        self.written_at, self.pending = 0.0, None

    def __call__(self, text):
        """The answer so far; stored now when the last write is older than the interval, else kept."""
        if self.conn is None or not text.strip():
            return
        self.pending = text
        if time.monotonic() - self.written_at >= self.interval:
            self.flush()

    def flush(self):
        if self.pending is None:
            return
        text, self.pending = self.pending, None
        self.written_at = time.monotonic()
        try:
            self.conn.set(self.key, json.dumps({"text": text, "replyTo": self.reply_to}), ex=self.ttl)
        except Exception:  # noqa: BLE001 (no draft this time: the final answer still comes)
            logger.warning("could not store a draft", exc_info=True)
