"""A local push service for the tests: it checks what a real one would (the VAPID JWT, RFC 8292) and decrypts
the payload as the browser would (aes128gcm, RFC 8291) with the keys of the subscriptions it handed out."""
import base64
import json
import secrets
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from .receivers import ServedInBackground


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_vapid(authorization, audience):
    """The claims of `vapid t=<JWT>, k=<key>` once the ES256 signature checks out with `k`; raises otherwise."""
    scheme, _, params = authorization.partition(" ")
    assert scheme == "vapid", authorization
    fields = dict(part.strip().split("=", 1) for part in params.split(","))
    token, key = fields["t"], fields["k"]
    header_b64, claims_b64, signature_b64 = token.split(".")
    header = json.loads(unb64url(header_b64))
    assert header["alg"] == "ES256" and header.get("typ", "JWT") == "JWT", header
    public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key))
    raw = unb64url(signature_b64)
    assert len(raw) == 64, "ES256 signatures are r||s, 64 bytes"
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    public_key.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))  # InvalidSignature
    claims = json.loads(unb64url(claims_b64))
    assert claims["aud"] == audience, (claims["aud"], audience)
    assert time.time() < claims["exp"] <= time.time() + 24 * 3600, claims  # RFC 8292 §2: at most 24 hours
    assert claims.get("sub", "").startswith(("mailto:", "https:")), claims
    return claims, key


class PushService(ServedInBackground):
    """Hands out subscriptions (`subscribe()`), answers pushes with each one's status, keeps what it decrypted."""

    def __init__(self):
        self.received = []
        self.refused = []
        self.status = {}
        self.keys = {}
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = service.handle(self.path, dict(self.headers), body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_address[1]}"

    def subscribe(self, status=201):
        """A PushSubscription JSON as a browser's `toJSON()` gives it, with a fresh key pair and auth secret."""
        token = secrets.token_urlsafe(16)
        private_key = ec.generate_private_key(ec.SECP256R1())
        auth = secrets.token_bytes(16)
        self.keys[token] = (private_key, auth)
        self.status[token] = status
        point = private_key.public_key().public_bytes(serialization.Encoding.X962,
                                                      serialization.PublicFormat.UncompressedPoint)
        return {"endpoint": f"{self.origin}/push/{token}", "expirationTime": None,
                "keys": {"p256dh": b64url(point), "auth": b64url(auth)}}

    def handle(self, path, headers, body):
        token = path.rsplit("/", 1)[-1]
        headers = {name.lower(): value for name, value in headers.items()}
        try:
            claims, key = verify_vapid(headers["authorization"], self.origin)
            private_key, auth = self.keys[token]
            assert headers.get("content-encoding") == "aes128gcm", headers
            plain = http_ece.decrypt(body, private_key=private_key, auth_secret=auth, version="aes128gcm")
        except (AssertionError, InvalidSignature, KeyError, ValueError) as exc:
            self.refused.append({"path": path, "error": repr(exc)})
            return 400
        self.received.append({"token": token, "payload": json.loads(plain), "claims": claims, "key": key,
                              "ttl": int(headers["ttl"]), "urgency": headers.get("urgency")})
        return self.status[token]

    def payloads(self):
        return [item["payload"] for item in self.received]

    def wait_for(self, count, timeout=10):
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.received

