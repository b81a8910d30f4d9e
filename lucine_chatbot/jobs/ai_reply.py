"""The AI reply job: answers one visitor message by id; safe to run twice."""
from lucine_chatbot.chats.visitor import replies
from lucine_chatbot.platform.dispatch import job


# The reply deadline (AI_REPLY_DEADLINE_SECONDS), not this timeout, bounds the visitor's wait: the LLM gets what
# the deadline leaves and the offline assistant answers after it, here or from the poll. The timeout only stops a
# job stuck outside the LLM call. Retried when it fails or its worker dies (RQ requeues abandoned jobs that
# have retries left); replying twice is impossible (the chat is locked and reply_to_id is unique).
@job(queue="ai", timeout=120, retries=2)
def generate_reply(message_id):
    bot = replies.answer_message(message_id)
    return bot.id if bot is not None else None
