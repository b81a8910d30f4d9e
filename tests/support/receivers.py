"""Local receivers for what the app sends out: an SMTP server (aiosmtpd) and an HTTP server (webhooks, Twilio)."""
import json
import socket
import threading
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MailBox:
    """aiosmtpd handler: keeps every message it is handed."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        mail = message_from_bytes(envelope.content, policy=policy.default)
        self.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "mail": mail,
                              "subject": mail["Subject"], "text": mail.get_content()})
        return "250 OK"


class SmtpServer:
    def __init__(self):
        self.box = MailBox()
        self.port = free_port()
        self.controller = Controller(self.box, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self):
        return self.box.messages

    def __enter__(self):
        self.controller.start()
        return self

    def __exit__(self, *exc):
        self.controller.stop()


class ServedInBackground:
    """`with` starts `self.server` (a socketserver) on a daemon thread and shuts it down after."""

    def __enter__(self):
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class HttpServer(ServedInBackground):
    """Records every request; answers with `status` and a small JSON body (Twilio-like)."""

    def __init__(self, status=201):
        self.requests = []
        self.status = status
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                payload = json.dumps({"sid": f"SM{len(receiver.requests)}"}).encode()
                self.send_response(receiver.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
