"""Chats: lookup and locking, the state machine, routing to operators, escalation, the operator desk, the sweep."""
