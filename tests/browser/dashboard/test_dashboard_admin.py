"""Admin pages in real Chromium: operators, canned replies, audit log and automated texts."""
import pytest
from playwright.sync_api import expect

from lucine_chatbot.content import automated_texts
from lucine_chatbot.extensions import db
from lucine_chatbot.models import AuditLog, AutomatedText, CannedReply, Operator

from ..helpers import operator, reread, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.real_db]


def test_an_admin_creates_and_deactivates_an_operator(page, screenshot):
    operator("capo", role="ADMIN")
    sign_in(page, "capo")
    page.goto("/dashboard/operators")
    form = page.locator("[data-op-form]")
    form.locator('input[name="username"]').fill("nuova")
    form.locator('input[name="name"]').fill("Nuova Operatrice")
    form.locator('input[name="displayName"]').fill("Nuova")
    form.locator('input[name="password"]').fill("una-password-lunga")
    form.get_by_role("button", name="Crea account").click()
    row = page.locator("tr[data-operator-id]", has_text="@nuova")
    expect(row).to_be_visible()
    row.get_by_role("button", name="Disattiva").click()
    expect(row.get_by_role("button", name="Riattiva")).to_be_visible()
    screenshot("operators")
    reread()
    created = db.session.query(Operator).filter_by(username="nuova").one()
    assert (created.display_name, created.is_active) == ("Nuova", False)


def test_an_admin_manages_canned_replies_and_reads_the_audit_log(page):
    admin = operator("capa", role="ADMIN")
    db.session.add(AuditLog(operator_id=admin.id, action="view_history", target_type="chat", target_id="abcdef123456"))
    db.session.commit()
    sign_in(page, "capa")
    page.goto("/dashboard/operators")
    expect(page.locator("[data-audit]")).to_contain_text("Ha letto la conversazione")
    form = page.locator("[data-canned-form]")
    form.locator('input[name="shortcut"]').fill("/orari")
    form.locator('input[name="title"]').fill("Orari di apertura")
    form.locator('textarea[name="text"]').fill("Siamo aperti dalle 17:30 alle 23:00.")
    form.get_by_role("button", name="Crea risposta").click()
    expect(page.locator("[data-canned]")).to_contain_text("/orari")
    reread()
    assert db.session.query(CannedReply).one().title == "Orari di apertura"


def test_automated_texts_are_edited_per_language_and_a_missing_placeholder_is_refused(page, console_errors):
    console_errors.allow("status of 422")
    operator("testi", role="ADMIN")
    automated_texts.seed_defaults()
    db.session.commit()
    sign_in(page, "testi")
    page.goto("/dashboard/texts")
    area = page.locator('textarea[data-text-key="queue_position"][data-text-language="en"]')
    form = page.locator('form:has(textarea[data-text-key="queue_position"][data-text-language="en"])')
    area.fill("You are number {position}.")
    expect(form.locator(".field-error")).to_contain_text("{waitMinutes}")
    form.get_by_role("button", name="Salva").click()
    expect(form.locator(".field-error")).to_be_visible()
    area.fill("You are number {position}, about {waitMinutes} minutes.")
    expect(form.locator(".field-error")).to_be_hidden()
    form.get_by_role("button", name="Salva").click()
    expect(form).to_contain_text("Salvato")
    reread()
    saved = db.session.query(AutomatedText).filter_by(key="queue_position", language="en").one()
    assert saved.text == "You are number {position}, about {waitMinutes} minutes."
