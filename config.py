"""Configuration, read from environment variables.

`create_app()` picks a class by `PLENARY_ENV` (development, testing,
production); a dict passed to the factory overrides any value, which is how
the tests point the app at their own database and SMTP server.
"""

import os
from pathlib import Path

# Where the instance's own files live (the SQLite database, the job queue, uploads, mail files,
# logs): PLENARY_INSTANCE_DIR, or instance/ beside the code.
INSTANCE_DIR = Path(os.environ.get("PLENARY_INSTANCE_DIR") or Path(__file__).resolve().parent / "instance")

DEFAULT_SECRET_KEY = "dev-only-secret-key-change-me"  # noqa: S105 - refused in production


# Production refuses a SECRET_KEY that is short, made of few characters, or public: every key
# written in this repository (its code, tests, benchmarks and examples, now or before) is listed
# here. A fixed list rather than a scan at start-up: an installation need not hold the tests,
# the docs or the history, and reading them at every start would be slow. The list is kept
# whole by tests/test_config_and_formatting.py, which scans the tracked files for keys.
def local_base_url(host: str | None, port: str | None) -> str:
    """Where a development server listens, as a link can reach it: a wildcard address is this
    machine."""
    if not host or host in ("0.0.0.0", "::", "[::]"):  # noqa: S104 - naming it, not binding it
        host = "127.0.0.1"
    return f"http://{host}:{port or 5000}"


MIN_SECRET_KEY_LENGTH = 32
MIN_SECRET_KEY_CHARACTERS = 8  # different ones: "x" * 40 is no secret
PUBLIC_SECRET_KEYS = frozenset(
    {
        DEFAULT_SECRET_KEY,
        "testing-secret-key",
        "another-secret-key",
        "someone-elses-key",
        "scale-test-secret-key",
        "change-me-to-64-random-characters",
        "bench-registration-secret-key-0123456789abcdef",
        "a-long-random-production-secret-key",
        "a-long-random-value-from-the-environment",
        "a-long-random-production-secret-for-this-test",
    }
)


def secret_key_weakness(key: str | None) -> str | None:
    """Why `key` must not sign production's sessions and links, or None if it may."""
    key = (key or "").strip()
    if key in PUBLIC_SECRET_KEYS:
        return "is written in Plenary's repository: anyone can read it"
    if len(key) < MIN_SECRET_KEY_LENGTH:
        return f"is too short ({len(key)} characters): it needs at least {MIN_SECRET_KEY_LENGTH} characters"
    if len(set(key)) < MIN_SECRET_KEY_CHARACTERS:
        return f"has too few different characters ({len(set(key))}): it must be random"
    return None


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def port_list(name: str, text: str | None) -> list[int]:
    """The TCP ports listed in `text` (space- or comma-separated), each once, in order."""
    ports = set()
    for item in (text or "").replace(",", " ").split():
        if not item.isdigit() or not 1 <= int(item) <= 65535:
            raise ValueError(f"{name}: {item!r} is not a port number (1 to 65535)")
        ports.add(int(item))
    return sorted(ports)


