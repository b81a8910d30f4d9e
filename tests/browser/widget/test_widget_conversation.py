"""The visitor widget in real Chromium, on a shop page of another origin than the backend: AI answer, YES to a
human, operator reply, queue and take, navigation, escaped markup, ticket form, deleting the conversation,
rating, "are you still there?"."""
import logging
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from lucine_chatbot.chats import sweep
from lucine_chatbot.extensions import db
from lucine_chatbot.models import ChatSession, OperatorChat, utcnow

from ..helpers import no_dialogs, operator, reread
from .conftest import PRICE_QUESTION
from .widget_shop import login, messages, online_operator, open_chat, send, stored_session_id

pytestmark = [pytest.mark.browser, pytest.mark.real_db]

UNSURE_QUESTION = "Posso portare il mio drone per fare riprese aeree?"


def test_a_visitor_on_another_origin_asks_and_gets_a_grounded_answer(page, shop, run_jobs, screenshot, caplog):
    backend_calls = []
    page.on("request", lambda r: r.url.startswith(shop.backend + "/api/") and backend_calls.append(r.url))
    page.goto(shop.url())
    open_chat(page)
    expect(page.locator(".lucine-privacy")).to_be_visible()
    assert backend_calls == [] and stored_session_id(page) is None  # privacy by default
    screenshot("widget-01-open-empty", full_page=False, animations="disabled")

    with caplog.at_level(logging.INFO, logger="werkzeug"):
        posted = send(page, PRICE_QUESTION, run_jobs)
    assert posted.headers["access-control-allow-origin"] == shop.origin
    assert "retry-after" in posted.headers["access-control-expose-headers"].lower()  # readable after a 429
    assert any('"OPTIONS /api/chat HTTP' in r.getMessage() for r in caplog.records), "no CORS preflight reached us"

    answer = messages(page, "BOT").last
    expect(answer).to_contain_text("€9")
    expect(page.locator(".lucine-sources").last).to_contain_text("prezzi dei biglietti")
    expect(answer.locator("a")).to_have_attribute("rel", "noopener noreferrer")
    assert stored_session_id(page)
    screenshot("widget-02-answer", full_page=False, animations="disabled")


def test_yes_brings_the_online_operator_whose_name_and_reply_follow_the_visitor_to_another_page(
        page, shop, api, run_jobs, screenshot):
    online_operator("marta", "Marta")
    page.goto(shop.url())
    open_chat(page)
    send(page, UNSURE_QUESTION, run_jobs)
    yes = page.locator('button[data-action="request_operator"]')
    expect(page.locator('button[data-action="continue_ai"]')).to_be_visible()
    screenshot("widget-03-unsure-offer", full_page=False, animations="disabled")
    yes.click()

    expect(page.locator("#lucine-chat-operator")).to_contain_text("Marta")
    expect(yes).to_have_count(0)
    headers = login(api, "marta")
    reply = "Ciao, sono Marta! I droni purtroppo non sono ammessi nel parco."
    sent = api.post("/api/operators/send-message", headers=headers,
                    data={"sessionId": stored_session_id(page), "message": reply})
    assert sent.status == 201, sent.text()
    expect(messages(page, "OPERATOR").last).to_have_text(reply)
    expect(page.locator(".lucine-row--operator .lucine-msg-label").last).to_have_text("Marta")
    expect(messages(page, "SYSTEM").first).to_be_visible()  # "Marta joined": for axe-core with the operator's
    screenshot("widget-04-operator-reply", full_page=False, animations="disabled")

    history = page.locator("#lucine-chat-panel .lucine-msg").all_inner_texts()
    page.get_by_role("link", name="Come arrivare e parcheggi").first.click()
    page.wait_for_url("**/demo/info")
    open_chat(page)
    expect(page.locator("#lucine-chat-panel .lucine-msg")).to_have_count(len(history))
    assert page.locator("#lucine-chat-panel .lucine-msg").all_inner_texts() == history
    expect(page.locator("#lucine-chat-operator")).to_contain_text("Marta")
    screenshot("widget-05-history-on-another-page", full_page=False, animations="disabled")


