"""The dashboard on a 390 px phone in real Chromium: installable (manifest linked, service worker registered),
no page wider than the screen, touch targets of 44 px, the reply box above the fold, an offline page that
holds no chat, and a notification click that opens or focuses the chat."""
import json
from datetime import timedelta

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from lucine_chatbot.extensions import db
from lucine_chatbot.models import utcnow
from lucine_chatbot.tickets import intake

from ..conftest import screenshot_path
from ..helpers import operator, queued_chat, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.real_db]
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True, "locale": "it-IT", "timezone_id": "Europe/Rome"}
OPERATOR_PAGES = ["/dashboard/", "/dashboard/overview", "/dashboard/archive", "/dashboard/tickets",
                  "/dashboard/analytics", "/dashboard/calendar", "/dashboard/notifications"]
ADMIN_PAGES = ["/dashboard/knowledge", "/dashboard/texts", "/dashboard/operators"]
# Everything a thumb must hit: at least 44 × 44 CSS px (WCAG 2.5.5). Links inside running text are exempt.
SMALL_TARGETS = """() => Array.from(document.querySelectorAll(
    'button, select, input:not([type=hidden]):not([type=checkbox]), textarea, .nav-link, a.btn, .row-title a, '
    + '.subtitle a, label:has(> input[type=checkbox])'))
  .filter((el) => el.offsetParent !== null && !el.closest('[hidden]'))
  .map((el) => [el, el.getBoundingClientRect()])
  .filter(([el, box]) => box.width > 0 && (box.height < 44 || box.width < 44))
  .map(([el, box]) => `${el.tagName.toLowerCase()}.${el.className} "${(el.textContent || el.name || '').trim().slice(0, 30)}" ${Math.round(box.width)}x${Math.round(box.height)}`)"""
WIDER_THAN_SCREEN = """() => ({scroll: document.documentElement.scrollWidth, screen: window.innerWidth,
  culprits: Array.from(document.querySelectorAll('body *')).filter((el) => el.getBoundingClientRect().right > window.innerWidth + 1
    && el.offsetParent !== null).slice(0, 5).map((el) => el.tagName + '.' + el.className)})"""


@pytest.fixture
def phone(browser, live_server, console_errors, request):
    context = browser.new_context(base_url=live_server, **PHONE)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.on("console", lambda msg: msg.type == "error" and console_errors.append(f"{msg.text} ({msg.location})"))
    page.on("pageerror", lambda exc: console_errors.append(f"uncaught: {exc}"))
    yield page
    context.close()


def busy_day():
    """Content on every page, with long unbroken text where a layout could overflow."""
    chat = queued_chat(text="Buonasera! " + "parcheggio" * 12 + " è gratuito per i camper?")
    intake.create_ticket_from_visitor("Ho perso i biglietti " + "x" * 80, "EMAIL",
                                       email="a.very.long.address.for.testing@example.com",
                                       now=utcnow() - timedelta(days=2))
    db.session.commit()
    return chat


def keep_screenshot(page, name, **options):
    """For a person to look at (test-output/screenshots/); a slow capture on a busy machine fails nothing."""
    try:
        page.screenshot(path=str(screenshot_path(name)), timeout=30_000, **options)
    except PlaywrightError:
        pass


def fits_the_screen(page, path, axe):
    page.goto(path)
    page.wait_for_load_state("networkidle")
    measured = page.evaluate(WIDER_THAN_SCREEN)
    assert measured["scroll"] <= measured["screen"], f"{path} is wider than the screen: {measured}"
    small = page.evaluate(SMALL_TARGETS)
    keep_screenshot(page, "phone-" + path.strip("/").replace("/", "-"), full_page=True)
    assert small == [], f"{path} has touch targets under 44 px: {small}"
    axe(page, f"{path} at {page.viewport_size['width']} px")


@pytest.mark.parametrize("width", [390, 360])
def test_every_operator_page_fits_a_phone_with_44_px_targets(phone, width, axe):
    chat = busy_day()
    operator("telefono", is_online=True)
    phone.set_viewport_size({"width": width, "height": 780})
    sign_in(phone, "telefono")
    for path in OPERATOR_PAGES + [f"/dashboard/chats/{chat.public_id}"]:
        fits_the_screen(phone, path, axe)


