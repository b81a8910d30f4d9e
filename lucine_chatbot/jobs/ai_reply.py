"""The AI reply job: answers one visitor message by id; safe to run twice."""
from ..services import conversation
from .dispatch import job


# Longer than the OpenAI client's worst case (timeout × (retries + 1) plus backoff) so the fallback can run.
@job(queue="ai", timeout=120)
def generate_reply(message_id):
    bot = conversation.answer_message(message_id)
    return bot.id if bot is not None else None
