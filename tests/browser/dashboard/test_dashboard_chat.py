"""The chat page in real Chromium, against the real APIs: take, live visitor messages, reply (the visitor sees
it in /api/chat/poll), canned replies by /shortcut, notes, status, transfer and ticket; visitor text never runs."""
import json
import urllib.request

import pytest
from playwright.sync_api import expect

from lucine_chatbot.extensions import db
from lucine_chatbot.models import CannedReply, ChatSession, InternalNote, Ticket
from tests.support import factories

from ..helpers import XSS, no_dialogs, operator, queued_chat, reread, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.real_db]


def visitor(live_server, method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(live_server + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"} if data else {})
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read() or b"null")


def chat_with_sources(language="de"):
    chat = queued_chat(text=f"Wo kann ich parken? {XSS}", language=language)
    factories.message(chat, "Parkplatz P1 Campo Sportivo, 10 Minuten zu Fuß.", sender="BOT",
                      meta={"provider": "offline", "sources": [{"id": 7, "title": "Parcheggi e navette"}]})
    db.session.commit()
    return chat


def test_an_operator_works_a_chat_end_to_end_from_the_dashboard(page, live_server, screenshot):
    operator("dora")
    db.session.add(CannedReply(shortcut="orari", title="Orari", text="Siamo aperti dalle 17:30 alle 23:00.",
                               language="de"))
    db.session.commit()
    dialogs = no_dialogs(page)
    sign_in(page, "dora")
    chat = chat_with_sources()
    sid = chat.public_id
    row = page.locator(f'[data-queue-list] [data-session-id="{sid}"]')
    expect(row).to_be_visible(timeout=8000)
    row.get_by_role("button", name="Prendi in carico").click()
    page.wait_for_url(f"**/dashboard/chats/{sid}")
    expect(page.locator('[data-testid="take-chat"]')).to_be_hidden()
    expect(page.locator("[data-facts]")).to_contain_text("Deutsch")
    expect(page.locator(".msg-BOT .msg-sources")).to_contain_text("Parcheggi e navette")
    expect(page.locator(".msg-USER").first).to_contain_text(XSS)

    visitor(live_server, "POST", "/api/chat", {"message": "<img src=x onerror=alert(2)> noch da?", "sessionId": sid})
    expect(page.locator(".msg-USER").last).to_contain_text("<img src=x onerror=alert(2)> noch da?", timeout=8000)

    page.fill('[data-testid="reply-input"]', "Ja, P1 ist am nächsten.")
    page.click('[data-testid="reply-send"]')
    expect(page.locator(".msg-OPERATOR").last).to_contain_text("Ja, P1 ist am nächsten.")
    seen = visitor(live_server, "GET", f"/api/chat/poll/{sid}")
    assert any(m["sender"] == "OPERATOR" and m["message"] == "Ja, P1 ist am nächsten." for m in seen["messages"])

    page.locator('[data-testid="reply-input"]').press_sequentially("/ora")
    expect(page.locator("[data-suggest]")).to_contain_text("/orari")
    page.locator('[data-testid="reply-input"]').press("Enter")
    expect(page.locator('[data-testid="reply-input"]')).to_have_value("Siamo aperti dalle 17:30 alle 23:00.")
    page.locator('[data-testid="reply-input"]').press("Enter")
    expect(page.locator(".msg-OPERATOR").last).to_contain_text("Siamo aperti dalle 17:30")

    page.fill('[data-testid="note-input"]', "Cliente tedesco, parcheggio camper.")
    page.click('[data-testid="note-send"]')
    expect(page.locator("[data-notes]")).to_contain_text("Cliente tedesco, parcheggio camper.")

    select = page.locator('[data-testid="status-select"]')
    options = select.locator("option").evaluate_all("(nodes) => nodes.map((n) => n.value).filter(Boolean)")
    assert options == ["WAITING_CLIENT", "RESOLVED", "NOT_RESOLVED", "CANCELLED"]
    select.select_option("WAITING_CLIENT")
    expect(page.locator("[data-chat-meta] .tag-WAITING_CLIENT")).to_be_visible()
    for sender in ("USER", "BOT", "OPERATOR", "SYSTEM"):  # every kind of message on screen for axe-core
        expect(page.locator(f".msg-{sender}").first).to_be_visible()
    screenshot("chat-page")

    page.click('[data-testid="create-ticket"]')
    expect(page.locator("[data-tickets]")).to_contain_text("TKT-")
    expect(page.locator("[data-chat-meta] .tag-RESOLVED")).to_be_visible(timeout=8000)
    screenshot("chat-page-ticket")

    reread()
    session = db.session.query(ChatSession).filter_by(public_id=sid).one()
    assert session.status == "RESOLVED"
    assert db.session.query(InternalNote).filter_by(session_id=session.id).filter(
        InternalNote.content == "Cliente tedesco, parcheggio camper.").count() == 1
    assert db.session.query(Ticket).filter_by(session_id=session.id).count() == 1
    final = visitor(live_server, "GET", f"/api/chat/poll/{sid}")
    assert all("Cliente tedesco" not in m["message"] for m in final["messages"])
    assert page.locator("img[src='x']").count() == 0
    assert dialogs == []


def test_an_operator_transfers_a_chat_to_an_online_colleague(page):
    operator("elsa")
    colleague = operator("fabio", is_online=True, display_name="Fabio")
    chat = queued_chat()
    sign_in(page, "elsa")
    page.goto(f"/dashboard/chats/{chat.public_id}")
    page.click('[data-testid="take-chat"]')
    expect(page.locator('[data-testid="take-chat"]')).to_be_hidden()
    expect(page.locator("[data-transfer-target] option")).to_contain_text(["Fabio (0 chat)"])
    page.fill("[data-transfer-reason]", "Parla tedesco")
    page.get_by_role("button", name="Trasferisci chat").click()
    expect(page.locator("[data-facts]")).to_contain_text("Fabio", timeout=8000)
    reread()
    assert db.session.query(ChatSession).filter_by(public_id=chat.public_id).one().operator_id == colleague.id


def test_an_unknown_chat_shows_a_not_found_state(page, console_errors):
    console_errors.allow("status of 404")
    operator("gino")
    sign_in(page, "gino")
    page.goto("/dashboard/chats/does-not-exist")
    expect(page.locator("[data-transcript]")).to_contain_text("Chat non trovata.")
    expect(page.locator('[data-testid="reply-send"]')).to_be_disabled()


def test_the_next_message_typed_while_a_send_is_in_flight_is_kept(page, console_errors):
    """The poll can show the sent message before its response arrives; the operator is typing the next one."""
    operator("ester")
    sign_in(page, "ester")
    chat = chat_with_sources()
    page.goto(f"/dashboard/chats/{chat.public_id}")
    page.get_by_role("button", name="Prendi in carico").click()
    expect(page.locator('[data-testid="take-chat"]')).to_be_hidden()
    held = []
    page.route("**/api/operators/send-message", lambda route: held.append(route))
    box = page.locator('[data-testid="reply-input"]')
    box.fill("Prima risposta")
    page.click('[data-testid="reply-send"]')
    for _ in range(50):  # until the request is held at the route
        if held:
            break
        page.wait_for_timeout(100)
    expect(box).to_have_value("")  # free for the next message while the first is in flight
    box.press_sequentially("E poi")
    held[0].continue_()
    expect(page.locator(".msg-OPERATOR").last).to_contain_text("Prima risposta")
    expect(box).to_have_value("E poi")

    page.unroute("**/api/operators/send-message")
    console_errors.allow("status of 503")
    page.route("**/api/operators/send-message", lambda route: route.fulfill(
        status=503, content_type="application/json",
        body='{"error": {"code": "SERVICE_UNAVAILABLE", "message": "Riprova tra poco."}}'))
    box.fill("Seconda risposta")
    page.click('[data-testid="reply-send"]')
    expect(box).to_have_value("Seconda risposta")  # a failed send gives the text back


def test_canned_suggestions_survive_a_blur_when_the_focus_comes_straight_back(page):
    """Clicking Send and typing '/…' at once: the blur's delayed close must not hit the new suggestions."""
    operator("fausto")
    db.session.add(CannedReply(shortcut="orari", title="Orari", text="Siamo aperti dalle 17:30 alle 23:00.",
                               language="de"))
    db.session.commit()
    sign_in(page, "fausto")
    chat = chat_with_sources()
    page.goto(f"/dashboard/chats/{chat.public_id}")
    page.get_by_role("button", name="Prendi in carico").click()
    expect(page.locator('[data-testid="take-chat"]')).to_be_hidden()
    box = page.locator('[data-testid="reply-input"]')
    box.press_sequentially("/ora")
    expect(page.locator("[data-suggest]")).to_be_visible()
    box.evaluate("(el) => { el.blur(); el.focus(); }")
    page.wait_for_timeout(300)  # past the blur's 150 ms
    expect(page.locator("[data-suggest]")).to_be_visible()
    box.press("Enter")
    expect(box).to_have_value("Siamo aperti dalle 17:30 alle 23:00.")
