"""The visitor widget in real Chromium, on a shop page of another origin than the backend: AI answer, YES to a
human, operator reply, queue and take, navigation, escaped markup, ticket form, rating, keyboard, 390 px, the
429 cooldown, English and German pages, "are you still there?", an OpenAI answer streamed as a growing draft."""
import logging
import statistics
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from lucine_chatbot.chats import sweep
from lucine_chatbot.extensions import db
from lucine_chatbot.models import ChatSession, KnowledgeItem, Message, OperatorChat, utcnow
from lucine_chatbot.platform import dispatch
from lucine_chatbot.seed import seed_all
from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL
from tests.support.openai_stub import Stream, serve_for
from tests.support.rate_windows import whole_window_ahead

from ..helpers import no_dialogs, operator, reread
from .widget_shop import (
    Shop,
    is_chat_post,
    login,
    messages,
    online_operator,
    open_chat,
    render_pages,
    send,
    serve_shop,
    start_worker,
    stop_worker,
    stored_session_id,
    wait_for_worker,
)

pytestmark = [pytest.mark.browser, pytest.mark.real_db]

PRICE_QUESTION = "Quanto costa il biglietto?"
UNSURE_QUESTION = "Posso portare il mio drone per fare riprese aeree?"
FILLS_THE_SCREEN = """() => {
  const box = document.querySelector('#lucine-chat-panel').getBoundingClientRect();
  return box.x === 0 && box.y === 0 && box.width === innerWidth && box.height === innerHeight;
}"""


@pytest.fixture(scope="module")
def shop(app, live_server, shop_listener):
    pages = render_pages(app, live_server)
    for lang in ("en", "de"):  # the snippet with data-lang: the same shop's English and German pages
        pages.update({f"/{lang}{path}": body for path, body in render_pages(app, live_server, lang).items()})
    server, thread = serve_shop(shop_listener, pages)
    yield Shop(origin="http://127.0.0.1:%d" % shop_listener.getsockname()[1], backend=live_server)
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture(autouse=True)
def knowledge_base(app):
    seed_all()


@pytest.fixture
def api(playwright_instance, live_server):
    """The operators' side, over real HTTP to the same live server."""
    context = playwright_instance.request.new_context(base_url=live_server)
    yield context
    context.dispose()


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


# Every change to the panel, as the visitor could have seen it: what the draft bubble held, and around it.
RECORD_THE_PANEL = """() => {
  const root = document.querySelector('#lucine-chat-root');
  const seen = window.lucineSeen = [];
  new MutationObserver(() => {
    const draft = root.querySelector('.lucine-draft');
    seen.push({
      draft: draft && draft.textContent,
      replyTo: draft && draft.getAttribute('data-reply-to'),
      busy: draft && draft.getAttribute('aria-busy'),
      announced: Boolean(draft && (draft.matches('.lucine-msg') || draft.closest('[aria-live]'))),
      bots: root.querySelectorAll('.lucine-msg[data-sender="BOT"]').length,
      dots: Boolean(root.querySelector('.lucine-typing')),
      wide: document.documentElement.scrollWidth > innerWidth,
    });
  }).observe(root, {subtree: true, childList: true, characterData: true, attributes: true});
}"""


def scripted_drafts(page, question):
    """The visitor's message is answered by the server as usual, but the widget is told, poll by poll, that the
    reply is still being written: dots, two growing drafts, a poll with neither (the draft gone, the message
    not yet read), then the message together with its last draft (the message must win), still `pending` as
    when the visitor has written again; then nothing pending."""
    def bot_text(body):
        return next((m["message"] for m in body["messages"] if m["sender"] == "BOT"), "")

    def still_writing(body, length):
        text = bot_text(body) or "Il biglietto intero costa 9 €"
        draft = {"text": text[:length], "replyTo": question["id"]} if length else None
        return {"messages": [m for m in body["messages"] if m["sender"] == "USER"], "pending": True, "draft": draft}

    steps = [lambda b: still_writing(b, 0), lambda b: still_writing(b, 12), lambda b: still_writing(b, 30),
             lambda b: still_writing(b, 0) | {"draft": None},
             lambda b: {"draft": {"text": bot_text(b), "replyTo": question["id"]}, "pending": True},
             lambda b: {"draft": None, "pending": False}]

    def poll(route):
        response = route.fetch()
        body = response.json()
        if steps:
            body.update(steps.pop(0)(body))
        route.fulfill(response=response, json=body)

    page.route("**/api/chat/poll/**", poll)


