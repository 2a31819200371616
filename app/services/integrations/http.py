"""What every platform's client shares: errors people can read, and one HTTP call with the
platforms' rules for retrying (429 with Retry-After, 5xx and network failures with backoff)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import requests
from flask import current_app
from flask_babel import lazy_gettext as _l

log = logging.getLogger(__name__)


class PlatformError(Exception):
    """A platform refused or failed a call; `str()` is for organisers (no secret in it)."""

    def __init__(self, message, status: int | None = None, detail: str = ""):
        super().__init__(message)
        self.message = message
        self.status = status
        self.detail = detail[:300]

    def __str__(self) -> str:
        return f"{self.message} ({self.detail})" if self.detail else str(self.message)


class NotFound(PlatformError):
    """The meeting (or registrant) does not exist on the platform, or no longer."""


class RateLimited(PlatformError):
    """Still rate-limited after the waits one call may take: the queue tries again later."""


class NotAuthorised(PlatformError):
    """The credentials are refused, or lack a scope."""


@dataclass
class Retrying:
    """How long one call may keep trying; `sleep` is replaced in tests that count the waits."""

    timeout: float = 20
    max_tries: int = 5
    max_wait: float = 60
    sleep: Callable[[float], None] = time.sleep

    @classmethod
    def from_app(cls) -> Retrying:
        config = current_app.config
        return cls(config["PLATFORM_TIMEOUT"], config["PLATFORM_MAX_TRIES"], config["PLATFORM_MAX_WAIT"])

    def backoff(self, attempt: int) -> float:
        return min(2.0**attempt, self.max_wait)


class Pacer:
    """At most `rate` calls a second from this process (0: no pacing), spaced evenly: calls made
    at the platform's documented rate are not answered 429, whose Retry-After would cost more."""

    def __init__(self, rate: float, sleep: Callable[[float], None] = time.sleep):
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.sleep = sleep
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next)
            self._next = slot + self.interval
        if slot > now:
            self.sleep(slot - now)


_pacers: dict[tuple[str, float], Pacer] = {}
_pacers_lock = threading.Lock()


def pacer(platform: str, rate: float) -> Pacer:
    """The process's pacer of a platform's calls (one for every client of it)."""
    with _pacers_lock:
        return _pacers.setdefault((platform, rate), Pacer(rate))


def retry_after(response: requests.Response, now: datetime | None = None) -> float | None:
    """The wait a 429 asks for: seconds, or an HTTP date (RFC 9110 §10.2.3)."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)


def send(
    session: requests.Session,
    method: str,
    url: str,
    retrying: Retrying,
    authorise: Callable[[bool], dict[str, str]],
    platform: str,
    **kwargs,
) -> requests.Response:
    """One call, tried again on 429 (after Retry-After), 5xx and network errors (with backoff), and
    once with a new token on 401. `authorise(fresh)` gives the headers that carry the token.
    Returns a 2xx response; raises NotFound, NotAuthorised, RateLimited or PlatformError."""
    fresh = False
    failure: PlatformError | None = None
    for attempt in range(retrying.max_tries):
        try:
            response = session.request(
                method,
                url,
                headers=authorise(fresh),
                timeout=retrying.timeout,
                allow_redirects=False,
                **kwargs,
            )
        except requests.RequestException as error:
            failure = PlatformError(
                _l("%(platform)s could not be reached.", platform=platform), None, type(error).__name__
            )
            wait = retrying.backoff(attempt)
        else:
            if response.status_code < 300:
                return response
            detail = _detail(response)
            if response.status_code == 401 and not fresh:
                fresh = True  # an expired token: a new one, once
                continue
            if response.status_code in (401, 403):
                raise NotAuthorised(
                    _l("%(platform)s refused the programme's credentials.", platform=platform),
                    response.status_code,
                    detail,
                )
            if response.status_code == 404:
                raise NotFound(_l("%(platform)s does not know this meeting.", platform=platform), 404, detail)
            if response.status_code == 429:
                asked = retry_after(response)
                wait = retrying.backoff(attempt) if asked is None else asked
                failure = RateLimited(
                    _l("%(platform)s's rate limit was reached: it will be tried again.", platform=platform),
                    429,
                    detail,
                )
                if wait > retrying.max_wait:
                    raise failure
            elif response.status_code >= 500:
                failure = PlatformError(
                    _l("%(platform)s failed to answer.", platform=platform), response.status_code, detail
                )
                wait = retrying.backoff(attempt)
            else:
                raise PlatformError(
                    _l("%(platform)s refused the request.", platform=platform), response.status_code, detail
                )
        if attempt + 1 < retrying.max_tries:
            log.info("%s %s: %s, waiting %.1f s", platform, method, failure.status if failure else "", wait)
            retrying.sleep(wait)
    assert failure is not None
    raise failure


def _detail(response: requests.Response) -> str:
    """The platform's own words (Zoom: {"code", "message"}; Graph: {"error": {"message"}})."""
    try:
        body = response.json()
    except ValueError:
        return f"HTTP {response.status_code}"
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            return str(error.get("message") or error.get("code") or "")
        if "reason" in body:  # Zoom's OAuth: {"reason", "error"}
            return str(body["reason"])
        if "message" in body:
            code = body.get("code")
            return f"{code}: {body['message']}" if code is not None else str(body["message"])
    return f"HTTP {response.status_code}"


# Renewed this long before the platform says it expires: a call begun with it must not fail.
TOKEN_MARGIN = 60


class TokenCache:
    """A platform's OAuth client-credentials tokens, one per account, kept until shortly before
    they expire; shared by the threads of a process."""

    def __init__(self, refused) -> None:
        self.refused = refused  # what NotAuthorised says when the platform refuses the credentials
        self._tokens: dict[tuple, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def token(self, key: tuple, fresh: bool, request: Callable[[], requests.Response]) -> str:
        """The account's token, from the cache unless `fresh` or about to expire; else asked for
        with `request` (a 400, 401 or 403 there is NotAuthorised)."""
        with self._lock:
            cached = self._tokens.get(key)
            if cached and not fresh and cached[1] > time.monotonic():
                return cached[0]
            self._tokens.pop(key, None)
        try:
            response = request()
        except PlatformError as error:
            if error.status in (400, 401, 403):  # Zoom: 400 {"error": "invalid_client"}
                raise NotAuthorised(self.refused, error.status, error.detail) from None
            raise
        body = response.json()
        expires = time.monotonic() + max(int(body.get("expires_in", 3600)) - TOKEN_MARGIN, 0)
        with self._lock:
            self._tokens[key] = (body["access_token"], expires)
        return body["access_token"]

    def clear(self) -> None:
        with self._lock:
            self._tokens.clear()
