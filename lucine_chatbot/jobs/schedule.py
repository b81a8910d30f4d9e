"""Periodic work as data: what runs, how often, with which timeout. Registered by `dispatch`."""
from dataclasses import dataclass


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    func: str  # import path "module:function", so the schedule can be stored and compared as data
    interval: int  # seconds
    timeout: int  # seconds
    queue: str = "default"

    def as_spec(self):
        return {"func": self.func, "interval": self.interval, "timeout": self.timeout, "queue": self.queue}


RETENTION_INTERVAL_SECONDS = 24 * 3600
# The outbox drain sends what no job did: often enough for the shortest retry backoff (30 s).
OUTBOX_DRAIN_INTERVAL_SECONDS = 30


def periodic_jobs(config):
    """The schedule of this configuration (the sweep every SWEEP_INTERVAL_SECONDS, retention daily,
    the notification outbox drained every 30 s)."""
    return [
        PeriodicJob("sweep", "lucine_chatbot.jobs.sweep:run_sweep",
                    interval=config["SWEEP_INTERVAL_SECONDS"], timeout=max(30, config["SWEEP_INTERVAL_SECONDS"])),
        PeriodicJob("retention", "lucine_chatbot.jobs.retention:run_retention",
                    interval=RETENTION_INTERVAL_SECONDS, timeout=900),
        PeriodicJob("outbox", "lucine_chatbot.jobs.notify:drain_outbox",
                    interval=OUTBOX_DRAIN_INTERVAL_SECONDS, timeout=300),
    ]