def test_the_draft_a_poll_carries_replaces_the_dots_until_the_message_takes_its_place(page, shop, run_jobs):
    """The widget's side of the contract on any backend: the server's own answers, with the drafts a streamed
    reply would add (the real stream is tested on PostgreSQL + Redis below)."""
    question = {}

    def hold_back_the_reply(route):  # as a worker-produced reply looks: 202, pending, only the USER message
        response = route.fetch()
        body = response.json()
        body.update(pending=True, reply=None, smartActions=[],
                    messages=[m for m in body["messages"] if m["sender"] == "USER"])
        question["id"] = body["messages"][0]["id"]
        route.fulfill(response=response, status=202, json=body)

    page.route(lambda url: url.endswith("/api/chat"), hold_back_the_reply)
    scripted_drafts(page, question)
    page.set_viewport_size({"width": 320, "height": 640})
    page.goto(shop.url())
    open_chat(page)
    page.evaluate(RECORD_THE_PANEL)
    send(page, PRICE_QUESTION, run_jobs)

    expect(page.locator(".lucine-draft")).to_have_count(1)
    expect(messages(page, "BOT")).to_have_count(1)
    expect(page.locator(".lucine-typing")).to_have_count(0)  # the last step: nothing pending any more
    expect(page.locator(".lucine-draft")).to_have_count(0)
    final = messages(page, "BOT").inner_text()
    seen = page.evaluate("window.lucineSeen")
    drafts = [s["draft"] for s in seen if s["draft"] is not None]
    assert [len(d) for d in dict.fromkeys(drafts)] == [12, 30] and all(final.startswith(d) for d in drafts)
    assert not any(s["announced"] or s["busy"] != "true" for s in seen if s["draft"] is not None)
    assert not any(s["draft"] is not None and s["bots"] for s in seen), "the draft and the message were both shown"
    assert not any(s["wide"] for s in seen), "the panel scrolled sideways at 320 px"
    first = next(i for i, s in enumerate(seen) if s["draft"] is not None)
    message = next(i for i, s in enumerate(seen) if s["bots"])
    assert all(s["draft"] is not None and not s["dots"] for s in seen[first:message]), "the draft went away early"


STREAMED = Stream(["Il biglietto intero ", "costa 9 € ", "e il ridotto ", "6 €; ", "i bambini sotto ", "i 3 anni ",
                   "entrano gratis ", "e il parcheggio è incluso."], first_delay=0.5, chunk_delay=0.4)


@pytest.fixture
def streaming_worker(app, monkeypatch, tmp_path):
    """The stub LLM streaming STREAMED, and a real worker process (the one that streams) asking it."""
    llm = serve_for(app, monkeypatch, timeout_seconds=20)  # the web tier: OpenAI configured, so a worker answers
    llm.reply_with(STREAMED)
    worker = start_worker(tmp_path, TEST_DATABASE_URL, TEST_REDIS_URL, llm.base_url)
    try:
        wait_for_worker(dispatch.redis_connection(app), worker)
    except AssertionError:
        print(stop_worker(worker))
        raise
    yield llm
    output = stop_worker(worker)
    llm.__exit__(None, None, None)
    print("worker output (tail):\n" + output)  # shown by pytest when the test fails


@pytest.mark.redis_only
@pytest.mark.postgres_only
def test_an_openai_answer_grows_in_a_draft_bubble_then_becomes_one_bot_message(page, shop, streaming_worker,
                                                                             screenshot):
    page.set_viewport_size({"width": 320, "height": 640})  # the narrowest phone the widget supports
    page.goto(shop.url())
    open_chat(page)
    page.evaluate(RECORD_THE_PANEL)
    posted = send(page, PRICE_QUESTION, lambda: 0)  # the worker process answers, not the test
    assert posted.status == 202 and posted.json()["pending"] is True
    question_id = str(posted.json()["messages"][0]["id"])

    draft = page.locator(".lucine-draft")
    expect(draft).to_contain_text("costa 9 €")
    screenshot("widget-15-phone-draft", full_page=False, animations="disabled")
    expect(messages(page, "BOT")).to_have_text(STREAMED.text, timeout=20_000)
    expect(draft).to_have_count(0)
    expect(page.locator(".lucine-typing")).to_have_count(0)

    seen = page.evaluate("window.lucineSeen")
    drafts = [s for s in seen if s["draft"] is not None]
    lengths = sorted({len(s["draft"]) for s in drafts})
    assert len(lengths) >= 2, f"the draft never grew: {lengths}"
    assert all(STREAMED.text.startswith(s["draft"]) for s in drafts)
    assert all(s["replyTo"] == question_id and s["busy"] == "true" and not s["announced"] for s in drafts)
    assert not any(s["draft"] is not None and s["bots"] for s in seen), "the draft and the message were both shown"
    first_draft = seen.index(drafts[0])
    assert not any(s["dots"] for s in seen[first_draft:]), "the typing dots came back after the draft"
    assert not any(s["wide"] for s in seen), "the panel scrolled sideways at 320 px"
    assert messages(page, "BOT").count() == 1
    polls = page.evaluate("""() => performance.getEntriesByType('resource')
      .filter((e) => e.name.includes('/api/chat/poll/')).map((e) => e.startTime)""")
    gaps = [b - a for a, b in zip(polls, polls[1:])]
    assert gaps and statistics.median(gaps) < 1500, f"not polling fast while the reply was written: {gaps}"
