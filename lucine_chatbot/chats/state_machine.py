"""The one place a chat's status changes: the chat state machine, each change validated and recorded."""
from lucine_chatbot.insights import events
from lucine_chatbot.models import ChatStatus as S
from lucine_chatbot.models import utcnow
from lucine_chatbot.platform.errors import Conflict

TRANSITIONS = {
    S.ACTIVE: {S.IDLE, S.WAITING_OPERATOR, S.WITH_OPERATOR, S.RESOLVED, S.NOT_RESOLVED, S.CANCELLED, S.ENDED},
    S.IDLE: {S.ACTIVE, S.WAITING_OPERATOR, S.WITH_OPERATOR, S.RESOLVED, S.CANCELLED, S.ENDED},
    S.WAITING_OPERATOR: {S.WITH_OPERATOR, S.ACTIVE, S.RESOLVED, S.NOT_RESOLVED, S.CANCELLED, S.ENDED},
    S.WITH_OPERATOR: {S.WAITING_CLIENT, S.WAITING_OPERATOR, S.RESOLVED, S.NOT_RESOLVED, S.CANCELLED, S.ENDED},
    S.WAITING_CLIENT: {S.WITH_OPERATOR, S.WAITING_OPERATOR, S.RESOLVED, S.NOT_RESOLVED, S.CANCELLED, S.ENDED},
    S.RESOLVED: {S.ACTIVE, S.WAITING_OPERATOR, S.WITH_OPERATOR, S.ENDED},
    S.NOT_RESOLVED: {S.ACTIVE, S.WAITING_OPERATOR, S.WITH_OPERATOR, S.ENDED},
    S.CANCELLED: {S.ACTIVE, S.WAITING_OPERATOR, S.WITH_OPERATOR, S.ENDED},
    S.ENDED: set(),
}

HUMAN_STATUSES = frozenset({S.WAITING_OPERATOR, S.WITH_OPERATOR, S.WAITING_CLIENT})
AI_STATUSES = frozenset({S.ACTIVE, S.IDLE, S.RESOLVED, S.NOT_RESOLVED, S.CANCELLED})
CLOSED_STATUSES = frozenset({S.RESOLVED, S.NOT_RESOLVED, S.CANCELLED, S.ENDED})
OPEN_STATUSES = frozenset(S) - CLOSED_STATUSES


class InvalidTransition(Conflict):
    """The state machine forbids this change (409)."""


def can_change(current, new):
    return S(new) in TRANSITIONS[S(current)]


def change_status(session, new_status, reason=None, operator_id=None, now=None):
    """Move `session` to `new_status` or raise InvalidTransition; records `chat_status_changed`.

    Does not commit: the use case that calls it owns the transaction.
    """
    new_status = S(new_status)
    previous = S(session.status)
    if new_status == previous:
        return previous
    if new_status not in TRANSITIONS[previous]:
        raise InvalidTransition(f"A chat cannot go from {previous} to {new_status}.")
    now = now or utcnow()
    session.status = new_status
    session.status_changed_at = now
    events.record("chat_status_changed", session, operator_id=operator_id,
                  **{"from": str(previous), "to": str(new_status), "reason": reason})
    return previous
