"""The widget's files on the shop: a small loader at the stable URL, content-hashed copies cached for a year."""
import functools
import gzip
import hashlib
import json
import logging
import os
import re
import tempfile
import threading
from email.utils import parseaddr
from pathlib import Path

import sqlalchemy as sa
from flask import Blueprint, current_app, make_response, render_template, request
from whitenoise import WhiteNoise
from whitenoise.compress import Compressor, brotli_installed

from lucine_chatbot.content import recent
from lucine_chatbot.extensions import db, limiter
from lucine_chatbot.models import KnowledgeItem

logger = logging.getLogger(__name__)

bp = Blueprint("widget_assets", __name__)

SOURCES = {"js": "widget/lucine-chat.js", "css": "widget/lucine-chat.css"}
LOADER_MAX_AGE = 300  # a shopper's next page views within 5 minutes ask the backend nothing
EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
PHONE_RE = re.compile(r"\+\d[\d .]{6,18}\d")


class HashedFiles(WhiteNoise):
    """WhiteNoise for files whose names carry their content's hash: `immutable`, for a year (the customary
    "never expires", HTTP/1.1's old ceiling for Expires; WhiteNoise's own default is ten years)."""

    FOREVER = 365 * 24 * 60 * 60


class WidgetAssets:
    """Hashed, gzip- and brotli-compressed copies of the widget's script and stylesheet, made at start in a
    folder WhiteNoise serves under /static/; made again if a source changes (a developer editing the widget)."""

    def __init__(self, static_folder, build_folder, url_prefix):
        self.static_folder = Path(static_folder)
        self.build_folder = Path(build_folder)
        self.url_prefix = url_prefix.rstrip("/") + "/"
        self.server = None
        self._stamps = None
        self._urls = {}
        self._lock = threading.Lock()

    def wrap(self, wsgi_app):
        self.urls()
        self.server = HashedFiles(wsgi_app, root=self.build_folder, prefix=self.url_prefix,
                                  immutable_file_test=lambda _path, _url: True)
        return self.server

    def urls(self):
        """{"js": "/static/widget/lucine-chat.<hash>.js", "css": …}, current with the sources."""
        stamps = {kind: source_stamp(self.static_folder / name) for kind, name in SOURCES.items()}
        if stamps != self._stamps:
            with self._lock:
                self._urls = {kind: self.url_prefix + build_copy(self.static_folder, self.build_folder, name)
                              for kind, name in SOURCES.items()}
                self._stamps = stamps
                if self.server is not None:
                    self.server.add_files(self.build_folder, self.url_prefix)
        return self._urls


def source_stamp(path):
    stat = os.stat(path)
    return stat.st_mtime_ns, stat.st_size


def hashed_name(name, content):
    stem, _, extension = name.rpartition(".")
    return f"{stem}.{hashlib.sha256(content).hexdigest()[:12]}.{extension}"


def build_copy(static_folder, build_folder, name):
    """Write `name`'s hashed copy and its .gz/.br next to it; returns the copy's name relative to the folder."""
    content = (static_folder / name).read_bytes()
    copy_name = hashed_name(name, content)
    target = build_folder / copy_name
    target.parent.mkdir(parents=True, exist_ok=True)
    write_once(target, lambda: content)
    write_once(target.with_name(target.name + ".gz"), lambda: Compressor.compress_gzip(content))
    if brotli_installed:
        write_once(target.with_name(target.name + ".br"), lambda: Compressor.compress_brotli(content))
    return copy_name


def write_once(path, produce):
    """The name holds the content's hash, so an existing file is already right. Written under another name
    and renamed: a second process starting at the same moment never serves half a file."""
    if path.exists():
        return
    partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    partial.write_bytes(produce())
    os.replace(partial, path)


def build_folder(app):
    folder = Path(app.instance_path) / "static-build"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        return folder
    except OSError:  # a read-only instance folder: the copies are rebuilt at every start anyway
        return Path(tempfile.mkdtemp(prefix="lucine-static-"))


def staff_contacts():
    """How else to reach the staff, for a shopper whose chat cannot reach us: the first e-mail address and
    international phone number in the KB's active `contacts` items; the e-mail of MAIL_FROM otherwise. Every
    shopper's first page view in 5 minutes asks for the loader: the KB is read at most every KB_RECHECK_SECONDS
    per process (content/recent.py), as the assistant reads it."""
    text = "\n".join(recent.value("widget-contacts", contact_answers))
    email = EMAIL_RE.search(text)
    phone = PHONE_RE.search(text)
    return {"email": email.group(0) if email else parseaddr(current_app.config.get("MAIL_FROM", ""))[1] or None,
            "phone": phone.group(0) if phone else None}


def contact_answers():
    try:
        return db.session.scalars(
            sa.select(KnowledgeItem.answer)
            .where(KnowledgeItem.is_active.is_(True), KnowledgeItem.category == "contacts")
            .order_by(KnowledgeItem.slug, KnowledgeItem.language)).all()
    except sa.exc.SQLAlchemyError:
        db.session.rollback()
        logger.warning("knowledge base unreachable: the widget loader offers MAIL_FROM's address only")
        return []


@bp.get("/static/widget/lucine-chat.js")
@limiter.exempt
def get_widget_loader():
    """The URL merchants paste (API.md): a small loader, fresh for 5 minutes, that starts the hashed script and
    stylesheet together and knows the staff's contacts for when the backend is down."""
    settings = {**current_app.extensions["widget_assets"].urls(), "contact": staff_contacts()}
    gzipped = request.accept_encodings["gzip"] > 0
    response = make_response(loader_body(json.dumps(settings, sort_keys=True), gzipped))
    response.mimetype = "text/javascript"
    if gzipped:
        response.content_encoding = "gzip"
    response.vary.add("Accept-Encoding")
    response.cache_control.public = True
    response.cache_control.max_age = LOADER_MAX_AGE
    response.add_etag()
    return response.make_conditional(request)


@functools.lru_cache(maxsize=16)
def loader_body(settings_json, gzipped):
    """The loader's bytes for these settings: rendered and compressed once, not at every request (the
    response is dynamic, so WhiteNoise cannot compress it ahead)."""
    body = render_template("widget/loader.js", settings=json.loads(settings_json)).encode()
    return gzip.compress(body, mtime=0) if gzipped else body


def init_app(app):
    """Serve the hashed copies through WhiteNoise (inside the security headers' middleware: call this before
    `security.init_app`) and the loader at the stable URL."""
    assets = WidgetAssets(app.static_folder, build_folder(app), app.static_url_path)
    app.wsgi_app = assets.wrap(app.wsgi_app)
    app.extensions["widget_assets"] = assets
    app.register_blueprint(bp)