class Config:
    SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
    # None means "SQLite in the instance folder", resolved in the factory.
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    # The connection used last is the next one given: its page cache is warm, and so are the
    # summaries' figures kept for it (see services/reporting/summaries.py).
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True, "pool_use_lifo": True}

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
    # Without BASE_URL, the address `make run` serves on (HOST and PORT, as `PORT=5101 make run`).
    BASE_URL = os.environ.get("BASE_URL") or local_base_url(os.environ.get("HOST"), os.environ.get("PORT"))
    PROGRAMME_NAME = os.environ.get("PROGRAMME_NAME", "Khartoum Process")
    # Where delegates write to the secretariat: on every page's footer, in the privacy notice
    # and in every email.
    CONTACT_EMAIL = os.environ.get("CONTACT_EMAIL", "secretariat@khartoumprocess.example.org")
    PROGRAMME_ADDRESS = os.environ.get(
        "PROGRAMME_ADDRESS", "Khartoum Process Secretariat, Gonzagagasse 1, 1010 Vienna, Austria"
    )
    DOCUMENTS_DIR = os.environ.get("DOCUMENTS_DIR")  # default: <instance>/documents
    # The visa support letters' letterhead (lines separated by "|") and who signs them.
    VISA_LETTER_LETTERHEAD = os.environ.get(
        "VISA_LETTER_LETTERHEAD",
        "Khartoum Process Secretariat|Gonzagagasse 1, 1010 Vienna, Austria"
        "|secretariat@khartoumprocess.example.org",
    )
    VISA_LETTER_SIGNATORY_NAME = os.environ.get("VISA_LETTER_SIGNATORY_NAME", "Head of the Secretariat")
    VISA_LETTER_SIGNATORY_TITLE = os.environ.get(
        "VISA_LETTER_SIGNATORY_TITLE", "Khartoum Process Secretariat"
    )

    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "UTC"
    # Languages a delegate can choose for correspondence...
    LANGUAGES = {"en": "English", "fr": "Français", "ar": "العربية"}
    # ...and those the interface has catalogues for (app/translations/<code>).
    UI_LANGUAGES = ["en", "fr", "ar"]

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
    # Failed sign-ins allowed per account from one client address, and per client address (an
    # office behind one address has several people signing in).
    LOGIN_FAILURE_LIMIT = os.environ.get("LOGIN_FAILURE_LIMIT", "5 per minute")
    LOGIN_ADDRESS_FAILURE_LIMIT = os.environ.get("LOGIN_ADDRESS_FAILURE_LIMIT", "20 per minute")
    # Past this many failures for one account from anywhere, each sign-in to it waits this long
    # (seconds) before the password is checked: slower guessing, never a refusal.
    LOGIN_ACCOUNT_SLOWDOWN = os.environ.get("LOGIN_ACCOUNT_SLOWDOWN", "10 per 15 minutes")
    LOGIN_ACCOUNT_DELAY_SECONDS = float(os.environ.get("LOGIN_ACCOUNT_DELAY_SECONDS", 2))

    # Documents organisers upload: the largest accepted, in bytes.
    MAX_DOCUMENT_BYTES = int(os.environ.get("MAX_DOCUMENT_BYTES", 20 * 1024 * 1024))
    # The files a message to an audience carries, in all (each email carries them all: many
    # mail servers refuse a message past 10 to 25 MB, base64 adding a third).
    MAILING_ATTACHMENTS_MAX_BYTES = int(os.environ.get("MAILING_ATTACHMENTS_MAX_BYTES", 10 * 1024 * 1024))
    # Participant reports imported in the console or over the API (20,000 Zoom rows: ~3 MB).
    MAX_REPORT_BYTES = int(os.environ.get("MAX_REPORT_BYTES", 10 * 1024 * 1024))
    # What a ZIP upload (DOCX, PPTX, XLSX) may unpack to, checked before anything unpacks it
    # (app/services/archives.py). A document: ten times the largest upload (Office XML packs
    # 2 to 25 times, images once). A report: 20,000 Zoom rows are 7 MB in XLSX, and each MB
    # costs openpyxl about a quarter of a second and several MB of memory.
    MAX_DOCUMENT_UNPACKED_BYTES = int(os.environ.get("MAX_DOCUMENT_UNPACKED_BYTES", 10 * MAX_DOCUMENT_BYTES))
    MAX_REPORT_UNPACKED_BYTES = int(os.environ.get("MAX_REPORT_UNPACKED_BYTES", 50 * 1024 * 1024))
    # The most the file, or one of its parts (over 1 MB), may unpack to per byte packed.
    ZIP_MAX_RATIO = int(os.environ.get("ZIP_MAX_RATIO", 100))

    # The JSON API (app/api/): its OpenAPI document is served at /api/v1/openapi.json.
    API_TITLE = "Plenary API"
    API_VERSION = "1.0.0"
    OPENAPI_VERSION = "3.1.0"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"
    API_SPEC_OPTIONS = {
        "info": {
            "description": "The published programme (series, events, agenda, documents, summaries) "
            "and registration, as JSON. Errors are RFC 9457 problem details."
        }
    }
    # Origins (scheme://host[:port]) whose pages may call the API from a browser.
    API_CORS_ORIGINS = [o.strip() for o in os.environ.get("API_CORS_ORIGINS", "").split(",") if o.strip()]
    API_MAX_BODY_BYTES = int(os.environ.get("API_MAX_BODY_BYTES", 64 * 1024))
    API_RATELIMIT_ENABLED = _bool("API_RATELIMIT_ENABLED", True)
    API_READ_LIMIT = os.environ.get("API_READ_LIMIT", "300 per minute")  # per address
    API_REGISTRATION_LIMIT = os.environ.get("API_REGISTRATION_LIMIT", "20 per hour")  # per address
    API_REGISTRATION_EMAIL_LIMIT = os.environ.get("API_REGISTRATION_EMAIL_LIMIT", "5 per hour")

    # Registrations of a standalone event are anonymised this long after it ends (a series
    # sets its own period, counted from its last event).
    RETENTION_MONTHS = int(os.environ.get("RETENTION_MONTHS", 24))

    # Public registration forms: limits per client address and per submitted email
    # (counted when a registration goes through), and per address on the manage
    # links. "off" (or empty) lifts a limit.
    REGISTRATION_RATE_LIMIT = os.environ.get("REGISTRATION_RATE_LIMIT", "20 per minute")
    REGISTRATION_EMAIL_RATE_LIMIT = os.environ.get("REGISTRATION_EMAIL_RATE_LIMIT", "5 per hour")
    MANAGE_RATE_LIMIT = os.environ.get("MANAGE_RATE_LIMIT", "60 per minute")
    # Requests for the links to one's registrations by email, per client address.
    LINK_REQUEST_RATE_LIMIT = os.environ.get("LINK_REQUEST_RATE_LIMIT", "10 per hour")
    # Emails with links that visitors can have sent to an address again and again (the notice
    # of a repeated registration): at most this many an hour to one person, whoever asks.
    LINK_EMAILS_PER_HOUR = int(os.environ.get("LINK_EMAILS_PER_HOUR", 3))
    # A person needs a few seconds to fill the registration form; a robot does not.
    FORM_MIN_FILL_SECONDS = float(os.environ.get("FORM_MIN_FILL_SECONDS", 3))
    # After a form was refused as sent too fast: the time to read the message and send again.
    FORM_RETRY_MIN_SECONDS = float(os.environ.get("FORM_RETRY_MIN_SECONDS", 1))
    # ...and a form shown longer ago than this (seconds) is sent again with a new stamp.
    FORM_STAMP_MAX_AGE = int(os.environ.get("FORM_STAMP_MAX_AGE", 24 * 3600))
    # Origins allowed to frame the pages a view marks embeddable (space- or comma-separated).
    EMBED_ORIGINS = os.environ.get("EMBED_ORIGINS", "").replace(",", " ").split()
    # Strict-Transport-Security max-age; 0 sends none (plain HTTP in development).
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", 0))

    # How long an embedded registration form (in another site's iframe) can be sent, in seconds.
    EMBED_TOKEN_MAX_AGE = int(os.environ.get("EMBED_TOKEN_MAX_AGE", 4 * 3600))

    # Webhooks: private, loopback and link-local addresses are refused unless this is on
    # (a test receiver on the same machine); attempts before a delivery is given up.
    WEBHOOK_ALLOW_PRIVATE = _bool("WEBHOOK_ALLOW_PRIVATE")
    # Ports a webhook URL may name besides 80 and 443 (any port of a public host would let
    # organisers probe its SSH, mail or database servers through ours).
    WEBHOOK_ALLOWED_PORTS = port_list("WEBHOOK_ALLOWED_PORTS", os.environ.get("WEBHOOK_ALLOWED_PORTS"))
    WEBHOOK_TIMEOUT = float(os.environ.get("WEBHOOK_TIMEOUT", 5))
    WEBHOOK_MAX_ATTEMPTS = int(os.environ.get("WEBHOOK_MAX_ATTEMPTS", 6))

    # Video platforms (docs/integrations.md). Their base URLs, the real ones by default: tests and
    # self-hosted proxies point them elsewhere.
    ZOOM_API_URL = os.environ.get("ZOOM_API_URL", "https://api.zoom.us/v2")
    ZOOM_OAUTH_URL = os.environ.get("ZOOM_OAUTH_URL", "https://zoom.us")
    GRAPH_API_URL = os.environ.get("GRAPH_API_URL", "https://graph.microsoft.com/v1.0")
    GRAPH_LOGIN_URL = os.environ.get("GRAPH_LOGIN_URL", "https://login.microsoftonline.com")
    WEBEX_API_URL = os.environ.get("WEBEX_API_URL", "https://webexapis.com/v1")
    # Credentials kept in the environment; those an admin sets in the console win.
    ZOOM_ACCOUNT_ID = os.environ.get("ZOOM_ACCOUNT_ID", "")
    ZOOM_CLIENT_ID = os.environ.get("ZOOM_CLIENT_ID", "")
    ZOOM_CLIENT_SECRET = os.environ.get("ZOOM_CLIENT_SECRET", "")
    GRAPH_TENANT_ID = os.environ.get("GRAPH_TENANT_ID", "")
    GRAPH_CLIENT_ID = os.environ.get("GRAPH_CLIENT_ID", "")
    GRAPH_CLIENT_SECRET = os.environ.get("GRAPH_CLIENT_SECRET", "")
    WEBEX_TOKEN = os.environ.get("WEBEX_TOKEN", "")
    # The Zoom app's event subscription "Secret Token", which signs its webhooks.
    ZOOM_WEBHOOK_SECRET = os.environ.get("ZOOM_WEBHOOK_SECRET", "")
    # The Fernet key (32 url-safe base64 bytes) the console's platform secrets are encrypted with;
    # without it, a key derived from SECRET_KEY with HKDF (changing SECRET_KEY then loses them).
    PLENARY_SECRETS_KEY = os.environ.get("PLENARY_SECRETS_KEY", "")
    # A platform call: seconds to wait for an answer, tries when rate-limited or unreachable, and
    # the longest Retry-After honoured within one call (a longer one fails the call, to be retried
    # later by the queue).
    PLATFORM_TIMEOUT = float(os.environ.get("PLATFORM_TIMEOUT", 20))
    PLATFORM_MAX_TRIES = int(os.environ.get("PLATFORM_MAX_TRIES", 5))
    PLATFORM_MAX_WAIT = float(os.environ.get("PLATFORM_MAX_WAIT", 60))
    # Zoom calls a second from one process: its "Light" APIs (registrants) allow 30 a second on
    # Pro, 80 on Business and above, for the whole account (developers.zoom.us, "Rate limits").
    ZOOM_RATE_PER_SECOND = float(os.environ.get("ZOOM_RATE_PER_SECOND", 20))
    # The Zoom user who hosts the webinars and meetings created from events: a user id or an
    # address; "me" is the user who built the Server-to-Server app.
    ZOOM_HOST_USER = os.environ.get("ZOOM_HOST_USER", "me")


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
    # A test that checks the API's rate limits turns them on.
    API_RATELIMIT_ENABLED = False
    # The suite posts forms at once and registers many people from one address;
    # tests of the spam checks and limits switch them on.
    FORM_MIN_FILL_SECONDS = 0
    REGISTRATION_RATE_LIMIT = "off"
    REGISTRATION_EMAIL_RATE_LIMIT = "off"
    MANAGE_RATE_LIMIT = "off"
    LINK_REQUEST_RATE_LIMIT = "off"
    # The stand-ins of the platforms answer as fast as they can; the pacing has its own test.
    ZOOM_RATE_PER_SECOND = 0


class ProductionConfig(Config):
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "json")
    SESSION_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    HSTS_SECONDS = int(os.environ.get("HSTS_SECONDS", 365 * 24 * 3600))


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
