"""Bounded transcripts (issue 21): the poll without a cursor, the resume link and the operator history show a
chat's newest 100 messages and say whether older ones exist; the history pages back with `before`."""
from lucine_chatbot.chats import lookup
from lucine_chatbot.extensions import db
from lucine_chatbot.tickets import intake


def chat_with(make, count):
    chat = make.chat()
    ids = [make.message(chat, f"messaggio {n}", sender="USER" if n % 2 == 0 else "BOT").id for n in range(count)]
    db.session.commit()
    return chat, ids


def test_a_poll_without_a_cursor_shows_the_newest_page_and_says_older_ones_exist(client, make):
    chat, ids = chat_with(make, lookup.PAGE_SIZE + 30)
    poll = client.get(f"/api/chat/poll/{chat.public_id}").json
    assert [m["id"] for m in poll["messages"]] == ids[-lookup.PAGE_SIZE:] and poll["hasMore"] is True


def test_a_short_chat_is_shown_whole(client, make):
    chat, ids = chat_with(make, 12)
    poll = client.get(f"/api/chat/poll/{chat.public_id}").json
    assert [m["id"] for m in poll["messages"]] == ids and poll["hasMore"] is False


def test_after_a_cursor_a_poll_brings_at_most_a_page_oldest_first_and_the_next_poll_the_rest(client, make):
    chat, ids = chat_with(make, lookup.PAGE_SIZE + 30)
    first = client.get(f"/api/chat/poll/{chat.public_id}?after={ids[0]}").json
    assert [m["id"] for m in first["messages"]] == ids[1:lookup.PAGE_SIZE + 1] and first["hasMore"] is False
    rest = client.get(f"/api/chat/poll/{chat.public_id}?after={first['messages'][-1]['id']}").json
    assert [m["id"] for m in rest["messages"]] == ids[lookup.PAGE_SIZE + 1:]


def test_the_resume_link_shows_the_newest_page(client, make):
    chat, ids = chat_with(make, lookup.PAGE_SIZE + 5)
    _, token = intake.create_ticket_from_visitor("Richiamatemi", "EMAIL", email="a@example.com",
                                                  session_public_id=chat.public_id)
    resumed = client.get(f"/api/tickets/resume/{token}").json
    assert len(resumed["messages"]) == lookup.PAGE_SIZE and resumed["hasMore"] is True
    assert resumed["messages"][0]["id"] > ids[0]


def test_the_operator_history_pages_back_with_before(client, make, operator_headers):
    chat, ids = chat_with(make, lookup.PAGE_SIZE + 30)
    url = f"/api/chat-management/history/{chat.public_id}"
    newest = client.get(url, headers=operator_headers).json
    assert [m["id"] for m in newest["messages"]] == ids[-lookup.PAGE_SIZE:] and newest["hasMore"] is True
    older = client.get(f"{url}?before={newest['messages'][0]['id']}", headers=operator_headers).json
    assert [m["id"] for m in older["messages"]] == ids[:30] and older["hasMore"] is False
    huge = client.get(f"{url}?before={'9' * 18}", headers=operator_headers).json  # beyond INTEGER: everything
    assert [m["id"] for m in huge["messages"]] == ids[-lookup.PAGE_SIZE:]
    for odd in ("abc", "-1", "²", "1" * 30):
        response = client.get(f"{url}?before={odd}", headers=operator_headers)
        assert response.status_code in (400, 422) and response.json["error"]["code"] == "VALIDATION_ERROR"
