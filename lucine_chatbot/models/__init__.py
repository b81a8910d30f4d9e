"""All models, imported here so Alembic and the app see one metadata."""
from .base import utcnow
from .chat import ChatSession, ChatStatus, InternalNote, Message, OperatorChat, QueueEntry, QueueStatus, Sender
from .event import AnalyticsEvent
from .knowledge import AutomatedText, CalendarOverride, CannedReply, DayStatus, KnowledgeItem, SystemState
from .operator import AuditLog, Operator, RevokedToken, Role
from .outbox import OutboxMessage, OutboxStatus
from .push import PushSubscription
from .ticket import ContactMethod, Priority, Ticket, TicketNote, TicketStatus

__all__ = [
    "AnalyticsEvent", "AuditLog", "AutomatedText", "CalendarOverride", "CannedReply", "ChatSession", "ChatStatus",
    "ContactMethod", "DayStatus", "InternalNote", "KnowledgeItem", "Message", "Operator", "OperatorChat",
    "OutboxMessage", "OutboxStatus", "Priority", "PushSubscription", "QueueEntry", "QueueStatus", "RevokedToken",
    "Role", "Sender", "SystemState", "Ticket", "TicketNote", "TicketStatus", "utcnow",
]
