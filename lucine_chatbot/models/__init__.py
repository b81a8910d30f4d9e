"""All models, imported here so Alembic and the app see one metadata."""
from lucine_chatbot.models.base import utcnow
from lucine_chatbot.models.chat import (
    ChatSession,
    ChatStatus,
    InternalNote,
    Message,
    OperatorChat,
    QueueEntry,
    QueueStatus,
    Sender,
)
from lucine_chatbot.models.event import AnalyticsEvent
from lucine_chatbot.models.knowledge import (
    AutomatedText,
    CalendarOverride,
    CannedReply,
    DayStatus,
    KnowledgeItem,
    SystemState,
)
from lucine_chatbot.models.operator import AuditLog, Operator, RevokedToken, Role
from lucine_chatbot.models.outbox import OutboxMessage, OutboxStatus
from lucine_chatbot.models.push import PushSubscription
from lucine_chatbot.models.ticket import ContactMethod, Priority, Ticket, TicketNote, TicketStatus

__all__ = [
    "AnalyticsEvent", "AuditLog", "AutomatedText", "CalendarOverride", "CannedReply", "ChatSession", "ChatStatus",
    "ContactMethod", "DayStatus", "InternalNote", "KnowledgeItem", "Message", "Operator", "OperatorChat",
    "OutboxMessage", "OutboxStatus", "Priority", "PushSubscription", "QueueEntry", "QueueStatus", "RevokedToken",
    "Role", "Sender", "SystemState", "Ticket", "TicketNote", "TicketStatus", "utcnow",
]