def test_a_queued_visitor_sees_the_queue_then_the_operator_who_takes_the_chat(page, shop, api, run_jobs, screenshot):
    online_operator("busy", "Giulia", busy_with=5)  # online but at capacity: the chat waits in the queue
    operator("luca", display_name="Luca")  # offline: taking a chat is explicit, whatever the online flag
    page.goto(shop.url())
    open_chat(page)
    send(page, "Vorrei parlare con un operatore, per favore", run_jobs)
    expect(page.locator(".lucine-queue")).to_contain_text("posizione 1")
    screenshot("widget-06-queue", full_page=False, animations="disabled")

    headers = login(api, "luca")
    taken = api.post("/api/operators/take-chat", headers=headers, data={"sessionId": stored_session_id(page)})
    assert taken.status == 200, taken.text()
    expect(page.locator("#lucine-chat-operator")).to_contain_text("Luca")
    expect(page.locator(".lucine-queue")).to_be_hidden()

    page.keyboard.press("Escape")  # closed panel: a reply shows up as an unread badge on the launcher
    api.post("/api/operators/send-message", headers=headers,
             data={"sessionId": stored_session_id(page), "message": "Eccomi, dimmi pure."})
    expect(page.locator("#lucine-chat-launcher .lucine-badge")).to_have_text("1")
    screenshot("widget-07-unread-badge", full_page=False, animations="disabled")
    open_chat(page)
    expect(page.locator("#lucine-chat-launcher .lucine-badge")).to_be_hidden()
    expect(messages(page, "OPERATOR").last).to_have_text("Eccomi, dimmi pure.")


def test_markup_typed_by_the_visitor_is_shown_as_text_and_never_runs(page, shop, run_jobs, screenshot):
    dialogs = no_dialogs(page)
    page.goto(shop.url())
    open_chat(page)
    for text in ("<img src=x onerror=alert(1)>", "<script>alert(2)</script> <b>ciao</b>"):
        send(page, text, run_jobs)
        expect(messages(page, "USER").last).to_have_text(text)
    panel = page.locator("#lucine-chat-panel")
    assert panel.locator("img, script, b").count() == 0
    expect(messages(page, "BOT")).to_have_count(2)
    assert dialogs == []
    screenshot("widget-13-markup-as-text", full_page=False, animations="disabled")


def test_without_operators_the_visitor_leaves_a_ticket_and_gets_its_number(page, shop, run_jobs, screenshot):
    page.goto(shop.url())
    open_chat(page)
    send(page, "Voglio parlare con un operatore", run_jobs)
    offer = page.locator('button[data-action="request_ticket"]')
    expect(offer).to_be_visible()
    offer.click()
    form = page.locator(".lucine-ticket")
    expect(form).to_be_visible()
    form.get_by_role("button", name="Invia richiesta").click()
    expect(page.locator("#lucine-ticket-email-error")).to_be_visible()
    screenshot("widget-08-ticket-form-errors", full_page=False, animations="disabled")

    page.locator("#lucine-ticket-email").fill("anna@example.it")
    page.locator("#lucine-ticket-description").fill("Posso cambiare la data del mio biglietto Open?")
    with page.expect_response(lambda r: r.url.endswith("/api/tickets")) as created:
        form.get_by_role("button", name="Invia richiesta").click()
    assert created.value.status == 201
    number = created.value.json()["ticketNumber"]
    expect(form).to_be_hidden()
    expect(page.locator("#lucine-chat-panel .lucine-log")).to_contain_text(number)
    expect(page.locator('button[data-action="request_ticket"]')).to_have_count(0)
    screenshot("widget-09-ticket-created", full_page=False, animations="disabled")

    page.evaluate("() => localStorage.clear()")  # another device: only the resume link from the e-mail
    page.goto(shop.url("/demo/info?lucine_ticket=" + created.value.json()["resumeToken"]))
    expect(page.locator("#lucine-chat-panel")).to_be_visible()
    expect(page.locator("#lucine-chat-panel .lucine-log")).to_contain_text(number)
    assert "lucine_ticket" not in page.url and stored_session_id(page)


