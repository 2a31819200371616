"""Configuration, read from environment variables.

`create_app()` picks a class by `PLENARY_ENV` (development, testing,
production); a dict passed to the factory overrides any value, which is how
the tests point the app at their own database and SMTP server.
"""

import os

DEFAULT_SECRET_KEY = "dev-only-secret-key-change-me"  # noqa: S105 - refused in production


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    # None means "SQLite in the instance folder", resolved in the factory.
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}

    # Forms are small; anything bigger is an abuse of the endpoint.
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", 1024 * 1024))
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the browser session

    # Mail: with no MAIL_SERVER, messages are written as .eml files under
    # instance/mail/ instead of being sent.
    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = int(os.environ.get("MAIL_PORT", 25))
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_USE_SSL = _bool("MAIL_USE_SSL")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_DEFAULT_SENDER = os.environ.get(
        "MAIL_DEFAULT_SENDER", "Khartoum Process Secretariat <secretariat@plenary.example.org>"
    )
    MAIL_MAX_EMAILS = int(os.environ.get("MAIL_MAX_EMAILS", 1000))  # then reconnect
    MAIL_TIMEOUT = float(os.environ.get("MAIL_TIMEOUT", 30))  # seconds, per SMTP operation
    MAIL_RATE_PER_MINUTE = int(os.environ.get("MAIL_RATE_PER_MINUTE", 0))  # 0: no limit
    MAIL_SUPPRESS_SEND = False
    MAIL_DIR = os.environ.get("MAIL_DIR")  # default: <instance>/mail
    OUTBOX_BATCH_SIZE = int(os.environ.get("OUTBOX_BATCH_SIZE", 500))
    OUTBOX_MAX_ATTEMPTS = int(os.environ.get("OUTBOX_MAX_ATTEMPTS", 8))
    OUTBOX_CLAIM_SECONDS = int(os.environ.get("OUTBOX_CLAIM_SECONDS", 300))

    # Job queue: SQLite file in the instance folder unless REDIS_URL is set.
    REDIS_URL = os.environ.get("REDIS_URL") or None

    # The address links in emails point at (no request exists in the worker).
    BASE_URL = os.environ.get("BASE_URL", "http://127.0.0.1:5000")
    PROGRAMME_NAME = os.environ.get("PROGRAMME_NAME", "Khartoum Process")
    PROGRAMME_ADDRESS = os.environ.get(
        "PROGRAMME_ADDRESS", "Khartoum Process Secretariat, Gonzagagasse 1, 1010 Vienna, Austria"
    )
    DOCUMENTS_DIR = os.environ.get("DOCUMENTS_DIR")  # default: <instance>/documents

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    # Languages a delegate can choose for correspondence...
    LANGUAGES = {"en": "English", "fr": "Français", "ar": "العربية"}
    # ...and those the interface has catalogues for (more come with translations).
    UI_LANGUAGES = ["en"]

    # How many reverse proxies stand in front (their X-Forwarded-* headers are trusted).
    PROXY_COUNT = int(os.environ.get("PROXY_COUNT", 0))

    # "json" (one object a line, for log collectors) or "text".
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text")
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO")
    LOG_REQUESTS = _bool("LOG_REQUESTS", True)

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # A console session ends after this long without a request...
    PERMANENT_SESSION_LIFETIME = int(os.environ.get("CONSOLE_IDLE_MINUTES", 120)) * 60
    # ...and after this long in any case.
    CONSOLE_SESSION_MAX_HOURS = int(os.environ.get("CONSOLE_SESSION_MAX_HOURS", 12))

    # Rate limits: counted in memory per process unless Redis is configured.
    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI") or REDIS_URL or "memory://"
    RATELIMIT_ENABLED = _bool("RATELIMIT_ENABLED", True)
    RATELIMIT_HEADERS_ENABLED = True
    PASSWORD_HASH_METHOD = "scrypt"  # noqa: S105 - a hashing scheme, not a password
    DEMO_ACCOUNTS = False
    # Failed sign-ins allowed per account and per address.
    LOGIN_FAILURE_LIMIT = os.environ.get("LOGIN_FAILURE_LIMIT", "5 per minute")

    # Documents organisers upload: the largest accepted, in bytes.
    MAX_DOCUMENT_BYTES = int(os.environ.get("MAX_DOCUMENT_BYTES", 20 * 1024 * 1024))


class DevelopmentConfig(Config):
    # `flask seed-demo` adds one console account per role (see the README).
    DEMO_ACCOUNTS = _bool("DEMO_ACCOUNTS", True)


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-secret-key"  # noqa: S105
    # Flask-Mail would otherwise swallow every message while TESTING is on.
    MAIL_SUPPRESS_SEND = False
    # Still scrypt, with a small work factor: the suite signs in hundreds of times.
    PASSWORD_HASH_METHOD = "scrypt:1024:8:1"  # noqa: S105


class ProductionConfig(Config):
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
    SESSION_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
