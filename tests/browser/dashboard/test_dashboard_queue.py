"""The queue page in real Chromium: a new chat appears without reload with sound, title badge and
notification; the online toggle; filters with counts."""
import pytest
from playwright.sync_api import expect

from lucine_chatbot.extensions import db
from lucine_chatbot.models import Operator

from ..helpers import XSS, no_dialogs, operator, queued_chat, reread, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.real_db]

RECORD_NOTIFICATIONS = """
window.__notifications = [];
window.__sounds = 0;
const Real = window.Notification;
window.Notification = class extends Real {
  constructor(title, options) { super(title, options); window.__notifications.push(title); }
  static get permission() { return "granted"; }
};
HTMLMediaElement.prototype.play = function () { window.__sounds += 1; return Promise.resolve(); };
"""


def test_a_new_queued_chat_appears_without_reload_with_badge_sound_and_notification(page, screenshot):
    operator("anna")
    page.context.grant_permissions(["notifications"])
    page.add_init_script(RECORD_NOTIFICATIONS)
    dialogs = no_dialogs(page)
    sign_in(page, "anna")
    expect(page.locator("[data-queue-list] .state.empty")).to_be_visible()
    chat = queued_chat(text=f"Serve aiuto {XSS}", language="de")
    row = page.locator(f'[data-queue-list] [data-session-id="{chat.public_id}"]')
    expect(row).to_be_visible(timeout=8000)
    expect(row).to_contain_text(XSS)
    expect(row.locator(".position")).to_have_text("1")
    expect(page).to_have_title("(1) Coda e chat · Lucine operatori")
    expect(page.locator("[data-queue-badge]")).to_have_text("1")
    assert page.evaluate("window.__sounds") == 1
    assert page.evaluate("window.__notifications") == [f"Nuova richiesta #{chat.public_id[-6:]}"]
    assert page.locator("img[src='x']").count() == 0
    screenshot("home-queue")
    assert dialogs == []


def test_the_online_toggle_switches_availability(page):
    op = operator("bruno")
    sign_in(page, "bruno")
    toggle = page.locator('[data-testid="online-toggle"]')
    expect(toggle).to_have_attribute("aria-checked", "false")
    toggle.click()
    expect(toggle).to_have_attribute("aria-checked", "true")
    reread()
    assert db.session.get(Operator, op.id).is_online is True
    toggle.click()
    expect(toggle).to_have_attribute("aria-checked", "false")
    reread()
    assert db.session.get(Operator, op.id).is_online is False


def test_taking_a_chat_from_the_queue_opens_it_and_counts_it_as_mine(page, chat_api_pending):
    operator("carla")
    chat = queued_chat()
    sign_in(page, "carla")
    row = page.locator(f'[data-queue-list] [data-session-id="{chat.public_id}"]')
    row.get_by_role("button", name="Prendi in carico").click()
    page.wait_for_url(f"**/dashboard/chats/{chat.public_id}")
    page.goto("/dashboard/")
    expect(page.locator('[data-count="assigned"]')).to_have_text("1")
    expect(page.locator(f'[data-chat-list] [data-session-id="{chat.public_id}"]')).to_contain_text("Tua chat")
