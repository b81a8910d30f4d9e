"""What the system speaks from: knowledge base, event calendar, automated texts, canned replies, named values."""
