"""A local OpenAI-compatible server with a configurable latency: the app's OPENAI_BASE_URL in the benchmark.

Answers whole (`"stream"` absent or false) or streamed as the API streams (`"stream": true`): server-sent events
`data: {chat.completion.chunk}`, the first after `latency` (the time to the first token), the others spread
evenly over `stream_seconds`, then `data: [DONE]`.
"""
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

REPLY = ("Il biglietto Intero costa 9 €, il Ridotto 7 € (bambini 3-12 anni). Li trovi sul sito "
         "https://lucinedinatale.it nella fascia oraria che preferisci.")


STREAM_CHUNKS = 8  # REPLY cut into this many pieces, like tokens grouped by the API


class LlmStub:
    """`/v1/chat/completions` answers REPLY after `latency` seconds (changeable while running), streamed over a
    further `stream_seconds` when the request asks for a stream; counts calls and streamed calls."""

    def __init__(self, latency=0.3, host="127.0.0.1", port=0, stream_seconds=0.05):
        self.latency = latency
        self.stream_seconds = stream_seconds
        self.calls = 0
        self.streamed = 0
        self.in_flight = 0
        self.peak_in_flight = 0
        self._lock = threading.Lock()
        self._server = _QuietServer((host, port), self._handler_class())
        self._server.daemon_threads = True
        self._thread = None

    @property
    def base_url(self):
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self):
        self._thread = threading.Thread(target=self._server.serve_forever, name="llm-stub", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self):
        return self.start()

    def __exit__(self, *_exc):
        self.stop()

    def _enter(self, streaming):
        with self._lock:
            self.calls += 1
            self.streamed += bool(streaming)
            self.in_flight += 1
            self.peak_in_flight = max(self.peak_in_flight, self.in_flight)

    def _leave(self):
        with self._lock:
            self.in_flight -= 1

    def _handler_class(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # one response = headers + body without a 40 ms delayed-ACK stall

            def log_message(self, *_args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)) or b"{}")
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    return self._send(404, {"error": {"message": "not found", "type": "invalid_request_error"}})
                model, streaming = body.get("model", "stub-model"), bool(body.get("stream"))
                stub._enter(streaming)
                try:
                    time.sleep(stub.latency)
                    if streaming:
                        return self._stream(model, stub.stream_seconds)
                finally:
                    stub._leave()
                return self._send(200, completion(model))

            def _stream(self, model, seconds):
                """Chunked transfer (HTTP/1.1 keep-alive, as the API answers): one event per chunk."""
                self.send_response(200)
                self.send_header("Content-Type", "text/event-stream")
                self.send_header("Cache-Control", "no-cache")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                pieces = split_reply(REPLY, STREAM_CHUNKS)
                try:
                    self._event(chunk({"role": "assistant", "content": ""}, model))
                    for index, piece in enumerate(pieces):
                        if index:
                            time.sleep(seconds / (len(pieces) - 1))
                        self._event(chunk({"content": piece}, model))
                    self._event(chunk({}, model, "stop"))
                    self._write(b"data: [DONE]\n\n")
                    self._write(b"")  # the last chunk of the chunked encoding
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its deadline)

            def _event(self, payload):
                self._write(b"data: " + json.dumps(payload).encode() + b"\n\n")

            def _write(self, data):
                self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
                self.wfile.flush()

            def _send(self, status, payload):
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        """A client that closes its keep-alive connection (the SDK's pool, a call abandoned at the reply deadline)
        resets it while a handler waits for its next request: expected, not worth a traceback."""
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)


def completion(model):
    return {
        "id": f"chatcmpl-bench-{time.monotonic_ns()}", "object": "chat.completion", "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": REPLY}}],
        "usage": {"prompt_tokens": 900, "completion_tokens": 40, "total_tokens": 940},
    }


def chunk(delta, model, finish_reason=None):
    return {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": int(time.time()), "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]}


def split_reply(text, count):
    """`text` in `count` pieces at word boundaries (fewer when it has fewer words); joined they give `text`."""
    words = text.split(" ")
    count = max(1, min(count, len(words)))
    size = -(-len(words) // count)
    groups = [words[i:i + size] for i in range(0, len(words), size)]
    return [" ".join(group) + (" " if i < len(groups) - 1 else "") for i, group in enumerate(groups)]