def test_every_admin_page_fits_a_390_px_phone(phone, axe):
    busy_day()
    operator("capo", role="ADMIN")
    sign_in(phone, "capo")
    for path in ADMIN_PAGES:
        fits_the_screen(phone, path, axe)


def test_the_login_and_offline_pages_fit_too(phone, axe):
    fits_the_screen(phone, "/dashboard/login", axe)
    fits_the_screen(phone, "/dashboard/offline", axe)


def test_the_navigation_folds_behind_a_menu_button(phone):
    operator("menu")
    sign_in(phone, "menu")
    nav = phone.locator("#app-nav")
    toggle = phone.locator("[data-menu-toggle]")
    expect(nav).to_be_hidden()
    expect(phone.locator('[data-testid="online-toggle"]')).to_be_visible()
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    phone.get_by_role("link", name="Ticket").click()
    phone.wait_for_url("**/dashboard/tickets")
    expect(phone.locator("#app-nav")).to_be_hidden()


def test_the_reply_box_is_on_screen_with_the_conversation(phone):
    chat = busy_day()
    operator("risposta", is_online=True)
    sign_in(phone, "risposta")
    phone.goto(f"/dashboard/chats/{chat.public_id}")
    reply = phone.locator('[data-testid="reply-input"]')
    expect(reply).to_be_in_viewport()
    expect(phone.locator('[data-testid="reply-send"]')).to_be_in_viewport()
    phone.set_viewport_size({"width": 390, "height": 500})  # the keyboard is up: the layout shrinks
    reply.focus()
    expect(reply).to_be_in_viewport()
    keep_screenshot(phone, "phone-chat-keyboard-up")


def test_every_dashboard_page_links_the_manifest_and_the_app_is_installable(phone):
    operator("installa")
    phone.goto("/dashboard/login")
    href = phone.locator('link[rel="manifest"]').get_attribute("href")
    response = phone.request.get(href)
    assert response.ok and response.headers["content-type"].startswith("application/manifest+json")
    manifest = response.json()
    assert manifest["display"] == "standalone" and manifest["start_url"] == "/dashboard/"
    assert manifest["theme_color"] and manifest["name"] and manifest["scope"] == "/dashboard/"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes and any(icon["purpose"] == "maskable" for icon in manifest["icons"])
    for icon in manifest["icons"]:
        assert phone.request.get(icon["src"]).headers["content-type"] == "image/png"
    sign_in(phone, "installa")
    for path in OPERATOR_PAGES:
        phone.goto(path)
        assert phone.locator('link[rel="manifest"]').count() == 1, path


def registered_worker(page):
    page.wait_for_function("navigator.serviceWorker.controller !== null || navigator.serviceWorker.ready")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    page.reload()  # from now on the page is controlled
    page.wait_for_function("navigator.serviceWorker.controller !== null")
    [worker] = [w for w in page.context.service_workers if w.url.endswith("/dashboard/sw.js")]
    return worker


def test_the_service_worker_registers_and_caches_only_the_offline_page(phone):
    operator("offline", is_online=True)
    chat = busy_day()
    sign_in(phone, "offline")
    worker = registered_worker(phone)
    assert phone.evaluate("navigator.serviceWorker.controller.scriptURL").endswith("/dashboard/sw.js")
    phone.goto(f"/dashboard/chats/{chat.public_id}")
    expect(phone.locator("[data-transcript] .msg").first).to_be_visible()
    cached = worker.evaluate("""async () => {
        const urls = [];
        for (const name of await caches.keys()) {
          for (const request of await (await caches.open(name)).keys()) urls.push(new URL(request.url).pathname);
        }
        return urls.sort();
    }""")
    assert cached == ["/dashboard/offline", "/static/dashboard/dashboard.css", "/static/dashboard/favicon.svg"]
    phone.context.set_offline(True)
    try:
        phone.goto(f"/dashboard/chats/{chat.public_id}")
        expect(phone.get_by_text("Sei offline")).to_be_visible()
        assert chat.public_id not in phone.content().replace(f"/dashboard/chats/{chat.public_id}", "")
    finally:
        phone.context.set_offline(False)


