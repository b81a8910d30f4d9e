"""The server's VAPID key pair (RFC 8292): from VAPID_PRIVATE_KEY/VAPID_PUBLIC_KEY, else generated once and
kept in the database, so a fresh install can push with no setup."""
import base64
import re

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app
from py_vapid import Vapid
from sqlalchemy.exc import IntegrityError

from config import ConfigError
from lucine_chatbot.content import system_state
from lucine_chatbot.extensions import db
from lucine_chatbot.models import SystemState

STATE_KEY = "vapid_keys"
EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def public_key_of(vapid):
    """The public key as browsers want it for `applicationServerKey`: the uncompressed P-256 point, base64url."""
    return b64url(vapid.public_key.public_bytes(serialization.Encoding.X962,
                                                serialization.PublicFormat.UncompressedPoint))


def raw_private_key(vapid):
    return b64url(vapid.private_key.private_numbers().private_value.to_bytes(32, "big"))


def from_setting(value):
    """VAPID_PRIVATE_KEY as PEM, or base64url of the raw 32-byte scalar (web-push's format) or of DER."""
    value = value.strip()
    try:
        if value.startswith("-----BEGIN"):
            return Vapid.from_pem(value.encode("ascii"))
        return Vapid.from_string(value)
    except Exception as exc:  # noqa: BLE001 (every parsing failure means the same: a bad setting)
        raise ConfigError(f"VAPID_PRIVATE_KEY is not a P-256 private key ({type(exc).__name__})") from None


def configured_keys(config):
    vapid = from_setting(config["VAPID_PRIVATE_KEY"])
    wanted = config.get("VAPID_PUBLIC_KEY", "").strip()
    if wanted and wanted.rstrip("=") != public_key_of(vapid):
        raise ConfigError("VAPID_PUBLIC_KEY is not the public key of VAPID_PRIVATE_KEY")
    return vapid


def stored_keys():
    """The generated pair, creating it on first use; two processes racing agree on the first one committed."""
    value = system_state.get_value(STATE_KEY)
    if value is None:
        vapid = Vapid()
        vapid.generate_keys()
        try:
            with db.session.begin_nested():
                db.session.add(SystemState(key=STATE_KEY, value={"privateKey": raw_private_key(vapid)}))
            db.session.commit()
        except IntegrityError:
            db.session.rollback()
        value = system_state.get_value(STATE_KEY)
    return Vapid.from_raw(value["privateKey"].encode("ascii"))


def keys():
    """The Vapid signer in use (commits the first time it generates one)."""
    config = current_app.config
    return configured_keys(config) if config.get("VAPID_PRIVATE_KEY") else stored_keys()


def public_key():
    return public_key_of(keys())


def subject():
    """VAPID_SUBJECT, else a mailto: of MAIL_FROM's address, else the public site: push services want a contact."""
    config = current_app.config
    if config.get("VAPID_SUBJECT"):
        return config["VAPID_SUBJECT"]
    found = EMAIL.search(config.get("MAIL_FROM") or "")
    if found:
        return f"mailto:{found.group(0)}"
    return config.get("PUBLIC_BASE_URL") or "https://lucinedinatale.it"


def valid_public_point(p256dh):
    """Whether a subscription's `p256dh` is an uncompressed point on P-256 (RFC 8291 needs one)."""
    try:
        raw = b64url_decode(p256dh)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except (ValueError, TypeError):
        return False
    return len(raw) == 65
