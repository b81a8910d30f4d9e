"""The widget as merchants embed it: the Liquid snippet rendered by a real Liquid engine into a shop page of
another origin, opened in Chromium against a backend slowed down to 3 s per request, or down. The shop's
DOMContentLoaded and load never wait for us, a repeat page view asks the backend nothing, hostile snippet
parameters run nothing, and a shopper still learns how to reach the staff when the backend is down."""
import re
import statistics
import threading
import time
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from lucine_chatbot.seed import seed_all
from tests.support.shopify_snippet import HOSTILE, HOSTILE_TITLES, render_snippet

from ..helpers import no_dialogs
from .widget_shop import render_pages, serve_shop

pytestmark = [pytest.mark.browser, pytest.mark.real_db]

SLOW_SECONDS = 3.0
ALLOWED_DELAY_MS = 300
WIDGET_TAG = re.compile(r"\s*<script src=\"[^\"]*/static/widget/lucine-chat\.js\"[^>]*></script>")
NAVIGATION_TIMES = """() => new Promise((resolve) => {
  const read = () => {
    const n = performance.getEntriesByType('navigation')[0];
    if (n && n.loadEventEnd > 0) resolve({dcl: n.domContentLoadedEventEnd, load: n.loadEventEnd});
    else setTimeout(read, 20);
  };
  read();
})"""


@dataclass
class Backend:
    """The app behind a middleware that waits `delay` seconds before every request, answers 503 to all of
    them while `down` (a proxy in front of a stopped backend), or to paths matching `failing`; `log` holds
    (monotonic time, method, path) of every request that reached it."""

    url: str = ""
    delay: float = 0.0
    down: bool = False
    failing: re.Pattern | None = None
    log: list = field(default_factory=list)

    def paths(self):
        return [path for _, _, path in self.log]

    def started(self, pattern):
        return [at for at, _, path in self.log if re.search(pattern, path)]


def slowed(app, backend):
    def middleware(environ, start_response):
        path = environ.get("PATH_INFO", "")
        backend.log.append((time.monotonic(), environ["REQUEST_METHOD"], path))
        time.sleep(backend.delay)
        if backend.down or (backend.failing and backend.failing.search(path)):
            start_response("503 Service Unavailable", [("Content-Type", "text/plain")])
            return [b"Service Unavailable"]
        return app(environ, start_response)

    return middleware


@pytest.fixture(scope="module")
def backend(app, live_server):
    state = Backend()
    server = make_server("127.0.0.1", 0, slowed(app, state), threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="slow-backend", daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_port}"
    yield state
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(autouse=True)
def fresh_backend(backend):
    backend.delay, backend.down, backend.failing = 0.0, False, None
    backend.log.clear()
    seed_all()  # the KB's contacts reach the loader


@dataclass
class SnippetShop:
    origin: str
    backend: Backend
    pages: dict

    def publish(self, path, backend=None, **params):
        """A shop page whose layout renders the snippet with these parameters; returns its URL."""
        snippet = render_snippet(backend or self.backend.url, **params)
        self.pages[path] = self.template.replace("<!--snippet-->", snippet).encode()
        return self.origin + path

    def publish_without_chat(self, path):
        self.pages[path] = self.template.replace("<!--snippet-->", "").encode()
        return self.origin + path


@pytest.fixture(scope="module")
def shop(app, backend, shop_listener):
    product = render_pages(app, backend.url)["/demo"].decode()
    assert WIDGET_TAG.search(product)
    pages = {}
    server, thread = serve_shop(shop_listener, pages)
    shop = SnippetShop(origin="http://127.0.0.1:%d" % shop_listener.getsockname()[1], backend=backend, pages=pages)
    shop.template = WIDGET_TAG.sub("<!--snippet-->", product)
    yield shop
    server.shutdown()
    thread.join(timeout=5)


def navigation_times(page, url):
    page.goto(url)
    return page.evaluate(NAVIGATION_TIMES)


