"""Email over SMTP (smtplib), with STARTTLS when SMTP_STARTTLS is on."""
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from lucine_chatbot.notifications.base import DeliveryError, Notifier

SMTP_TIMEOUT_SECONDS = 15  # shorter than the notification jobs' timeout


class SmtpNotifier(Notifier):
    channel = "email"

    @property
    def enabled(self):
        return bool(self.config.get("SMTP_HOST") and self.config.get("MAIL_FROM"))

    def build(self, to, subject, text):
        message = EmailMessage()
        message["From"] = self.config["MAIL_FROM"]
        message["To"] = ", ".join(to) if isinstance(to, (list, tuple)) else to
        message["Subject"] = subject
        message["Message-ID"] = make_msgid(domain="lucinedinatale.it")
        message.set_content(text)
        return message

    def send(self, to, subject, text):
        config = self.config
        try:
            with smtplib.SMTP(config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=SMTP_TIMEOUT_SECONDS) as smtp:
                if config.get("SMTP_STARTTLS"):
                    smtp.starttls(context=ssl.create_default_context())
                if config.get("SMTP_USER"):
                    smtp.login(config["SMTP_USER"], config.get("SMTP_PASSWORD", ""))
                smtp.send_message(self.build(to, subject, text))
        except (OSError, smtplib.SMTPException) as exc:
            raise DeliveryError(f"SMTP delivery to {config['SMTP_HOST']} failed: {exc}") from exc