def test_the_visitor_deletes_the_conversation_and_the_widget_forgets_it(page, shop, run_jobs, screenshot):
    page.goto(shop.url())
    open_chat(page)
    send(page, PRICE_QUESTION, run_jobs)
    page.locator("#lucine-chat-menu-button").click()
    page.locator("#lucine-chat-delete").click()
    screenshot("widget-14-delete-confirmation", full_page=False, animations="disabled")
    with page.expect_response(lambda r: r.request.method == "DELETE") as deleted:
        page.locator("#lucine-chat-delete-confirm").click()
    assert deleted.value.status == 204
    expect(page.locator("#lucine-chat-panel .lucine-msg")).to_have_count(0)
    assert stored_session_id(page) is None
    page.reload()
    open_chat(page)
    expect(page.locator("#lucine-chat-panel .lucine-msg")).to_have_count(0)


def test_after_the_operator_closes_the_chat_the_visitor_rates_it(page, shop, api, run_jobs, screenshot):
    sara_id = online_operator("sara", "Sara").id
    page.goto(shop.url())
    open_chat(page)
    send(page, "Voglio parlare con un operatore", run_jobs)
    expect(page.locator("#lucine-chat-operator")).to_contain_text("Sara")
    headers = login(api, "sara")
    session_id = stored_session_id(page)
    api.post("/api/operators/send-message", headers=headers, data={"sessionId": session_id, "message": "Fatto!"})
    expect(messages(page, "OPERATOR").last).to_have_text("Fatto!")
    closed = api.post("/api/chat-management/update-status", headers=headers,
                      data={"sessionId": session_id, "status": "RESOLVED"})
    assert closed.status == 200, closed.text()

    rating = page.locator(".lucine-rating")
    expect(rating).to_be_visible()
    expect(page.locator("#lucine-chat-operator")).to_be_hidden()
    rating.locator('label[for="lucine-rating-4"]').click()
    rating.locator("#lucine-rating-comment").fill("Gentilissima")
    screenshot("widget-10-rating", full_page=False, animations="disabled")
    with page.expect_response(lambda r: r.url.endswith("/rating")) as rated:
        rating.get_by_role("button", name="Invia valutazione").click()
    assert rated.value.status == 201
    expect(rating).to_have_count(0)
    expect(page.locator(".lucine-note--success")).to_be_visible()
    reread()
    stint = db.session.query(OperatorChat).filter_by(operator_id=sara_id).one()
    assert (stint.rating, stint.rating_comment) == (4, "Gentilissima")


def test_a_silent_visitor_is_asked_if_still_there_and_answering_brings_the_operator_back(page, shop, api, app,
                                                                                       run_jobs):
    online_operator("elena", "Elena")
    page.goto(shop.url())
    open_chat(page)
    send(page, "Voglio parlare con un operatore", run_jobs)
    expect(page.locator("#lucine-chat-operator")).to_contain_text("Elena")
    session_id = stored_session_id(page)
    sent = api.post("/api/operators/send-message", headers=login(api, "elena"),
                    data={"sessionId": session_id, "message": "Ti serve altro?"})
    assert sent.status == 201, sent.text()
    expect(messages(page, "OPERATOR").last).to_have_text("Ti serve altro?")

    reread()  # the sweep the worker runs, once the visitor has been silent for WAITING_CLIENT_AFTER_SECONDS
    silent = timedelta(seconds=app.config["WAITING_CLIENT_AFTER_SECONDS"] + 5)
    assert sweep.sweep(now=utcnow() + silent)["await_client"] == 1
    expect(messages(page, "SYSTEM").last).to_have_text("Ci sei ancora? Se hai bisogno di altro, scrivi pure qui.")
    expect(page.locator("#lucine-chat-operator")).to_contain_text("Elena")  # still her chat

    send(page, "Sì, ci sono: a che ora chiudete?", run_jobs)
    expect(messages(page, "SYSTEM").last).to_have_text("Bentornato! L'operatore è di nuovo in chat con te.")
    reread()
    assert db.session.query(ChatSession.status).filter_by(public_id=session_id).scalar() == "WITH_OPERATOR"
    assert not messages(page, "BOT").count()  # the AI never answers while a human has the chat
