"""Tickets page in real Chromium: filters, SLA timers with overdue rows highlighted, detail with notes,
status and priority; a visitor's text shows as text."""
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from lucine_chatbot.extensions import db
from lucine_chatbot.models import ContactMethod, Ticket, TicketNote, TicketStatus, utcnow
from lucine_chatbot.tickets.intake import build_ticket

from ..helpers import XSS, no_dialogs, operator, reread, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.real_db]


def ticket(subject, description, priority="MEDIUM", due_in=timedelta(hours=4)):
    now = utcnow()
    created, _token = build_ticket(None, description, subject, priority,
                                   (ContactMethod.EMAIL, "ospite@example.test", None), now)
    created.due_at = now + due_in
    db.session.commit()
    return created


def test_tickets_show_sla_timers_and_highlight_the_overdue_ones(page, screenshot):
    operator("tea")
    late = ticket("Rimborso serata annullata", "Chiedo il codice per un'altra data.", "HIGH", timedelta(minutes=-30))
    ticket("Biglietto ridotto", "Serve un documento per il ridotto?", "LOW", timedelta(hours=20))
    sign_in(page, "tea")
    page.goto("/dashboard/tickets")
    overdue_row = page.locator(f'tr[data-ticket-id="{late.id}"]')
    overdue_row.wait_for()
    assert "is-overdue" in overdue_row.get_attribute("class")
    assert overdue_row.locator(".overdue").inner_text().startswith("Scaduto da")
    assert page.locator("tr[data-ticket-id]").count() == 2
    page.select_option('select[name="priority"]', "LOW")
    expect(page.locator("tr[data-ticket-id]")).to_have_count(1)
    screenshot("tickets-filtered")


def test_a_ticket_detail_changes_status_and_priority_and_takes_notes(page, screenshot):
    operator("ugo")
    created = ticket(XSS, f"Descrizione {XSS}")
    dialogs = no_dialogs(page)
    sign_in(page, "ugo")
    page.goto(f"/dashboard/tickets?id={created.id}")
    detail = page.locator("[data-detail-body]")
    detail.get_by_text(created.number).wait_for()
    assert detail.locator("h2").inner_text() == XSS
    detail.locator("[data-ticket-status]").select_option("IN_PROGRESS")
    detail.locator(".tag-IN_PROGRESS").wait_for()
    detail.locator("[data-ticket-priority]").select_option("URGENT")
    detail.locator(".tag-URGENT").wait_for()
    detail.locator("[data-ticket-note]").fill("Richiamato il cliente.")
    detail.get_by_role("button", name="Aggiungi nota").click()
    detail.get_by_text("Richiamato il cliente.").wait_for()
    screenshot("ticket-detail")
    reread()
    saved = db.session.get(Ticket, created.id)
    assert (saved.status, str(saved.priority)) == (TicketStatus.IN_PROGRESS, "URGENT")
    assert db.session.query(TicketNote).filter_by(ticket_id=created.id).one().note == "Richiamato il cliente."
    assert dialogs == []
