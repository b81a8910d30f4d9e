"""What happened and what is kept: analytics events and numbers, the chat archive, health, retention."""
