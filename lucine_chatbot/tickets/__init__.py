"""Tickets: intake from visitors and chats, the operators' desk, the ticket state machine, SLA clocks."""