def test_a_push_is_shown_and_its_click_opens_or_focuses_the_chat(phone):
    operator("clic", is_online=True)
    chat = busy_day()
    sign_in(phone, "clic")
    phone.context.grant_permissions(["notifications"])
    worker = registered_worker(phone)
    payload = {"title": "Chat assegnata a te", "body": "Ciao", "url": f"/dashboard/chats/{chat.public_id}",
               "tag": f"chat-{chat.public_id}"}
    # The worker's push handler, given the decrypted payload as the browser hands it over (a PushMessageData).
    shown = worker.evaluate("""async (payload) => {
        let pending = null;
        const data = { json: () => payload, text: () => JSON.stringify(payload) };
        onPush({ data, waitUntil: (promise) => { pending = promise; } });
        await pending;
        return (await self.registration.getNotifications()).map((n) => [n.title, n.tag, n.data.url]);
    }""", payload)
    assert shown == [[payload["title"], payload["tag"], phone.url.split("/dashboard")[0] + payload["url"]]]
    # A dashboard tab is open elsewhere: the click (the worker's own handler, given the notification it showed)
    # closes the notification and brings that tab to the chat.
    left = worker.evaluate("""async () => {
        const [notification] = await self.registration.getNotifications();
        let pending = null;
        onNotificationClick({ notification, waitUntil: (promise) => { pending = promise; } });
        await pending;
        return (await self.registration.getNotifications()).length;
    }""")
    assert left == 0
    phone.wait_for_url(f"**/dashboard/chats/{chat.public_id}")
    # No dashboard window at all: a new one opens on the chat (openWindow needs the click's user activation,
    # which a test cannot give, so it is recorded instead).
    opened = worker.evaluate("""async (url) => {
        const opened = [];
        self.clients.matchAll = async () => [];
        self.clients.openWindow = async (target) => { opened.push(target); return null; };
        await openChat(url);
        await openChat("https://evil.example/phish");
        return opened;
    }""", payload["url"])
    origin = phone.url.split("/dashboard")[0]
    assert opened == [origin + payload["url"], origin + "/dashboard/"]


def test_activating_notifications_subscribes_this_phone_and_lists_it(phone, axe):
    from tests.support.push_receiver import PushService

    operator("attiva")
    with PushService() as service:
        subscription = service.subscribe()
        sign_in(phone, "attiva")
        phone.context.grant_permissions(["notifications"])
        # Chromium here has no route to a real push service: the browser's subscribe() hands out one of the
        # local push service instead (the page's code, the API and the server side are the real ones).
        phone.add_init_script("""(() => {
            const sub = %s;
            const fake = { endpoint: sub.endpoint, options: {}, toJSON: () => sub, unsubscribe: async () => true };
            let active = null;
            PushManager.prototype.subscribe = async function () { active = fake; return fake; };
            PushManager.prototype.getSubscription = async function () { return active; };
        })();""" % json.dumps(subscription))
        phone.goto("/dashboard/notifications")
        expect(phone.locator("[data-devices] .state")).to_contain_text("Nessun dispositivo")
        phone.get_by_label("una chat aspetta in coda e io ho posto").uncheck()
        phone.get_by_role("button", name="Attiva notifiche sul telefono").click()
        row = phone.locator("[data-devices] .row")
        expect(row).to_have_count(1)
        expect(row).to_contain_text("questo")
        expect(row).to_contain_text("Chat assegnata · Messaggi dei visitatori")
        expect(phone.locator("[data-push-state]")).to_have_text("Attive")
        fits_the_screen(phone, "/dashboard/notifications", axe)


def test_chromium_finds_nothing_that_stops_installing_the_dashboard(phone):
    operator("installabile")
    sign_in(phone, "installabile")
    registered_worker(phone)
    cdp = phone.context.new_cdp_session(phone)
    assert cdp.send("Page.getAppManifest")["errors"] == []
    errors = [error["errorId"] for error in cdp.send("Page.getInstallabilityErrors")["installabilityErrors"]]
    assert [error for error in errors if error != "in-incognito"] == []  # test contexts are incognito profiles
