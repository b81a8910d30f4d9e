"""The helper that keeps limit-counting tests inside one clock-aligned window."""
from tests.support import rate_windows


class Clock:
    def __init__(self, now):
        self.now, self.slept = now, []

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.slept.append(round(seconds, 2))


def test_it_waits_for_the_next_window_only_near_the_end_of_this_one(app, monkeypatch):
    monkeypatch.setitem(app.config, "RATE_LIMIT_POLL", "120/minute")
    near_the_end = Clock(60 * 1000 - 3)
    monkeypatch.setattr(rate_windows, "time", near_the_end)
    rate_windows.whole_window_ahead(app, "RATE_LIMIT_POLL")
    assert near_the_end.slept == [3.05]
    early = Clock(60 * 1000 + 5)
    monkeypatch.setattr(rate_windows, "time", early)
    rate_windows.whole_window_ahead(app, "RATE_LIMIT_POLL")
    assert early.slept == []