def median_times(browser, url, runs=3):
    """DOMContentLoaded and load of a first visit (empty cache, a new browser profile each time)."""
    samples = []
    for _ in range(runs):
        context = browser.new_context()
        samples.append(navigation_times(context.new_page(), url))
        context.close()
    return {key: statistics.median(sample[key] for sample in samples) for key in ("dcl", "load")}


# --- never delay the shop -----------------------------------------------------------------------------------


def test_a_slow_backend_moves_neither_domcontentloaded_nor_load_of_the_shop(browser, page, shop, backend):
    without_chat = median_times(browser, shop.publish_without_chat("/no-chat"))
    backend.delay = SLOW_SECONDS
    launched_url = shop.publish("/launched", launched=True)
    with_chat = median_times(browser, launched_url)
    print(f"\nshop page: DOMContentLoaded {without_chat['dcl']:.0f} ms / load {without_chat['load']:.0f} ms "
          f"without the chat; {with_chat['dcl']:.0f} / {with_chat['load']:.0f} ms with it, backend "
          f"{SLOW_SECONDS:.0f} s slow")
    assert with_chat["dcl"] - without_chat["dcl"] < ALLOWED_DELAY_MS
    assert with_chat["load"] - without_chat["load"] < ALLOWED_DELAY_MS

    backend.log.clear()
    times = navigation_times(page, launched_url)
    # one visit, on a shared box: only that its load did not wait for the backend (the medians above hold the
    # 300 ms); the loader's answer comes SLOW_SECONDS after its request
    assert times["load"] < SLOW_SECONDS * 1000
    expect(page.locator("#lucine-chat-launcher")).to_be_visible(timeout=4 * SLOW_SECONDS * 1000)
    loader, script, stylesheet = (backend.started(p) for p in (r"lucine-chat\.js$", r"lucine-chat\.[0-9a-f]{12}\.js$",
                                                                 r"lucine-chat\.[0-9a-f]{12}\.css$"))
    # the loader may be logged twice: the last median visit's own loader request, still in flight on the 3 s
    # backend when its context closed, can reach the log after it was cleared (request counts: the next test)
    assert loader and len(script) == len(stylesheet) == 1, backend.paths()
    assert abs(script[0] - stylesheet[0]) < 1.0, "the stylesheet must download alongside the script"
    assert script[0] - loader[-1] >= SLOW_SECONDS * 0.9


def test_a_repeat_page_view_asks_the_backend_nothing_until_the_chat_is_used(page, shop, backend, run_jobs):
    backend.delay = SLOW_SECONDS
    page.goto(shop.publish("/launched", launched=True))
    expect(page.locator("#lucine-chat-launcher")).to_be_visible(timeout=4 * SLOW_SECONDS * 1000)
    assert len(backend.log) == 3  # the loader, then its script and stylesheet

    backend.log.clear()
    page.goto(shop.publish("/launched/info", launched=True))  # another page of the shop, a minute later
    expect(page.locator("#lucine-chat-launcher")).to_be_visible(timeout=2000)  # all from the browser's cache
    page.locator("#lucine-chat-launcher").click()
    expect(page.locator("#lucine-chat-input")).to_be_focused()
    page.wait_for_timeout(500)
    assert backend.log == []

    backend.delay = 0
    page.locator("#lucine-chat-input").fill("Quanto costa il biglietto?")
    page.locator("#lucine-chat-input").press("Enter")
    run_jobs()
    expect(page.locator('#lucine-chat-panel .lucine-msg[data-sender="BOT"]')).to_have_count(1)
    assert "/api/chat" in backend.paths()


# --- the backend is down --------------------------------------------------------------------------------------


