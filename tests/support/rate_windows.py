"""For tests that count up to a visitor limit and expect the next request refused."""
import time

from limits import parse


def whole_window_ahead(app, setting, margin=10.0):
    """POST /api/chat and the poll count in clock-aligned windows on Redis (chats/visitor/visitor_limits.py): a test
    that makes `limit` requests would see the count start again if a window ended halfway (a 120-poll loop takes
    several seconds on a busy machine). With less than `margin` seconds left in this window, wait for the next."""
    period = parse(app.config[setting]).get_expiry()
    left = period - time.time() % period
    if left < margin:
        time.sleep(left + 0.05)
