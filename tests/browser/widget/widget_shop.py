"""The shop side of the widget tests: a tiny static server on another origin than the backend, serving the
demo pages with the snippet's script tag, plus helpers that drive the widget like a visitor does, and a real
worker process for the tests that need one."""
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from playwright.sync_api import expect

from lucine_chatbot.extensions import db
from lucine_chatbot.models import OperatorChat, utcnow
from tests.support import factories

ROOT = Path(__file__).resolve().parents[3]
DEMO_CSS = ROOT / "static" / "demo" / "demo.css"
SHOP_PAGES = {"/demo": "product", "/demo/info": "info"}


@dataclass
class Shop:
    origin: str
    backend: str

    def url(self, path="/demo"):
        return self.origin + path


def render_pages(app, backend, lang="it"):
    template = app.jinja_env.get_template("demo.html")
    return {path: template.render(backend=backend, lang=lang, page=page).encode()
            for path, page in SHOP_PAGES.items()}


def handler_for(pages):
    class ShopHandler(BaseHTTPRequestHandler):
        """Like a Shopify theme page: no CSP of ours, only the widget's script tag pointing at the backend."""

        def do_GET(self):  # noqa: N802 - http.server's naming
            path = urlsplit(self.path).path
            if path in pages:
                self.reply(200, "text/html; charset=utf-8", pages[path])
            elif path == "/static/demo/demo.css":
                self.reply(200, "text/css", DEMO_CSS.read_bytes())
            else:
                self.reply(204, "text/plain", b"")

        def reply(self, status, content_type, body):
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return ShopHandler


def serve_shop(listener, pages):
    """Serve on the socket the app's CORS_ORIGINS already names (tests/conftest.py `shop_listener`)."""
    server = ThreadingHTTPServer(listener.getsockname(), handler_for(pages), bind_and_activate=False)
    server.socket = listener
    thread = threading.Thread(target=server.serve_forever, name="shop-server", daemon=True)
    thread.start()
    return server, thread


# --- data ----------------------------------------------------------------------------------------------


def online_operator(username, display_name, busy_with=0):
    """An operator who is online; `busy_with` open chats put them at capacity when it is 5."""
    op = factories.operator(username=username, display_name=display_name, name=display_name + " Rossi",
                            is_online=True)
    for _ in range(busy_with):
        chat = factories.chat(status="WITH_OPERATOR", operator_id=op.id)
        db.session.add(OperatorChat(session_id=chat.id, operator_id=op.id, assigned_at=utcnow()))
    db.session.commit()
    return op


def login(api, username):
    response = api.post("/api/operators/login",
                        data={"username": username, "password": factories.DEFAULT_PASSWORD})
    assert response.status == 200, response.text()
    return {"Authorization": "Bearer " + response.json()["token"]}


# --- the visitor -----------------------------------------------------------------------------------------


def open_chat(page):
    page.locator("#lucine-chat-launcher").click()
    expect(page.locator("#lucine-chat-panel")).to_be_visible()
    expect(page.locator("#lucine-chat-input")).to_be_focused()


def is_chat_post(response):
    return response.url.endswith("/api/chat") and response.request.method == "POST"


def send(page, text, run_jobs):
    """Type and send like a visitor; run the AI job a worker would run (a no-op when jobs run inline)."""
    page.locator("#lucine-chat-input").fill(text)
    with page.expect_response(is_chat_post) as posted:
        page.locator("#lucine-chat-input").press("Enter")
    assert posted.value.status in (200, 202), posted.value.text()
    run_jobs()
    return posted.value


def stored_session_id(page):
    return page.evaluate("() => JSON.parse(localStorage.getItem('lucine-chat:session') || '{}').sessionId || null")


def messages(page, sender):
    return page.locator(f'#lucine-chat-panel .lucine-msg[data-sender="{sender}"]')


# --- the worker --------------------------------------------------------------------------------------------


def start_worker(tmp_path, database_url, redis_url, llm_url):
    """`flask --app wsgi worker` as deployed, on the tests' database and Redis, asking the stub LLM; its output
    goes to tmp_path/worker.log (a pipe nobody reads could fill up and block it)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEST_", "APP_ENV"))}
    env.update(DATABASE_URL=database_url, REDIS_URL=redis_url, OPENAI_API_KEY="test-key", OPENAI_BASE_URL=llm_url,
               AI_TIMEOUT_SECONDS="20", AI_MAX_RETRIES="0", LUCINE_INSTANCE_PATH=str(tmp_path))
    log = open(tmp_path / "worker.log", "w")  # noqa: SIM115 - closed by stop_worker
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "worker"], cwd=ROOT, env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    process.log = log
    return process


def wait_for_worker(connection, process, timeout=60):
    """Until the worker has registered with Redis: a reply asked of a worker still booting could meet its
    deadline (AI_REPLY_DEADLINE_SECONDS) and be answered offline, without a draft."""
    from rq import Worker

    deadline = time.monotonic() + timeout
    while not Worker.count(connection=connection):
        assert process.poll() is None and time.monotonic() < deadline, "the worker did not start"
        time.sleep(0.2)


def stop_worker(process):
    """SIGTERM (RQ's warm shutdown), SIGKILL if it lingers; returns the tail of its output."""
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
    process.log.close()
    return Path(process.log.name).read_text(errors="replace")[-3000:]