def test_with_the_backend_down_the_cached_launcher_opens_and_gives_the_staff_contacts(page, shop, backend,
                                                                                      console_errors, axe):
    url = shop.publish("/launched", launched=True)
    page.goto(url)
    expect(page.locator("#lucine-chat-launcher")).to_be_visible()
    backend.down = True
    console_errors.allow("Failed to load resource")
    console_errors.allow("CORS policy")
    page.goto(url)
    page.locator("#lucine-chat-launcher").click()
    page.locator("#lucine-chat-input").fill("Siete aperti stasera?")
    page.locator("#lucine-chat-input").press("Enter")
    contacts = page.locator(".lucine-contacts")
    expect(contacts).to_be_visible()
    expect(contacts.locator("a")).to_have_attribute("href", "mailto:info@lucinedinatale.it")
    expect(page.locator(".lucine-contacts")).to_have_count(1)
    axe(page, "widget backend down")


def test_when_the_widget_script_cannot_load_the_loader_still_opens_a_panel_with_the_contacts(page, shop, backend,
                                                                                             console_errors, axe):
    backend.failing = re.compile(r"lucine-chat\.[0-9a-f]{12}\.(js|css)$")
    console_errors.allow("Failed to load resource")
    console_errors.allow("CORS policy")  # axe-core reads the page's stylesheets, the failed one too
    page.goto(shop.publish("/launched", launched=True, lang="en"))
    launcher = page.locator("#lucine-chat-launcher")
    expect(launcher).to_have_attribute("aria-label", "Contact the Lucine di Natale staff")
    launcher.click()
    panel = page.get_by_role("dialog", name="Chat unavailable")
    expect(panel).to_be_visible()
    expect(panel.get_by_role("link", name="info@lucinedinatale.it")).to_have_attribute(
        "href", "mailto:info@lucinedinatale.it")
    axe(page, "loader fallback open")
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    expect(launcher).to_be_focused()


# --- hostile parameters ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("launched", [False, True], ids=["test-mode", "launched"])
@pytest.mark.parametrize("title", HOSTILE_TITLES, ids=["close-script", "attribute", "quote"])
def test_hostile_snippet_parameters_run_nothing_with_or_without_the_test_switch(page, shop, backend, launched,
                                                                                 title):
    dialogs = no_dialogs(page)
    url = shop.publish("/hostile", launched=launched, **{**HOSTILE, "title": title})

    page.goto(url)
    page.wait_for_timeout(300)
    if not launched:  # an ordinary shopper before launch: nothing loads, nothing is asked of the backend
        assert page.locator("#lucine-chat-root").count() == 0 and backend.log == []
        page.goto(url + "?chatbot=test")
    expect(page.locator("#lucine-chat-launcher")).to_be_visible()
    page.locator("#lucine-chat-launcher").click()
    expect(page.locator("#lucine-chat-title")).to_have_text(title)
    expect(page.locator("#lucine-chat-root")).to_have_class(re.compile(r"lucine-pos-right"))
    expect(page.locator(".lucine-privacy a")).to_have_attribute("href", re.compile(r"^https://"))
    assert page.evaluate("() => window.__lucinePwned") is None
    assert dialogs == [] and page.locator("body img").count() == 0


def test_a_backend_parameter_that_is_not_a_web_address_loads_nothing(page, shop, backend):
    dialogs = no_dialogs(page)
    url = shop.publish("/bad-backend", launched=True)
    shop.pages["/bad-backend"] = shop.pages["/bad-backend"].replace(
        backend.url.encode(), b"javascript:window.__lucinePwned=1;//")
    page.goto(url + "?chatbot=test")
    page.wait_for_timeout(300)
    assert page.evaluate("() => window.__lucinePwned") is None and dialogs == []
    assert page.locator("script[src*='lucine-chat']").count() == 0


def test_the_demo_shop_page_is_accessible_with_the_chat_closed_and_open(page, axe):
    page.goto("/demo")
    expect(page.locator("#lucine-chat-launcher")).to_be_visible()
    axe(page, "demo page, chat closed")
    page.locator("#lucine-chat-launcher").click()
    expect(page.locator("#lucine-chat-input")).to_be_focused()
    axe(page, "demo page, chat open")
