"""Overview, analytics and archive pages in real Chromium."""
import pytest
from playwright.sync_api import expect

from lucine_chatbot.extensions import db
from lucine_chatbot.insights import events
from tests.support import factories

from ..helpers import XSS, no_dialogs, operator, queued_chat, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.real_db]


def test_analytics_shows_todays_numbers_and_five_fourteen_day_charts(page, screenshot):
    operator("vera")
    chat = factories.chat()
    events.record("chat_started", chat)
    db.session.commit()
    sign_in(page, "vera")
    page.goto("/dashboard/analytics")
    page.locator('[data-stat="totalChats"] .stat-value').wait_for()
    assert page.locator('[data-stat="totalChats"] .stat-value').inner_text() == "1"
    for metric in ("chats", "escalations", "tickets", "csat", "aiResolutionRate"):
        page.locator(f'[data-chart="{metric}"] svg').wait_for()
    assert page.locator('[data-chart="chats"] rect.bar').count() == 14
    screenshot("analytics")


def test_overview_shows_live_counts_and_recent_activity(page, screenshot):
    operator("walter")
    queued_chat()
    chat = factories.chat()
    events.record("chat_started", chat)
    db.session.commit()
    sign_in(page, "walter")
    page.goto("/dashboard/overview")
    page.locator('[data-stat="queue"] .stat-value').wait_for()
    assert page.locator('[data-stat="queue"] .stat-value').inner_text() == "1"
    page.get_by_text("Nuova chat").first.wait_for()
    screenshot("overview")


def test_archive_searches_message_text_and_shows_visitor_text_as_text(page, screenshot):
    operator("zoe")
    chat = factories.chat(status="RESOLVED")
    factories.message(chat, f"Parcheggio camper? {XSS}")
    factories.message(factories.chat(status="ENDED"), "Orari di apertura")
    db.session.commit()
    dialogs = no_dialogs(page)
    sign_in(page, "zoe")
    page.goto("/dashboard/archive")
    page.locator("tr[data-session-id]").nth(1).wait_for()
    page.fill('input[name="q"]', "camper")
    page.get_by_role("button", name="Cerca").click()
    expect(page.locator("tr[data-session-id]")).to_have_count(1)
    row = page.locator(f'tr[data-session-id="{chat.public_id}"]')
    assert XSS in row.inner_text()
    assert page.locator("img[src='x']").count() == 0
    assert "q=camper" in page.url
    screenshot("archive")
    assert dialogs == []
