"""WhatsApp and SMS through Twilio's REST API (Messages resource), over plain urllib."""
import base64
import json
import urllib.error
import urllib.parse
import urllib.request

from lucine_chatbot.notifications.base import DeliveryError, Notifier

HTTP_TIMEOUT_SECONDS = 15


class TwilioNotifier(Notifier):
    """`channel` is "whatsapp" or "sms"; each needs the account, the token and its own sender number."""

    FROM_SETTING = {"whatsapp": "TWILIO_WHATSAPP_FROM", "sms": "TWILIO_SMS_FROM"}

    def __init__(self, config, channel="whatsapp"):
        super().__init__(config)
        self.channel = channel

    @property
    def enabled(self):
        config = self.config
        return bool(config.get("TWILIO_ACCOUNT_SID") and config.get("TWILIO_AUTH_TOKEN")
                    and config.get(self.FROM_SETTING[self.channel]))

    def address(self, number):
        number = number.removeprefix("whatsapp:")
        return f"whatsapp:{number}" if self.channel == "whatsapp" else number

    def request(self, to, text):
        config = self.config
        sid = config["TWILIO_ACCOUNT_SID"]
        base = config["TWILIO_API_BASE"].rstrip("/")
        url = f"{base}/2010-04-01/Accounts/{urllib.parse.quote(sid)}/Messages.json"
        sender = self.address(config[self.FROM_SETTING[self.channel]])
        form = {"From": sender, "To": self.address(to), "Body": text}
        credentials = base64.b64encode(f"{sid}:{config['TWILIO_AUTH_TOKEN']}".encode()).decode("ascii")
        return urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(), method="POST", headers={
            "Authorization": f"Basic {credentials}", "Content-Type": "application/x-www-form-urlencoded"})

    def send(self, to, subject, text):
        """`subject` is unused: a chat message has none. Returns Twilio's message SID."""
        try:
            with urllib.request.urlopen(self.request(to, text), timeout=HTTP_TIMEOUT_SECONDS) as response:
                return json.loads(response.read() or b"{}").get("sid")
        except urllib.error.HTTPError as exc:
            raise DeliveryError(f"Twilio refused the {self.channel} message: HTTP {exc.code}") from exc
        except (OSError, ValueError) as exc:
            raise DeliveryError(f"Twilio could not be reached: {exc}") from exc
