"""The benchmark's parts, without running it (it is timed and slow: `python -m bench run`, never in pytest):
the LLM stub, load tools that refuse anything but loopback, and wrk's Lua scripts."""
import json
import re
import shutil
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench import client, wrk
from bench.servers.llm_stub import REPLY, LlmStub


def test_llm_stub_answers_like_openai_chat_completions():
    from openai import OpenAI

    with LlmStub(latency=0) as stub:
        sdk = OpenAI(api_key="bench", base_url=stub.base_url, max_retries=0, timeout=5)
        completion = sdk.chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": "Ciao"}])
    assert completion.choices[0].message.content == REPLY
    assert stub.calls == 1 and stub.in_flight == 0


def test_llm_stub_streams_server_sent_events_when_asked_and_still_answers_whole_requests():
    from openai import OpenAI

    with LlmStub(latency=0, stream_seconds=0.02) as stub:
        sdk = OpenAI(api_key="bench", base_url=stub.base_url, max_retries=0, timeout=5)
        stream = sdk.chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": "Ciao"}],
                                             stream=True)
        pieces = [event.choices[0].delta.content for event in stream if event.choices[0].delta.content]
        whole = sdk.chat.completions.create(model="gpt-test", messages=[{"role": "user", "content": "Ciao"}])
        request = urllib.request.Request(stub.base_url + "/chat/completions", method="POST",
                                         data=json.dumps({"model": "m", "stream": True}).encode())
        with urllib.request.urlopen(request, timeout=5) as response:
            content_type, raw = response.headers["Content-Type"], response.read().decode()
    assert len(pieces) > 1 and "".join(pieces) == REPLY and whole.choices[0].message.content == REPLY
    assert stub.calls == 3 and stub.streamed == 2 and stub.in_flight == 0
    events = raw.split("\n\n")
    assert content_type == "text/event-stream" and events[-2:] == ["data: [DONE]", ""]
    assert all(event.startswith("data: ") for event in events[:-1])
    assert json.loads(events[0][6:])["object"] == "chat.completion.chunk"


def test_llm_stub_answers_404_for_other_paths():
    with LlmStub(latency=0) as stub:
        request = urllib.request.Request(stub.base_url + "/embeddings", data=b"{}", method="POST")
        with pytest.raises(urllib.error.HTTPError) as error:
            urllib.request.urlopen(request, timeout=5)
    assert error.value.code == 404 and stub.calls == 0


@pytest.mark.parametrize("url", ["http://example.com/api/chat", "http://10.0.0.1:8000/"])
def test_load_runs_refuse_targets_other_than_loopback(url):
    with pytest.raises(ValueError, match="loopback"):
        wrk.run("x", url, wrk.get_script(["/"]), connections=1, seconds=1)
    with pytest.raises(ValueError, match="loopback"):
        client.Client(url)


def test_wrk_scripts_quote_json_bodies_for_lua():
    script = wrk.mixed_script([(3, [("POST", "/api/chat", json.dumps({"message": 'say "ciao"\n'}))]),
                               (1, [("GET", "/api/chat/poll/abc?after=1", None)])])
    assert '"{\\"message\\": \\"say \\\\\\"ciao\\\\\\"\\\\n\\"}"' in script
    assert "math.random(4)" in script and "WRKJSON" in script


@pytest.mark.skipif(not shutil.which("wrk"), reason="needs wrk (apt-get install wrk)")
def test_the_widget_mix_moves_each_sessions_cursor_like_the_widget():
    """Polls ask for what came after the newest message id the session's previous response showed."""
    seen = []

    class Shop(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802
            sid, after = re.match(r"/api/chat/poll/(\w+)\?after=(\d+)", self.path).groups()
            seen.append((sid, int(after)))
            messages = [{"id": int(after) + 5, "sender": "BOT", "metadata": {"sources": [{"id": 99999}]}}] \
                if int(after) < 100 else []
            body = json.dumps({"sessionId": sid, "status": "ACTIVE", "messages": messages,
                               "operator": {"id": 77777}}, separators=(",", ":")).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Shop)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        script = wrk.widget_script({"aaa": 90, "bbb": 7}, [(1, None)])
        result = wrk.run("mix", f"http://127.0.0.1:{server.server_address[1]}/api/chat", script,
                         connections=1, seconds=1)
    finally:
        server.shutdown()
    assert result.errors == 0 and len(seen) > 20
    for sid, start in (("aaa", 90), ("bbb", 7)):
        afters = [after for s, after in seen if s == sid]
        assert afters[0] == start and afters == sorted(afters), afters  # never goes back
        assert afters[-1] >= 100 and set(afters) <= set(range(start, 106, 5))  # message ids only, not sources
