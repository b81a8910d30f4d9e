"""The AI reply job: answers one visitor message by id; safe to run twice."""
from ..services import conversation
from .dispatch import job


# Longer than the OpenAI client's worst case (timeout × (retries + 1) plus backoff) so the fallback can run.
# Retried when it fails or its worker dies (RQ requeues abandoned jobs that have retries left); replying
# twice is impossible (reply_to_id is unique). services/recovery.py answers what still got no reply.
@job(queue="ai", timeout=120, retries=2)
def generate_reply(message_id):
    bot = conversation.answer_message(message_id)
    return bot.id if bot is not None else None
