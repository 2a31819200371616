"""Security headers on every response, set by hand so that each one is visible and tested.

The Content-Security-Policy allows no inline script or style: every page
takes its scripts and stylesheets from /static. Two kinds of page differ:

- a view that sets `g.embeddable = True` may be framed by this site and the
  origins in `EMBED_ORIGINS` (the registration form embedded elsewhere);
- an email preview (`email_preview`) is the email's own HTML with inline
  styles, served in a sandboxed frame of the console under a policy of its own
  that allows styles and nothing else.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote, urlsplit

from flask import Flask, Response, current_app, g, request
from werkzeug.routing import IntegerConverter

# Files served as they are: the same for everyone, whatever the session or the language.
FILE_ENDPOINTS = frozenset({"static", "public.favicon"})


def serves_a_file() -> bool:
    """Whether the current request asks for a stylesheet, a script, an image or the icon."""
    return request.endpoint in FILE_ENDPOINTS


STRICT_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

# An email as its recipient sees it: inline styles, no script, no request anywhere.
EMAIL_PREVIEW_POLICY = {
    "default-src": "'none'",
    "style-src": "'unsafe-inline'",
    "img-src": "data:",
    "frame-ancestors": "'self'",
    "sandbox": "",
}

PERMISSIONS_POLICY = "camera=(), microphone=(), geolocation=(), payment=(), usb=()"
# The check-in page (g.camera) reads QR codes through the camera, of this origin only.
CAMERA_POLICY = PERMISSIONS_POLICY.replace("camera=()", "camera=(self)")
REFERRER_POLICY = "strict-origin-when-cross-origin"

# scheme://host[:port], nothing that could end a directive or open another one.
ORIGIN_RE = re.compile(r"^https?://[A-Za-z0-9.\-]+(:\d{1,5})?$")


# The largest id every database we run on stores (PostgreSQL's integer).
MAX_ID = 2**31 - 1


class DatabaseId(IntegerConverter):
    """`<int:...>` in a route: an id no column can hold is not found, instead of a database error."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def install(app: Flask) -> None:
    """Add the headers to every response of `app`, error pages and static files included.

    Called before the blueprints are registered, so that their routes use `DatabaseId`.
    """
    app.url_map.converters["int"] = DatabaseId
    app.after_request(add_headers)


def add_headers(response: Response) -> Response:
    headers = response.headers
    policy = g.get("content_security_policy")
    if policy is None:
        policy = STRICT_POLICY
        if g.get("embeddable"):
            policy = {**STRICT_POLICY, "frame-ancestors": " ".join(["'self'", *embed_origins()])}
    # Nearly every response has the strict policy: it is rendered once.
    headers["Content-Security-Policy"] = STRICT_HEADER if policy is STRICT_POLICY else render_policy(policy)
    if policy.get("frame-ancestors") == "'none'":
        headers["X-Frame-Options"] = "DENY"
    elif policy.get("frame-ancestors") == "'self'":
        headers["X-Frame-Options"] = "SAMEORIGIN"
    # Otherwise frame-ancestors names other origins, which X-Frame-Options cannot express.
    headers["X-Content-Type-Options"] = "nosniff"
    # A view may ask for stricter (the manage pages: no-referrer, their token is in the URL).
    headers.setdefault("Referrer-Policy", REFERRER_POLICY)
    headers["Permissions-Policy"] = CAMERA_POLICY if g.get("camera") else PERMISSIONS_POLICY
    hsts = current_app.config.get("HSTS_SECONDS") or 0
    if hsts > 0:
        headers["Strict-Transport-Security"] = f"max-age={int(hsts)}; includeSubDomains"
    return response


def render_policy(policy: dict[str, str]) -> str:
    return "; ".join(f"{name} {value}".strip() for name, value in policy.items())


STRICT_HEADER = render_policy(STRICT_POLICY)


def embed_origins() -> list[str]:
    """The configured embedding origins; anything that is not a plain origin is left out."""
    configured = current_app.config.get("EMBED_ORIGINS") or []
    if isinstance(configured, str):
        configured = configured.replace(",", " ").split()
    return [origin.rstrip("/") for origin in configured if ORIGIN_RE.match(origin.rstrip("/"))]


def email_preview(html: str) -> Response:
    """An email's HTML as a page of its own, for a sandboxed frame of the console."""
    g.content_security_policy = EMAIL_PREVIEW_POLICY
    response = Response(html, mimetype="text/html")
    response.headers["Cache-Control"] = "no-store"  # it holds a delegate's name and link
    return response


# --- addresses on this site -----------------------------------------------------------------

# What a path keeps as it is in a link or a redirect: RFC 3986's characters of a path. Anything
# else is percent-encoded, above all what a browser reads as part of another host's address: a
# backslash (a slash to it), a tab or a line break (dropped): "/\evil.example.org",
# "/\t/evil.example.org". A query keeps its "?" and "%" as well (it comes encoded already).
PATH_SAFE = "/!$&'()*+,;=:@"
QUERY_SAFE = PATH_SAFE + "?%"


def site_path(path: str) -> str:
    """A link to `path` (as decoded from a request) that stays on this site whatever the path
    holds: percent-encoded, with a single leading slash (two begin another host's address)."""
    return "/" + quote(path, safe=PATH_SAFE).lstrip("/")


def local_target(target: str, under: str) -> str | None:
    """A visitor's "go on to" address (a `next` argument), as a path on this site under `under`,
    or None if it is anything else: an address with a scheme or a host, another part of the
    site, or one holding what a browser drops or reads as a slash (spaces, control characters,
    backslashes)."""
    if any(char.isspace() or char == "\\" or not char.isprintable() for char in target):
        return None
    parts = urlsplit(target)
    path = unquote(parts.path)
    if parts.scheme or parts.netloc or not (path == under or path.startswith(f"{under}/")):
        return None
    query = f"?{quote(parts.query, safe=QUERY_SAFE)}" if parts.query else ""
    return site_path(path) + query
