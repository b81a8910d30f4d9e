"""The AI reply job: one reply per visitor message, never while a human is involved."""
from lucine_chatbot.extensions import db
from lucine_chatbot.jobs.ai_reply import generate_reply
from lucine_chatbot.models import Message, Sender
from tests.support.assistant_helpers import kb  # noqa: F401  (fixture)


def pending_chat(make, text="Si possono portare i cani?", status="ACTIVE"):
    chat = make.chat(status=status, ai_pending=True)
    return chat, make.message(chat, text)


def bot_replies(chat):
    return db.session.query(Message).filter_by(session_id=chat.id, sender=Sender.BOT).all()


def test_running_the_job_twice_writes_one_reply(make, kb):
    chat, user = pending_chat(make)
    first = generate_reply(user.id)
    assert first is not None and generate_reply(user.id) is None
    replies = bot_replies(chat)
    assert len(replies) == 1 and replies[0].reply_to_id == user.id
    assert db.session.get(type(chat), chat.id).ai_pending is False


def test_the_job_skips_when_a_human_took_over(make, kb):
    chat, user = pending_chat(make, status="WITH_OPERATOR")
    assert generate_reply(user.id) is None
    assert bot_replies(chat) == [] and db.session.get(type(chat), chat.id).ai_pending is False


def test_a_second_unanswered_message_keeps_the_chat_pending(make, kb):
    chat, user = pending_chat(make)
    make.message(chat, "e i gatti?")
    generate_reply(user.id)
    assert db.session.get(type(chat), chat.id).ai_pending is True


def test_the_reply_records_ai_response_with_provider_and_latency(make, kb):
    from lucine_chatbot.models import AnalyticsEvent

    chat, user = pending_chat(make)
    generate_reply(user.id)
    event = db.session.query(AnalyticsEvent).filter_by(type="ai_response", session_public_id=chat.public_id).one()
    assert event.data["provider"] == "offline" and "latencyMs" in event.data and event.data["sources"]


def test_an_unknown_or_non_visitor_message_is_ignored(make, kb):
    chat = make.chat()
    bot = make.message(chat, "ciao", sender="BOT")
    assert generate_reply(bot.id) is None and generate_reply(999999) is None
