"""The JSON API: one blueprint per API module, mounted under /api."""
