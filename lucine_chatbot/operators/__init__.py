"""Operators: accounts, sign-in, presence and the audit log of who read what."""
