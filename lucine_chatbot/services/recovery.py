"""Nothing accepted is lost: a visitor message whose AI reply never came (job crashed, worker killed, Redis
lost the job) is answered by the sweep with the offline assistant once the job has had its time."""
import logging
from datetime import timedelta

from ..extensions import db
from ..models import ChatSession, Message, Sender
from . import conversation

logger = logging.getLogger(__name__)
MARGIN_SECONDS = 60  # after the job's own timeout: RQ needs about this long to notice a dead worker
BATCH_SIZE = 100


def stale_after_seconds():
    from ..jobs.ai_reply import generate_reply

    return generate_reply.job_options.timeout + MARGIN_SECONDS


def answer_stale_pending(now):
    """Sweep rule: answer the newest visitor message of each chat still `pending` past the job's time."""
    cutoff = now - timedelta(seconds=stale_after_seconds())
    sessions = (db.session.query(ChatSession).filter(ChatSession.ai_pending.is_(True))
                .order_by(ChatSession.id).limit(BATCH_SIZE).all())
    recovered = 0
    for session_id in [s.id for s in sessions]:
        latest = (db.session.query(Message).filter_by(session_id=session_id, sender=Sender.USER)
                  .order_by(Message.id.desc()).first())
        if latest is not None and latest.created_at >= cutoff:
            continue  # its job may still be running
        if latest is not None and conversation.answer_message(latest.id, now=now, offline_only=True):
            logger.warning("answered message %s offline: its AI job never replied", latest.id)
            recovered += 1
        _clear_pending(session_id, latest.id if latest is not None else 0)
    return recovered


def _clear_pending(session_id, handled_id):
    """Handled (answered, or handed to a human): not pending, unless a newer visitor message came meanwhile."""
    newer = db.session.query(Message.id).filter(Message.session_id == session_id, Message.sender == Sender.USER,
                                                Message.id > handled_id).first()
    session = db.session.get(ChatSession, session_id)
    db.session.refresh(session)
    if session.ai_pending and newer is None:
        session.ai_pending = False
        db.session.commit()
