"""A minimal JSON client for the setup and AI measurements (one short connection per call, like the widget)."""
import http.client
import json
import time
from urllib.parse import urlparse


class Client:
    def __init__(self, base_url, timeout=10):
        parsed = urlparse(base_url)
        if parsed.hostname not in ("127.0.0.1", "localhost", "::1"):
            raise ValueError("the benchmark only talks to loopback")
        self.host, self.port, self.timeout = parsed.hostname, parsed.port, timeout

    def request(self, method, path, body=None):
        conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        try:
            payload = json.dumps(body).encode() if body is not None else None
            headers = {"Content-Type": "application/json"} if payload is not None else {}
            conn.request(method, path, body=payload, headers=headers)
            response = conn.getresponse()
            data = response.read()
            return response.status, (json.loads(data) if data else None)
        finally:
            conn.close()

    def post_message(self, message, session_id=None):
        body = {"message": message, **({"sessionId": session_id} if session_id else {})}
        status, data = self.request("POST", "/api/chat", body)
        if status not in (200, 202):
            raise RuntimeError(f"POST /api/chat answered {status}: {data}")
        return data

    def poll(self, session_id, after=None):
        path = f"/api/chat/poll/{session_id}" + (f"?after={after}" if after else "")
        status, data = self.request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path} answered {status}: {data}")
        return data

    def wait_for_bot(self, session_id, after, interval=0.01, timeout=30):
        """Poll every `interval` s until a BOT message after `after` is visible; returns (message, seen_at,
        draft_seen_at): the last is when a poll first carried a draft of that reply (the poll's `draft`), or None."""
        deadline = time.monotonic() + timeout
        draft_seen = None
        while time.monotonic() < deadline:
            data = self.poll(session_id, after)
            bots = [m for m in data["messages"] if m["sender"] == "BOT"]
            if bots:
                return bots[0], time.monotonic(), draft_seen
            draft = data.get("draft")
            if draft_seen is None and isinstance(draft, dict) and draft.get("replyTo") == after and draft.get("text"):
                draft_seen = time.monotonic()
            time.sleep(interval)
        raise TimeoutError(f"no reply for {session_id} within {timeout} s")


def user_message_id(chat_response):
    return next(m["id"] for m in chat_response["messages"] if m["sender"] == "USER")
