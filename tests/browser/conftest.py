"""Browser fixtures shared by the dashboard and widget tests: the app served for real, Debian's Chromium,
a page that fails its test on any console error, and screenshots under test-output/screenshots/.

Tests here are marked `browser` and `real_db`: the server thread sees only committed data.
"""
import re
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from lucine_chatbot.extensions import db

from . import accessibility

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"


def pytest_collection_modifyitems(config, items):
    skip = pytest.mark.skip(reason=f"needs Chromium at {CHROMIUM} (apt-get install chromium)")
    for item in items:
        if "browser" in item.keywords and not CHROMIUM.exists():
            item.add_marker(skip)


@pytest.fixture(scope="session")
def live_server(app):
    """The session's test app served by werkzeug in a daemon thread; yields its base URL."""
    if db.engine.dialect.name == "sqlite":
        # WAL: the test thread may read (an open transaction) while the server thread writes.
        raw = db.engine.raw_connection()
        try:
            raw.driver_connection.execute("PRAGMA journal_mode=WAL")
        finally:
            raw.close()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright_instance):
    browser = playwright_instance.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def browser_context(request, browser, live_server):
    if "real_db" not in request.keywords:
        pytest.fail("browser tests must be marked real_db: the live server only sees committed data")
    context = browser.new_context(base_url=live_server, viewport={"width": 1366, "height": 900},
                                  locale="it-IT", timezone_id="Europe/Rome")
    context.set_default_timeout(10_000)
    yield context
    context.close()


class ConsoleErrors(list):
    """Console errors and uncaught exceptions; `allow(text)` accepts the ones a test provokes on purpose."""

    def __init__(self):
        super().__init__()
        self.allowed = []

    def allow(self, text):
        self.allowed.append(text)

    def unexpected(self):
        return [error for error in self if not any(text in error for text in self.allowed)]


@pytest.fixture
def console_errors():
    """Any console error left at the end fails the test."""
    errors = ConsoleErrors()
    yield errors
    unexpected = errors.unexpected()
    assert not unexpected, "console errors in the browser:\n" + "\n".join(unexpected)


def screenshot_path(name):
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / (re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") + ".png")


@pytest.fixture
def page(request, browser_context, console_errors):
    page = browser_context.new_page()
    page.on("console", lambda msg: msg.type == "error" and console_errors.append(f"{msg.text} ({msg.location})"))
    page.on("pageerror", lambda exc: console_errors.append(f"uncaught: {exc}"))
    yield page
    try:
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(screenshot_path(request.node.name + "-final")), full_page=True)
    except Exception:  # noqa: BLE001 - a page that crashed has nothing to show
        pass
    page.close()


@pytest.fixture(scope="session")
def axe_source():
    return accessibility.axe_source()


@pytest.fixture
def axe(axe_source):
    """`axe(page, "what is on screen")` fails the test on any WCAG 2.2 A/AA violation axe-core finds."""

    def check(page, state):
        found = accessibility.violations(page, axe_source)
        assert not found, accessibility.describe(state, found)

    return check


@pytest.fixture
def screenshot(page, axe):
    """`screenshot("name")` checks the page with axe-core, then saves it under test-output/screenshots/: every
    state worth a picture is a state that must be accessible."""

    def take(name, full_page=True, **options):
        axe(page, name)
        path = screenshot_path(name)
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(path), full_page=full_page, **options)
        return path

    return take



@pytest.fixture
def chat_api_pending(app, console_errors):
    """The chat page follows a conversation through the visitors' poll endpoint; until that API is on main,
    its 404s are expected (and only then)."""
    if not any(rule.rule.startswith("/api/chat/poll/") for rule in app.url_map.iter_rules()):
        console_errors.allow("/api/chat/poll/")
