"""The widget for every visitor in real Chromium: the keyboard alone, a 390 px phone, the 429 cooldown, English
and German pages."""
import pytest
from playwright.sync_api import expect

from lucine_chatbot.extensions import db
from lucine_chatbot.models import ChatSession, KnowledgeItem, Message
from tests.support.rate_windows import whole_window_ahead

from ..helpers import reread
from .conftest import PRICE_QUESTION
from .widget_shop import is_chat_post, messages, open_chat, send, stored_session_id

pytestmark = [pytest.mark.browser, pytest.mark.real_db]

FILLS_THE_SCREEN = """() => {
  const box = document.querySelector('#lucine-chat-panel').getBoundingClientRect();
  return box.x === 0 && box.y === 0 && box.width === innerWidth && box.height === innerHeight;
}"""
def test_the_widget_works_with_the_keyboard_alone(page, shop, run_jobs):
    page.goto(shop.url())
    for _ in range(80):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "lucine-chat-launcher":
            break
    expect(page.locator("#lucine-chat-launcher")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#lucine-chat-input")).to_be_focused()
    page.keyboard.type("A che ora aprite?")
    with page.expect_response(lambda r: r.url.endswith("/api/chat")):
        page.keyboard.press("Enter")
    run_jobs()
    expect(messages(page, "BOT")).to_have_count(1)
    for _ in range(12):  # focus stays trapped in the open panel
        page.keyboard.press("Tab")
        assert page.evaluate("() => !!document.activeElement.closest('#lucine-chat-panel')")
    page.keyboard.press("Escape")
    expect(page.locator("#lucine-chat-panel")).to_be_hidden()
    expect(page.locator("#lucine-chat-launcher")).to_be_focused()


def test_on_a_390_px_phone_the_panel_fills_the_screen(page, shop, run_jobs, screenshot):
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(shop.url())
    screenshot("widget-11-phone-closed", full_page=False, animations="disabled")
    open_chat(page)
    page.wait_for_function(FILLS_THE_SCREEN)  # once the opening animation has settled
    send(page, PRICE_QUESTION, run_jobs)
    expect(messages(page, "BOT")).to_have_count(1)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    screenshot("widget-12-phone-answer", full_page=False, animations="disabled")


def test_over_the_message_limit_the_text_stays_and_sending_waits_for_retry_after(page, shop, app, run_jobs,
                                                                                monkeypatch, console_errors):
    monkeypatch.setitem(app.config, "RATE_LIMIT_CHAT", "2/minute")
    whole_window_ahead(app, "RATE_LIMIT_CHAT", margin=30)  # three messages through a browser: seconds
    console_errors.allow("status of 429")  # Chromium logs the refused request itself
    page.clock.install()  # the cooldown's timer, fast-forwarded below instead of waited for
    page.goto(shop.url())
    open_chat(page)
    send(page, PRICE_QUESTION, run_jobs)
    send(page, "A che ora aprite?", run_jobs)
    page.locator("#lucine-chat-input").fill("E il parcheggio?")
    with page.expect_response(is_chat_post) as refused:
        page.locator("#lucine-chat-input").press("Enter")
    assert refused.value.status == 429
    seconds = int(refused.value.headers["retry-after"])  # readable cross-origin: CORS exposes it
    expect(page.locator("#lucine-chat-input")).to_have_value("E il parcheggio?")  # never lost
    expect(page.locator("#lucine-chat-panel")).to_contain_text(f"attendi {seconds} secondi")
    expect(page.locator("#lucine-chat-send")).to_be_disabled()
    expect(messages(page, "USER")).to_have_count(2)
    posts = []
    page.on("request", lambda request: posts.append(request) if request.method == "POST" else None)
    page.locator("#lucine-chat-input").press("Enter")  # still cooling down: nothing is sent
    page.wait_for_timeout(300)
    assert posts == []
    expect(page.locator("#lucine-chat-input")).to_have_value("E il parcheggio?")
    page.clock.fast_forward(seconds * 1000 + 100)
    expect(page.locator("#lucine-chat-send")).to_be_enabled()


@pytest.mark.parametrize("lang, placeholder, subtitle, question", [
    ("en", "Type your question…", "Virtual assistant", "How much does a ticket cost?"),
    ("de", "Schreib deine Frage…", "Virtuelle Assistentin", "Wie viel kostet ein Ticket?"),
])
def test_an_english_or_german_page_gets_the_widget_and_the_conversation_in_its_language(
        page, shop, run_jobs, lang, placeholder, subtitle, question):
    page.goto(shop.url(f"/{lang}/demo"))
    open_chat(page)
    expect(page.locator("#lucine-chat-root")).to_have_attribute("lang", lang)
    expect(page.locator("#lucine-chat-input")).to_have_attribute("placeholder", placeholder)
    expect(page.locator("#lucine-chat-panel")).to_contain_text(subtitle)
    send(page, question, run_jobs)
    expect(messages(page, "BOT")).to_have_count(1)
    reread()
    session = db.session.query(ChatSession).filter_by(public_id=stored_session_id(page)).one()
    assert session.language == lang
    bot = db.session.query(Message).filter_by(session_id=session.id, sender="BOT").one()
    answers = [answer for (answer,) in db.session.query(KnowledgeItem.answer).filter_by(language=lang)]
    assert any(answer in bot.body for answer in answers)  # answered from the knowledge base of that language
    expect(messages(page, "BOT").first).to_contain_text(bot.body[:40])
