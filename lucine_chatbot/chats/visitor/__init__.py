"""The visitor's side of a chat: messages and widget actions, the assistant's replies, polling and its fast path."""
