"""Where the rate limits are counted, what their keys hold, and what happens when Redis is gone.

Counted in Redis when `RATELIMIT_STORAGE_URI` (or `REDIS_URL`) names it, so that every process
shares the counts; in memory per process otherwise. Redis is not needed to serve a page: when
it does not answer, Flask-Limiter logs a warning and counts in this process instead (its
in-memory fallback), trying Redis again after growing pauses (1, 2, 4 ... 32 seconds); a
failure it has no fallback for is logged and the request goes through (`swallow_errors`).
The limits still hold, per process, while Redis is away.

A key never holds an email address: an address is replaced by an HMAC of it with
`SECRET_KEY` (`keyed`), so that a look into Redis shows no one's address.
"""

from __future__ import annotations

import hashlib
import hmac
import logging

from flask import Flask, current_app, g, request
from limits import parse

from .extensions import limiter

log = logging.getLogger(__name__)

# A Redis that accepts no connection, or answers nothing, costs a request at most this long
# (seconds) before the process counts on its own.
REDIS_TIMEOUTS = {"socket_connect_timeout": 1, "socket_timeout": 1}


def configure(app: Flask) -> None:
    """Before `limiter.init_app`: never wait long for Redis."""
    if on_redis(app.config["RATELIMIT_STORAGE_URI"]):
        app.config.setdefault("RATELIMIT_STORAGE_OPTIONS", dict(REDIS_TIMEOUTS))


def on_redis(uri: str | None) -> bool:
    return (uri or "").startswith(("redis://", "rediss://", "redis+"))


def keyed(email: str) -> str:
    """An email address as it may appear in a rate limit's key: an HMAC with SECRET_KEY of the
    lower-cased address. The same address always gives the same key; the key gives no address."""
    secret = current_app.config["SECRET_KEY"].encode()
    message = b"rate-limit:" + email.strip().lower().encode("utf-8", "surrogatepass")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]


def client_address() -> str:
    """The visitor's address as the limits see it (after ProxyFix, when configured)."""
    return request.remote_addr or "unknown"


def per_client_and(email: str) -> str:
    """A key for one email address sent from one client address: what one visitor does
    with someone's address counts against that visitor only."""
    return f"{client_address()}/{keyed(email)}"


def note_emails_sent(outcomes) -> None:
    """Record for the per-address limits that this request made us email someone (a
    registration's outcomes: only a confirmation or a notice actually written counts)."""
    g.emails_sent = g.get("emails_sent", False) or any(outcome.emailed for outcome in outcomes)


def emails_were_sent(_response) -> bool:
    """A `deduct_when` of Flask-Limiter: count the request only if it emailed someone."""
    return g.get("emails_sent", False)


def count(limit: str, *identifiers: str) -> None:
    """One more against `limit` for `identifiers`, outside Flask-Limiter's decorators (which
    refuse the request); a storage that fails only costs the count."""
    try:
        limiter.limiter.hit(parse(limit), *identifiers)
    except Exception as error:
        log.warning("rate limit %s not counted: %s", identifiers[0], error)


def reached(limit: str, *identifiers: str) -> bool:
    """Whether `limit` is used up for `identifiers`; False if the storage cannot say."""
    try:
        return not limiter.limiter.test(parse(limit), *identifiers)
    except Exception as error:
        log.warning("rate limit %s not read: %s", identifiers[0], error)
        return False
