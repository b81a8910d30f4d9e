"""Calendar and knowledge-base pages in real Chromium."""
import pytest
from playwright.sync_api import expect

from lucine_chatbot.content import knowledge
from lucine_chatbot.content.calendar import local_today
from lucine_chatbot.extensions import db
from lucine_chatbot.models import CalendarOverride, KnowledgeItem
from lucine_chatbot.seed import seed_calendar

from ..helpers import operator, reread, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.real_db]


def test_tonights_status_is_set_in_one_click(page, screenshot):
    operator("hana")
    seed_calendar()
    db.session.commit()
    sign_in(page, "hana")
    page.goto("/dashboard/calendar")
    page.fill("[data-tonight-note]", "Pioggia forte")
    page.locator('[data-day-status="CANCELLED"]').click()
    expect(page.locator("[data-tonight-status]")).to_have_text("Annullato (maltempo)")
    expect(page.locator('[data-day-status="CANCELLED"]')).to_have_attribute("aria-pressed", "true")
    screenshot("calendar")
    reread()
    override = db.session.query(CalendarOverride).one()
    assert (override.date, str(override.status), override.note) == (local_today(), "CANCELLED", "Pioggia forte")


def test_an_admin_finds_and_edits_a_knowledge_entry(page, screenshot):
    operator("ines", role="ADMIN")
    knowledge.seed_knowledge_base()
    db.session.commit()
    sign_in(page, "ines")
    page.goto("/dashboard/knowledge")
    page.fill('[data-kb-filters] input[name="q"]', "parcheggi")
    page.get_by_role("button", name="Cerca").click()
    first = page.locator("tr[data-kb-slug]").first
    expect(first).to_be_visible()
    first.click()
    italian = page.locator('form[data-kb-language="it"]')
    expect(italian).to_be_visible()
    expect(page.locator('form[data-kb-language="en"]').get_by_role("button", name="Salva")).to_be_visible()
    item_id = db.session.query(KnowledgeItem.id).filter_by(slug=first.get_attribute("data-kb-slug"), language="it").scalar()
    italian.locator('textarea[name="answer"]').fill("Parcheggio P1 Campo Sportivo, a 10 minuti a piedi.")
    italian.get_by_role("button", name="Salva").click()
    expect(page.locator(".toast.ok")).to_contain_text("Voce salvata")
    screenshot("knowledge")
    reread()
    assert db.session.get(KnowledgeItem, item_id).answer == "Parcheggio P1 Campo Sportivo, a 10 minuti a piedi."
