"""Secrets that travel in URLs (a visitor's sessionId, a ticket's resume token) replaced by `…` before logging.

Used by gunicorn's access log (gunicorn.conf.py) and the app's error log; depends on nothing but the standard
library, so the gunicorn master loads it without the app.
"""
import re
from urllib.parse import quote, unquote

# Every route whose path carries a session id or a resume token (tests/security/input/test_cursors_and_redaction.py
# walks the URL map: a new route with a `session_id` or `token` argument must be listed here). `/+`: werkzeug merges
# slashes.
SECRET_PATHS = ("api/chat/poll", "api/chat", "api/chat-management/history", "api/tickets/resume", "dashboard/chats")
SECRET_IN_PATH = re.compile(
    r"(/(?:" + "|".join(p.replace("/", "/+") for p in SECRET_PATHS) + r")/+)(?!poll(?:[/?\s]|$))[^/?#&\s]+")
# Query parameters that carry the same secrets (`/api/analytics/events?sessionId=`).
SECRET_QUERY_KEYS = ("sessionId", "session_id", "sessionid", "resumeToken", "resume_token", "token")
SECRET_IN_QUERY = re.compile(r"([?&](?:" + "|".join(SECRET_QUERY_KEYS) + r")=)[^&#\s]+")
# What a percent-decoded line is re-encoded with: printable ASCII stays readable, control characters do not
# reach the log (no forged lines through %0A).
SAFE = "/?&=:;,+@!$'()*~ #[]"


def redact(text):
    """`text` (a request line, a path, a URL) with every session id and resume token replaced by `…`.

    A percent-encoded path (`/api/chat%2Fpoll%2F<id>`) routes like the plain one, so a line with `%` is decoded
    first, redacted, and logged re-encoded.
    """
    if not text:
        return text
    if "%" in text:
        text = quote(unquote(text, errors="replace"), safe=SAFE)
    text = SECRET_IN_PATH.sub(r"\1…", text)
    if "ession" in text or "oken" in text:  # every SECRET_QUERY_KEYS has one: most lines skip the second pass
        text = SECRET_IN_QUERY.sub(r"\1…", text)
    return text
