"""A reply while it is written, in real Chromium: the draft a poll carries replaces the typing dots, and an
OpenAI answer streamed by a real worker grows in a draft bubble then becomes one bot message."""
import statistics

import pytest
from playwright.sync_api import expect

from lucine_chatbot.platform import dispatch
from tests.conftest import TEST_DATABASE_URL, TEST_REDIS_URL
from tests.support.openai_stub import Stream, serve_for

from .conftest import PRICE_QUESTION
from .widget_shop import messages, open_chat, send, start_worker, stop_worker, wait_for_worker

pytestmark = [pytest.mark.browser, pytest.mark.real_db]


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
