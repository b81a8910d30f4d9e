"""Settings: every number of the service is here, read from the environment once, typed."""
import os
import secrets
from datetime import timedelta
from pathlib import Path

ENVIRONMENTS = ("development", "testing", "production")
REQUIRED_IN_PRODUCTION = ("SECRET_KEY", "JWT_SECRET_KEY")
# The push services of Chrome/Android/Opera/Samsung (FCM), Firefox (autopush), Safari (Apple) and Edge (WNS).
DEFAULT_PUSH_SERVICE_HOSTS = ("fcm.googleapis.com", "android.googleapis.com", "updates.push.services.mozilla.com",
                              "web.push.apple.com", "*.notify.windows.com")


class ConfigError(RuntimeError):
    """The configuration cannot work; the message names what is missing."""


def _int(env, name, default):
    raw = env.get(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def _bool(env, name, default):
    raw = env.get(name)
    if raw in (None, ""):
        return default
    return raw.strip().lower() in ("1", "true", "yes", "on")


def _list(env, name):
    return [item.strip() for item in env.get(name, "").split(",") if item.strip()]


def _countries(env, name, default):
    """ISO 3166 alpha-2 codes that lucine_chatbot/data/calling_codes.py knows, or `*`; upper-cased."""
    from lucine_chatbot.data.calling_codes import ANY_COUNTRY, CALLING_CODES

    codes = [code.upper() for code in _list(env, name)] or list(default)
    unknown = [code for code in codes if code != ANY_COUNTRY and code not in CALLING_CODES]
    if unknown:
        raise ConfigError(f"{name} has codes without a known calling code: {', '.join(unknown)} "
                          f"(known: {', '.join(sorted(CALLING_CODES))}, or * for any)")
    return codes


def normalise_database_url(url):
    """Render hands out `postgres://`; SQLAlchemy wants a dialect it knows, with the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class BaseConfig:
    """Defaults shared by every environment; `from_env` overlays the environment."""

    APP_ENV = "development"
    DEBUG = False
    TESTING = False
    MAX_CONTENT_LENGTH = 64 * 1024
    SQLALCHEMY_ENGINE_OPTIONS = {}
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    # A pooled connection idle longer than this is pinged before use (app.configure_pool); a busy one is not.
    DB_PING_IDLE_SECONDS = 5

    # Conversation timings
    SWEEP_INTERVAL_SECONDS = 60
    IDLE_AFTER_SECONDS = 600
    WAITING_CLIENT_AFTER_SECONDS = 600
    END_AFTER_SECONDS = 1800
    QUEUE_MAX_WAIT_SECONDS = 300
    QUEUE_MAX_LENGTH = 10
    OPERATOR_REPLY_TIMEOUT_SECONDS = 180
    OPERATOR_HOURS = ""
    EVENT_TIMEZONE = "Europe/Rome"
    MAX_MESSAGE_LENGTH = 1000

    # Assistant
    OPENAI_API_KEY = ""
    OPENAI_MODEL = "gpt-4.1-mini"
    OPENAI_BASE_URL = ""
    AI_TIMEOUT_SECONDS = 20
    AI_MAX_RETRIES = 2
    AI_TEMPERATURE = 0.3
    AI_MAX_TOKENS = 400
    AI_HISTORY_MESSAGES = 10
    # At peak: LLM calls one worker service runs at once (replies/s ≈ AI_CONCURRENCY ÷ LLM
    # latency); every accepted visitor message has a reply within the deadline (offline past it); a streamed
    # answer's text so far is refreshed for the poll's `draft` this often.
    AI_CONCURRENCY = 16
    AI_REPLY_DEADLINE_SECONDS = 20
    AI_DRAFT_INTERVAL_SECONDS = 0.3
    # The knowledge base's change stamp and the calendar, read by every AI reply, are re-read at most this often
    # per process (content/recent.py): another process's edit reaches the assistant within it.
    KB_RECHECK_SECONDS = 1.0
    # Cost abuse: after this many LLM answers in one chat, offline answers and the offer of a human.
    AI_MAX_REPLIES_PER_CHAT = 40

    # Operators
    MAX_CHATS_PER_OPERATOR = 5
    BCRYPT_ROUNDS = 12
    JWT_ACCESS_TOKEN_EXPIRES = timedelta(hours=8)
    JWT_TOKEN_LOCATION = ["headers", "cookies"]
    JWT_COOKIE_SECURE = False
    JWT_COOKIE_SAMESITE = "Strict"
    JWT_COOKIE_CSRF_PROTECT = True
    JWT_SESSION_COOKIE = True
    ADMIN_USERNAME = "admin"
    ADMIN_PASSWORD = ""

    # Jobs
    REDIS_URL = ""
    JOB_TIMEOUT_AI_SECONDS = 60
    JOB_TIMEOUT_DEFAULT_SECONDS = 300

    # Security
    TRUSTED_PROXY_HOPS = 0
    # A monitor that sends this in `X-Health-Token` gets /api/health's details (docs/security.md); empty: only
    # operators do. Render's own check reads the status code only and needs nothing.
    HEALTH_CHECK_TOKEN = ""
    CORS_ORIGINS = []
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    RATELIMIT_STORAGE_URI = "memory://"
    # Redis down must not turn into 500s: count in process memory until it is back (docs/security.md).
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 1, "socket_timeout": 1}
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    RATE_LIMIT_CHAT = "20/minute"
    RATE_LIMIT_POLL = "120/minute"
    RATE_LIMIT_LOGIN = "5/minute"
    RATE_LIMIT_LOGIN_IP = "30/minute"
    # The poll's flood guard per address, when the database is asked: generous, because one address is often many
    # visitors (a carrier's NAT, a school trip on one Wi-Fi); each session has its own RATE_LIMIT_POLL.
    RATE_LIMIT_POLL_ADDRESS = "1200/minute"
    RATE_LIMIT_LOGIN_ACCOUNT = "30/hour"  # one account, from every address together (a distributed guesser)
    RATE_LIMIT_TICKET = "5/minute"
    RATE_LIMIT_DEFAULT = "300/minute"

    # Privacy
    ANALYTICS_RETENTION_DAYS = 90
    CHAT_RETENTION_DAYS = 365
    # The audit log (who read which conversation, from which address) lives as long as the conversations.
    AUDIT_RETENTION_DAYS = 365

    # Notifications
    PUBLIC_BASE_URL = ""
    SMTP_HOST = ""
    SMTP_PORT = 587
    SMTP_USER = ""
    SMTP_PASSWORD = ""
    SMTP_STARTTLS = True
    MAIL_FROM = "Lucine di Natale <info@lucinedinatale.it>"
    ADMIN_ALERT_EMAILS = []
    TWILIO_ACCOUNT_SID = ""
    TWILIO_AUTH_TOKEN = ""
    TWILIO_WHATSAPP_FROM = ""
    TWILIO_SMS_FROM = ""
    TWILIO_API_BASE = "https://api.twilio.com"
    # Cost limits on WhatsApp/SMS (docs/tickets-and-notifications.md): the visitors of an event in Italy come from
    # Italy and its neighbours; a number elsewhere is refused at ticket creation (422, leave an email instead).
    # 200 messages a day is ten times a busy evening's tickets; past it, email when possible, and admins alerted.
    SMS_ALLOWED_COUNTRIES = ["IT", "CH", "DE", "AT", "FR"]
    SMS_DAILY_CAP = 200
    WEBHOOK_URLS = []
    WEBHOOK_SECRET = ""

    # Web Push to operators' devices. Without keys, a pair is generated once and kept in
    # the database (push/vapid.py). Subscriptions are accepted only on these push services' hosts
    # ("*.x" = any subdomain of x); plain http only for loopback hosts listed here (tests).
    VAPID_PUBLIC_KEY = ""
    VAPID_PRIVATE_KEY = ""
    VAPID_SUBJECT = ""
    PUSH_SERVICE_HOSTS = list(DEFAULT_PUSH_SERVICE_HOSTS)

    # Embedded default: migrate, seed and start the sweep thread when `flask run` serves.
    EMBEDDED_SETUP = True
    LOG_LEVEL = "INFO"

    _STRINGS = (
        "SECRET_KEY", "JWT_SECRET_KEY", "OPENAI_API_KEY", "OPENAI_MODEL", "OPENAI_BASE_URL",
        "ADMIN_USERNAME", "ADMIN_PASSWORD", "REDIS_URL", "OPERATOR_HOURS", "EVENT_TIMEZONE",
        "RATE_LIMIT_CHAT", "RATE_LIMIT_POLL", "RATE_LIMIT_LOGIN", "RATE_LIMIT_LOGIN_IP", "RATE_LIMIT_LOGIN_ACCOUNT",
        "RATE_LIMIT_POLL_ADDRESS", "RATE_LIMIT_TICKET",
        "RATE_LIMIT_DEFAULT", "PUBLIC_BASE_URL", "SMTP_HOST", "SMTP_USER", "SMTP_PASSWORD", "MAIL_FROM",
        "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "TWILIO_WHATSAPP_FROM", "TWILIO_SMS_FROM",
        "TWILIO_API_BASE", "WEBHOOK_SECRET", "LOG_LEVEL", "VAPID_PUBLIC_KEY", "VAPID_PRIVATE_KEY",
        "VAPID_SUBJECT", "HEALTH_CHECK_TOKEN",
    )
    _INTS = (
        "SWEEP_INTERVAL_SECONDS", "IDLE_AFTER_SECONDS", "WAITING_CLIENT_AFTER_SECONDS", "END_AFTER_SECONDS",
        "QUEUE_MAX_WAIT_SECONDS", "QUEUE_MAX_LENGTH", "OPERATOR_REPLY_TIMEOUT_SECONDS", "MAX_MESSAGE_LENGTH",
        "AI_TIMEOUT_SECONDS", "AI_MAX_RETRIES", "AI_MAX_TOKENS", "AI_HISTORY_MESSAGES",
        "MAX_CHATS_PER_OPERATOR", "BCRYPT_ROUNDS", "TRUSTED_PROXY_HOPS", "ANALYTICS_RETENTION_DAYS",
        "CHAT_RETENTION_DAYS", "SMTP_PORT", "JOB_TIMEOUT_AI_SECONDS", "JOB_TIMEOUT_DEFAULT_SECONDS",
        "DB_PING_IDLE_SECONDS", "AI_CONCURRENCY", "AI_REPLY_DEADLINE_SECONDS",
        "AI_MAX_REPLIES_PER_CHAT", "SMS_DAILY_CAP", "AUDIT_RETENTION_DAYS",
    )
    _LISTS = ("CORS_ORIGINS", "ADMIN_ALERT_EMAILS", "WEBHOOK_URLS", "PUSH_SERVICE_HOSTS")

    @classmethod
    def from_env(cls, env=None):
        """The settings of this environment class with the process environment laid over them."""
        env = os.environ if env is None else env
        settings = {key: getattr(cls, key) for key in dir(cls) if key.isupper()}
        settings.update({k: env[k] for k in cls._STRINGS if env.get(k) not in (None, "")})
        settings.update({k: _int(env, k, settings[k]) for k in cls._INTS})
        settings.update({k: _list(env, k) for k in cls._LISTS if env.get(k)})
        settings["AI_TEMPERATURE"] = float(env.get("AI_TEMPERATURE") or cls.AI_TEMPERATURE)
        settings["AI_DRAFT_INTERVAL_SECONDS"] = float(env.get("AI_DRAFT_INTERVAL_SECONDS")
                                                      or cls.AI_DRAFT_INTERVAL_SECONDS)
        settings["KB_RECHECK_SECONDS"] = float(env.get("KB_RECHECK_SECONDS") or cls.KB_RECHECK_SECONDS)
        settings["SMS_ALLOWED_COUNTRIES"] = _countries(env, "SMS_ALLOWED_COUNTRIES", cls.SMS_ALLOWED_COUNTRIES)
        settings["SMTP_STARTTLS"] = _bool(env, "SMTP_STARTTLS", cls.SMTP_STARTTLS)
        settings["RATELIMIT_ENABLED"] = _bool(env, "RATELIMIT_ENABLED", cls.RATELIMIT_ENABLED)
        settings["EMBEDDED_SETUP"] = _bool(env, "EMBEDDED_SETUP", cls.EMBEDDED_SETUP)
        if "pool_size" in settings["SQLALCHEMY_ENGINE_OPTIONS"]:
            settings["SQLALCHEMY_ENGINE_OPTIONS"] = {
                **settings["SQLALCHEMY_ENGINE_OPTIONS"],
                "pool_size": _int(env, "DB_POOL_SIZE", settings["SQLALCHEMY_ENGINE_OPTIONS"]["pool_size"]),
                "max_overflow": _int(env, "DB_MAX_OVERFLOW", settings["SQLALCHEMY_ENGINE_OPTIONS"]["max_overflow"])}
        if env.get("DATABASE_URL"):
            settings["SQLALCHEMY_DATABASE_URI"] = normalise_database_url(env["DATABASE_URL"])
        return settings


class DevelopmentConfig(BaseConfig):
    APP_ENV = "development"


class TestingConfig(BaseConfig):
    APP_ENV = "testing"
    TESTING = True
    BCRYPT_ROUNDS = 4
    EMBEDDED_SETUP = False
    SECRET_KEY = "testing-secret-key-not-for-production"
    JWT_SECRET_KEY = "testing-jwt-secret-key-not-for-production-0123456789"
    RATE_LIMIT_DEFAULT = "10000/minute"
    DB_PING_IDLE_SECONDS = 0  # fault tests kill the suite's connections between requests
    # Most tests run inside one outer transaction on one connection, which jobs in parallel threads can't share;
    # the tests of concurrency (real_db) ask build_worker for theirs.
    AI_CONCURRENCY = 1
    # Tests write the knowledge base and the calendar straight into the database and ask at once.
    KB_RECHECK_SECONDS = 0.0


class ProductionConfig(BaseConfig):
    APP_ENV = "production"
    EMBEDDED_SETUP = False
    JWT_COOKIE_SECURE = True
    SESSION_COOKIE_SECURE = True
    # A sync gunicorn worker or an RQ work-horse holds one connection at a time; the budget against Render's
    # connection limit is in docs/deploy.md. DB_POOL_SIZE / DB_MAX_OVERFLOW override it.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_size": 2, "max_overflow": 1, "pool_timeout": 10, "pool_recycle": 1800}


CONFIGS = {"development": DevelopmentConfig, "testing": TestingConfig, "production": ProductionConfig}


def load_config(name=None, env=None, instance_path=None):
    """Resolve `APP_ENV`, read the environment and check what production needs; returns a dict."""
    env = os.environ if env is None else env
    name = name or env.get("APP_ENV") or _default_environment(env)
    if name not in CONFIGS:
        raise ConfigError(f"APP_ENV must be one of {', '.join(ENVIRONMENTS)}, got {name!r}")
    settings = CONFIGS[name].from_env(env)
    settings.setdefault("SQLALCHEMY_DATABASE_URI", _default_database_url(instance_path))
    if settings["REDIS_URL"]:
        settings["RATELIMIT_STORAGE_URI"] = settings["REDIS_URL"]
    if settings["VAPID_PUBLIC_KEY"] and not settings["VAPID_PRIVATE_KEY"]:
        raise ConfigError("VAPID_PUBLIC_KEY is set without VAPID_PRIVATE_KEY: push needs the key pair")
    if name == "production":
        missing = [key for key in REQUIRED_IN_PRODUCTION if not settings.get(key)]
        if missing:
            raise ConfigError(f"production needs {' and '.join(missing)} in the environment")
    else:
        _fill_development_secrets(settings, instance_path)
    return settings


def _default_environment(env):
    """`development` when APP_ENV is not set, except under gunicorn: a server started for real with no APP_ENV
    (a forgotten variable, a new host) would otherwise run with development settings — SQLite, generated
    secrets, no secure cookies — and look healthy. It refuses to start instead; `flask --app wsgi run` and the
    CLI keep the development default (docs/deploy.md)."""
    if env.get("SERVER_SOFTWARE", "").startswith("gunicorn/"):  # set by gunicorn's arbiter before it loads us
        raise ConfigError("APP_ENV is not set and gunicorn is serving: set APP_ENV=production (or "
                          "APP_ENV=development to serve development settings with gunicorn on purpose)")
    return "development"


def _default_database_url(instance_path):
    folder = Path(instance_path or "instance")
    return f"sqlite:///{(folder / 'lucine.sqlite3').resolve()}"


def _fill_development_secrets(settings, instance_path):
    """Outside production a missing secret is generated once and kept in the instance folder."""
    missing = [key for key in REQUIRED_IN_PRODUCTION if not settings.get(key)]
    if not missing:
        return
    folder = Path(instance_path or "instance")
    folder.mkdir(parents=True, exist_ok=True)
    for key in missing:
        path = folder / f".{key.lower()}"
        if not path.exists():
            path.write_text(secrets.token_urlsafe(48))
            path.chmod(0o600)
        settings[key] = path.read_text().strip()
