"""Flask extensions, created unbound; `create_app` binds them with `init_app`."""
import functools
import ipaddress

from flask import request
from flask_cors import CORS
from flask_jwt_extended import JWTManager
from flask_limiter import Limiter
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import MetaData
from sqlalchemy.orm import DeclarativeBase

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def client_address():
    """The client IP as ProxyFix left it: X-Forwarded-For counts only through TRUSTED_PROXY_HOPS."""
    return request.remote_addr or "unknown"


def limit_key():
    """Who a per-address rate limit counts: the IPv4 address, or the /64 network of an IPv6 one (a single
    subscriber gets a whole /64 and can walk its 2^64 addresses; counting each would be no limit at all)."""
    address = client_address()
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


db = SQLAlchemy(model_class=Base)
jwt = JWTManager()
# The widget's two hot endpoints (POST /api/chat and the poll) count their own limits in one Redis round trip
# (chats/visitor/visitor_limits.py); Flask-Limiter counts everything else.
SELF_LIMITED_ENDPOINTS = frozenset({"chat.post_chat", "chat.poll_chat"})


class AppLimiter(Limiter):
    """Flask-Limiter, minus its per-request bookkeeping on the endpoints that count their own limits: even
    for an exempt request its before_request hook resolved the view, its exemptions and an empty limit list
    (~9 % of a poll's CPU), and its after_request and teardown hooks built and cleared a per-request context
    (~3 %). The names below are Flask-Limiter 4.1's (pinned); tests/security/limits/test_rate_limits.py checks
    that other endpoints still get its headers and the self-limited ones never reach it."""

    def init_app(self, app):
        super().init_app(app)
        hooks = app.after_request_funcs.setdefault(None, [])
        for index, hook in enumerate(hooks):  # Flask-Limiter registers partial(Limiter.__inject_headers, self)
            if isinstance(hook, functools.partial) and hook.args == (self,):
                hooks[index] = functools.partial(_unless_self_limited, hook)

    def _check_request_limit(self, callable_name=None, in_middleware=True):
        if request.endpoint in SELF_LIMITED_ENDPOINTS:
            return None
        return super()._check_request_limit(callable_name, in_middleware)

    def _Limiter__release_context(self, error=None):  # the teardown hook (Limiter.__release_context)
        if request.endpoint not in SELF_LIMITED_ENDPOINTS:
            super()._Limiter__release_context(error)


def _unless_self_limited(inject_headers, response):
    return response if request.endpoint in SELF_LIMITED_ENDPOINTS else inject_headers(response)


limiter = AppLimiter(key_func=limit_key)
cors = CORS()
