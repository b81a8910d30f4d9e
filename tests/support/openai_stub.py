"""A local OpenAI-compatible HTTP server for tests: scripted responses, recorded requests (stdlib only)."""
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def completion(content, model="stub-model"):
    return {"id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


@dataclass
class Stream:
    """A streamed answer (`"stream": true`): `chunks` of text sent as server-sent events (a dict is sent as it
    is: an error event), the first after `first_delay` seconds, each next one `chunk_delay` later; after
    `hang_after` chunks, the server goes silent."""

    chunks: list
    first_delay: float = 0.0
    chunk_delay: float = 0.0
    hang_after: int | None = None
    model: str = "stub-model"

    @property
    def text(self):
        return "".join(piece for piece in self.chunks if isinstance(piece, str))


def chunk(delta, model="stub-model", finish_reason=None):
    return {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]}


class StubOpenAI:
    """`script` holds (status, body, delay_seconds) answers, used in order; the last one repeats."""

    def __init__(self):
        self.requests = []
        self.script = [(200, completion("Ciao!"), 0)]
        self.in_flight = self.peak_in_flight = 0  # requests being answered at once, and the most seen
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                with stub._lock:
                    stub.in_flight += 1
                    stub.peak_in_flight = max(stub.peak_in_flight, stub.in_flight)
                try:
                    self.answer()
                finally:
                    with stub._lock:
                        stub.in_flight -= 1

            def answer(self):
                length = int(self.headers.get("Content-Length") or 0)
                request = {"path": self.path, "headers": dict(self.headers),
                           "json": json.loads(self.rfile.read(length) or b"{}")}
                stub.requests.append(request)
                streaming = bool(request["json"].get("stream"))
                status, body, delay = stub.script[0] if len(stub.script) == 1 else stub.script.pop(0)
                if isinstance(body, Stream):
                    return self.stream(body, streaming)
                if delay:
                    time.sleep(delay)
                if status == 200 and streaming and "choices" in body:
                    choice = body["choices"][0]  # a scripted completion, sent as the API streams it
                    return self.stream(Stream([choice["message"]["content"] or ""], model=body["model"]), True)
                data = json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (timeout test)

            def stream(self, answer, streaming):
                """Server-sent events as the API sends them; a streamed answer to a non-streaming request is
                sent whole (after first_delay), as the real API would answer it."""
                time.sleep(answer.first_delay)
                try:
                    if not streaming:
                        return self.send_json(200, completion(answer.text, answer.model))
                    self.send_response(200)
                    self.send_header("Content-Type", "text/event-stream")
                    self.send_header("Cache-Control", "no-cache")
                    self.end_headers()
                    self.event(chunk({"role": "assistant", "content": ""}, answer.model))
                    for index, piece in enumerate(answer.chunks):
                        if answer.hang_after is not None and index >= answer.hang_after:
                            time.sleep(3600)
                        if index:
                            time.sleep(answer.chunk_delay)
                        self.event(piece if isinstance(piece, dict) else chunk({"content": piece}, answer.model))
                    self.event(chunk({}, answer.model, "stop"))
                    self.wfile.write(b"data: [DONE]\n\n")
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (deadline, timeout)

            def event(self, payload):
                self.wfile.write(b"data: " + json.dumps(payload).encode() + b"\n\n")
                self.wfile.flush()

            def send_json(self, status, body):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def reply_with(self, *answers):
        """Each answer: a string (200 completion), a Stream, or a (status, body[, delay]) tuple."""
        self.script = [(200, completion(a), 0) if isinstance(a, str) else (200, a, 0) if isinstance(a, Stream)
                       else (a[0], a[1], a[2] if len(a) > 2 else 0) for a in answers]

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def serve_for(app, monkeypatch, timeout_seconds=2):
    """Start a stub and point the app's OpenAI settings at it (no retries); use inside a fixture."""
    server = StubOpenAI()
    server.__enter__()
    for key, value in {"OPENAI_API_KEY": "test-key", "OPENAI_BASE_URL": server.base_url,
                       "AI_MAX_RETRIES": 0, "AI_TIMEOUT_SECONDS": timeout_seconds}.items():
        monkeypatch.setitem(app.config, key, value)
    return server
