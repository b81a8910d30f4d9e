"""The one interface every delivery channel implements; a channel is enabled only when it is configured."""


class DeliveryError(RuntimeError):
    """The channel refused or could not be reached; the job raising it is retried with backoff."""


class Notifier:
    """Send a short text to one recipient (an email address or an E.164 phone number)."""

    channel = "none"

    def __init__(self, config):
        self.config = config

    @property
    def enabled(self):
        raise NotImplementedError

    def send(self, to, subject, text):
        """Deliver or raise DeliveryError."""
        raise NotImplementedError


class DisabledNotifier(Notifier):
    """What a channel without settings becomes: sending is a logged no-op, never an error."""

    @property
    def enabled(self):
        return False

    def send(self, to, subject, text):
        return None
