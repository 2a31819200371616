"""Webhooks: tell other systems about registrations and attendance, signed and retried.

- `emit()` is called by the services inside the unit of work of the change: it only
  adds one delivery row per subscribed webhook, so a notification exists if and only
  if the change committed (the outbox pattern, as for email).
- `deliver_due()` runs in the worker (kicked after the commit, and swept every
  minute): it claims due rows, POSTs each body signed with the webhook's secret, and
  records the answer; a failure is tried again after 1 min, 5 min, 30 min, 2 h, 12 h.
- A webhook may not point at this machine or its private network (the server would
  otherwise be a way in to internal hosts): the URL's host is resolved and every
  address checked when the webhook is added and again at each delivery, and the
  request goes to the very address that was checked (a DNS answer that changes in
  between cannot redirect it). Redirects are not followed.
- Only ports 80 and 443 are called, and those listed in WEBHOOK_ALLOWED_PORTS: any port
  of a public host would let an organiser probe its other services through our server.
- What the receiver answers is kept, and shown, as its status and a short excerpt of one
  line without control characters: a receiver writes into our database and our console.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import socket
import threading
import time
import unicodedata
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
import urllib3
from flask import current_app
from flask_babel import lazy_gettext as _l

from ...database import on_commit, rowcount, utcnow, write_transaction
from ...extensions import db
from ...models import (
    Account,
    AttendanceImport,
    Registration,
    Series,
    Webhook,
    WebhookDelivery,
    WebhookDeliveryStatus,
)
from .. import audit
from ..claims import Backoff, Outbox
from . import tasks

log = logging.getLogger(__name__)

EVENT_TYPES = {
    "registration.created": _l("A registration is created"),
    "registration.cancelled": _l("A registration is cancelled"),
    "attendance.imported": _l("An attendance report is imported"),
}
PING = "ping"
# The delay before the 2nd, 3rd ... attempt; after the last, the delivery is given up.
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=12),
)
# Characters of the receiver's answer kept (and shown); enough to recognise an error page.
RESPONSE_EXCERPT = 200
# Bytes read for them: a character is at most 4 bytes in UTF-8.
RESPONSE_READ = 4 * RESPONSE_EXCERPT
ERROR_MAX = 1000
WEB_PORTS = (80, 443)
URL_MAX = 500
# How long a worker owns the deliveries it claimed; afterwards another may take them.
CLAIM = timedelta(minutes=2)
BATCH = 50
OUTBOX = Outbox(
    WebhookDelivery,
    waiting=WebhookDeliveryStatus.PENDING,
    claimed=WebhookDeliveryStatus.DELIVERING,
    failed=WebhookDeliveryStatus.FAILED,
    backoff=Backoff(BACKOFF),  # no attempt after the last step
)


class WebhookError(Exception):
    """A webhook the rules refuse; the message is shown to the organiser."""


class UnsafeURL(WebhookError):
    pass


# --- the URL: http(s) only, and never an internal address -----------------------------------


def resolve(host: str, port: int) -> list[str]:
    """The addresses of `host` (a seam for the tests)."""
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def _forbidden(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        # An IPv4 address carried inside IPv6 (mapped, 6to4) is reached as that IPv4 address.
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return _forbidden(embedded)
        if address.is_site_local:  # fec0::/10: deprecated, still routed inside some networks
            return True
    return (
        not address.is_global
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def _check_port(port: int) -> None:
    allowed = sorted({*WEB_PORTS, *current_app.config["WEBHOOK_ALLOWED_PORTS"]})
    if port not in allowed:
        raise UnsafeURL(
            _l(
                "Port %(port)d is not allowed: webhooks are sent to ports %(ports)s.",
                port=port,
                ports=", ".join(str(allowed_port) for allowed_port in allowed),
            )
        )


@dataclass(frozen=True)
class Target:
    """A checked URL and the address to connect to."""

    scheme: str
    host: str
    port: int
    path: str
    address: str

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


def check_url(url: str) -> Target:
    """The URL's target if it may be called, else UnsafeURL saying why."""
    url = (url or "").strip()
    if len(url) > URL_MAX:
        raise UnsafeURL(_l("The URL is too long (at most %(max)d characters).", max=URL_MAX))
    try:
        parts = urlsplit(url)
    except ValueError:  # an unbalanced or invalid [IPv6] host
        raise UnsafeURL(_l("The URL's host name is not valid.")) from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL(_l("Only http:// and https:// URLs can receive webhooks."))
    if parts.username is not None or parts.password is not None:
        raise UnsafeURL(_l("The URL must not contain a user name or password."))
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeURL(_l("The URL's port is not valid.")) from None
    try:
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except UnicodeError:
        raise UnsafeURL(_l("The URL's host name is not valid.")) from None
    if not host:
        raise UnsafeURL(_l("The URL has no host name."))
    _check_port(port)
    try:
        addresses = [ipaddress.ip_address(a.split("%")[0]) for a in resolve(host, port)]
    except (OSError, UnicodeError, ValueError):
        raise UnsafeURL(_l("The host name %(host)s cannot be found.", host=host)) from None
    if not addresses:
        raise UnsafeURL(_l("The host name %(host)s cannot be found.", host=host))
    if not current_app.config["WEBHOOK_ALLOW_PRIVATE"] and any(_forbidden(a) for a in addresses):
        raise UnsafeURL(
            _l(
                "%(host)s is a private, loopback, link-local or reserved address: "
                "webhooks can only reach public hosts.",
                host=host,
            )
        )
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return Target(parts.scheme, host, port, path, str(addresses[0]))


# --- the console's side ----------------------------------------------------------------------


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def create(url: str, event_types: list[str], series: Series | None, *, by: Account) -> Webhook:
    check_url(url)
    unknown = set(event_types) - set(EVENT_TYPES)
    if not event_types or unknown:
        raise WebhookError(_l("Choose at least one of the event types offered."))
    with write_transaction() as session:
        webhook = Webhook(
            url=url.strip(),
            secret=new_secret(),
            event_types=sorted(set(event_types)),
            series_id=series.id if series else None,
            created_by_id=by.id,
        )
        session.add(webhook)
        session.flush()
        audit.record("webhook.create", webhook, webhook.url, actor=by, event_types=webhook.event_types)
    return webhook


def set_active(webhook: Webhook, active: bool, *, by: Account) -> Webhook:
    with write_transaction() as session:
        webhook = session.get_one(Webhook, webhook.id, populate_existing=True)
        webhook.is_active = active
        audit.record("webhook.enable" if active else "webhook.disable", webhook, webhook.url, actor=by)
    return webhook


def delete(webhook: Webhook, *, by: Account) -> None:
    with write_transaction() as session:
        webhook = session.get_one(Webhook, webhook.id)
        audit.record("webhook.delete", webhook, webhook.url, actor=by)
        session.execute(sa.delete(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook.id))
        session.delete(webhook)


def ping(webhook: Webhook, *, by: Account) -> WebhookDelivery:
    """A test delivery, sent at once, to see that the receiver answers and checks signatures."""
    if not webhook.is_active:
        raise WebhookError(_l("The webhook is disabled: enable it to send a test."))
    with write_transaction() as session:
        delivery = _queue(session, webhook.id, PING, {"webhook_id": webhook.id, "by": by.id})
    return delivery


def deliveries(webhook: Webhook, limit: int = 100) -> list[WebhookDelivery]:
    return list(
        db.session.scalars(
            sa.select(WebhookDelivery)
            .where(WebhookDelivery.webhook_id == webhook.id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    )


# --- emitting: inside the caller's unit of work ------------------------------------------------

# Built once, on the table: it runs with every registration and cancellation. A null
# series matches only the webhooks of the whole programme, as `= NULL` is never true.
WEBHOOKS = Webhook.__table__
ACTIVE_FOR_SERIES = sa.select(WEBHOOKS.c.id, WEBHOOKS.c.event_types).where(
    WEBHOOKS.c.is_active.is_(True),
    sa.or_(WEBHOOKS.c.series_id.is_(None), WEBHOOKS.c.series_id == sa.bindparam("series_id")),
)


def emit(event_type: str, subject: Registration | AttendanceImport) -> int:
    """Queue `event_type` about `subject` for every active webhook that wants it, in the
    caller's transaction. Returns how many deliveries were queued."""
    event = subject.event
    session = db.session()
    hooks = session.execute(ACTIVE_FOR_SERIES, {"series_id": event.series_id}).all()
    wanted = [hook.id for hook in hooks if event_type in (hook.event_types or [])]
    if not wanted:
        return 0
    session.flush()  # the payload names the subject by its id
    data = PAYLOADS[event_type](subject)
    registration_id = subject.id if isinstance(subject, Registration) else None
    for webhook_id in wanted:
        _queue(session, webhook_id, event_type, data, registration_id)
    return len(wanted)


def _queue(
    session, webhook_id: int, event_type: str, data: dict, registration_id: int | None = None
) -> WebhookDelivery:
    delivery_id = str(uuid.uuid4())
    now = utcnow()
    body = {"id": delivery_id, "type": event_type, "created": _iso(now), "data": data}
    delivery = WebhookDelivery(
        webhook_id=webhook_id,
        delivery_id=delivery_id,
        event_type=event_type,
        registration_id=registration_id,
        payload=json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True),
        next_attempt_dt=now,
        created_dt=now,
    )
    session.add(delivery)
    session.flush()
    on_commit(tasks.kick_webhooks)  # the worker is asked once the change is committed
    return delivery


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def registration_payload(registration: Registration) -> dict:
    """What a registration event tells: the registration, and who registered (name, email,
    organisation, country), since the receiving system exists to act on that."""
    event = registration.event
    return {
        "registration": {
            "id": registration.id,
            "status": str(registration.status),
            "created": _iso(registration.created_dt),
            "status_changed": _iso(registration.status_changed_dt),
        },
        "event": {"id": event.id, "series_id": event.series_id, "title": event.title},
        "delegate": {
            "name": registration.name,
            "email": registration.email,
            "organisation": registration.organisation,
            "organisation_kind": str(registration.organisation_kind),
            "country": registration.country,
        },
    }


def import_payload(imported: AttendanceImport) -> dict:
    """An imported attendance report: figures only, no person."""
    event = imported.event
    return {
        "import": {
            "id": imported.id,
            "source": str(imported.source),
            "status": str(imported.status),
            "matched": imported.matched_count,
            "unmatched": imported.unmatched_count,
            "finished": _iso(imported.finished_dt),
        },
        "event": {"id": event.id, "series_id": event.series_id, "title": event.title},
    }


PAYLOADS: dict[str, Callable[[Any], dict]] = {
    "registration.created": registration_payload,
    "registration.cancelled": registration_payload,
    "attendance.imported": import_payload,
}


# --- delivering: in the worker -------------------------------------------------------------------


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The Plenary-Signature header: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


@dataclass
class Answer:
    status: int | None = None
    body: str = ""
    error: str = ""
    permanent: bool = False

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def deliver_due(now: datetime | None = None, limit: int = BATCH) -> int:
    """Send every delivery that is due, batch after batch. Returns how many were delivered."""
    delivered = 0
    while True:
        claimed = _claim(now or utcnow(), limit)
        for delivery_id, attempts in claimed:
            delivered += _deliver(delivery_id, attempts)
        if len(claimed) < limit:
            return delivered


def _claim(now: datetime, limit: int) -> list[tuple[int, int]]:
    """Claim up to `limit` due deliveries: (id, attempts), the attempt being this claim's."""
    rows = OUTBOX.claim(now, limit, CLAIM, (WebhookDelivery.attempts,))
    return [(row.id, row.attempts) for row in rows]


def _ours(delivery_id: int, attempts: int) -> sa.ColumnElement[bool]:
    """The delivery is still under the claim that gave it this attempt number."""
    return sa.and_(
        WebhookDelivery.id == delivery_id,
        WebhookDelivery.status == WebhookDeliveryStatus.DELIVERING,
        WebhookDelivery.attempts == attempts,
    )


def _renew_claim(delivery_id: int, attempts: int) -> bool:
    """A batch is claimed at once but sent one by one, each up to WEBHOOK_TIMEOUT: a later
    one's claim may have lapsed and been taken by another worker, which then sends it."""
    with write_transaction() as session:
        renewed = session.execute(
            sa.update(WebhookDelivery)
            .where(_ours(delivery_id, attempts))
            .values(claimed_until_dt=utcnow() + CLAIM)
            .execution_options(synchronize_session=False)
        )
    return rowcount(renewed) == 1


def _deliver(delivery_id: int, attempts: int) -> int:
    if not _renew_claim(delivery_id, attempts):
        return 0
    row = db.session.execute(
        sa.select(
            WebhookDelivery.event_type,
            WebhookDelivery.delivery_id,
            WebhookDelivery.payload,
            Webhook.url,
            Webhook.secret,
            Webhook.is_active,
        )
        .join(Webhook, Webhook.id == WebhookDelivery.webhook_id)
        .where(WebhookDelivery.id == delivery_id)
    ).one_or_none()
    db.session.rollback()  # no transaction held open while waiting for the receiver
    if row is None:  # deleted with its webhook meanwhile
        return 0
    if not row.is_active:
        answer = Answer(error="not sent: the webhook is disabled", permanent=True)
    else:
        answer = post(row.url, row.secret, row.event_type, row.delivery_id, row.payload)
    _record(delivery_id, attempts, answer)
    return int(answer.ok)


def post(url: str, secret: str, event_type: str, delivery_id: str, payload: str) -> Answer:
    """One attempt: checked again (DNS may have changed), to the checked address, no redirects."""
    try:
        target = check_url(url)
    except UnsafeURL as refusal:
        return Answer(error=f"refused: {refusal}", permanent=True)
    body = payload.encode()
    headers = {
        "Host": target.host_header,
        "Content-Type": "application/json",
        "User-Agent": "Plenary-Webhooks/1",
        "Plenary-Event": event_type,
        "Plenary-Delivery": delivery_id,
        "Plenary-Signature": sign(secret, int(time.time()), body),
    }
    seconds = current_app.config["WEBHOOK_TIMEOUT"]
    timeout = urllib3.Timeout(total=seconds)
    deadline = 2 * seconds
    pool = _pool(target, timeout, deadline)
    started = time.monotonic()
    try:
        response = pool.urlopen(
            "POST",
            target.path,
            body=body,
            headers=headers,
            redirect=False,
            retries=False,
            preload_content=False,
            assert_same_host=False,
        )
        try:
            start = response.read(RESPONSE_READ).decode("utf-8", "replace")
        finally:
            response.close()
    except (urllib3.exceptions.HTTPError, OSError) as error:
        if time.monotonic() - started >= deadline:
            return Answer(error=f"cut off: no complete answer within {deadline:g} s")
        # The error may quote what the receiver sent (a malformed status line).
        return Answer(error=one_line(f"{type(error).__name__}: {error}", ERROR_MAX))
    finally:
        pool.close()
    answer = Answer(status=response.status, body=one_line(start, RESPONSE_EXCERPT))
    if 300 <= response.status < 400:
        answer.error = "redirects are not followed: give the final URL"
    elif not answer.ok:
        answer.error = f"the receiver answered {response.status}"
    return answer


def one_line(text: str, limit: int) -> str:
    """`text` as the console shows it: without control or format characters (a terminal
    escape, a NUL that PostgreSQL refuses, a right-to-left override, a zero-width space),
    every run of white space (line breaks, tabs) one space, at most `limit` characters.
    The templates escape it as any text."""
    kept = "".join(char for char in text if char.isspace() or unicodedata.category(char) not in ("Cc", "Cf"))
    return " ".join(kept.split())[:limit]


def _pool(target: Target, timeout: urllib3.Timeout, deadline: float) -> urllib3.HTTPConnectionPool:
    """A connection to the checked address; TLS still verifies the certificate for the host name."""
    pool: urllib3.HTTPConnectionPool
    if target.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            target.address,
            target.port,
            timeout=timeout,
            retries=False,
            server_hostname=target.host,
            assert_hostname=target.host,
            cert_reqs="CERT_REQUIRED",
        )
    else:
        pool = urllib3.HTTPConnectionPool(target.address, target.port, timeout=timeout, retries=False)
    pool.ConnectionCls = _with_deadline(pool.ConnectionCls, deadline)
    return pool


def _with_deadline(connection_class: type, seconds: float) -> type:
    """`connection_class`, its socket shut `seconds` after connecting. urllib3's timeout bounds
    each read, not the attempt: a receiver sending a byte at a time would otherwise hold the
    worker, and the mail that shares it, for hours."""

    class Deadline(connection_class):
        def connect(self):
            super().connect()
            # Not cancelled on close(): http.client closes the connection as soon as it hands
            # the socket to the response, which goes on reading from it.
            deadline = threading.Timer(seconds, _shut, (self.sock,))
            deadline.daemon = True
            deadline.start()

    return Deadline


def _shut(sock: socket.socket) -> None:
    # The plain socket's shutdown, also under TLS: it ends a read blocked in another thread.
    # A socket closed already fails (its descriptor is -1, never another socket's).
    with contextlib.suppress(OSError):
        socket.socket.shutdown(sock, socket.SHUT_RDWR)


def _record(delivery_id: int, attempts: int, answer: Answer) -> None:
    now = utcnow()
    values: dict = dict(
        claimed_until_dt=None,
        last_attempt_dt=now,
        response_status=answer.status,
        response_body=answer.body,
        error=answer.error,
    )
    if answer.ok:
        values.update(status=WebhookDeliveryStatus.DELIVERED, delivered_dt=now)
    else:
        max_attempts = current_app.config["WEBHOOK_MAX_ATTEMPTS"]
        values.update(
            OUTBOX.after_failure(attempts, now, max_attempts=max_attempts, permanent=answer.permanent)
        )
    if not answer.ok:
        log.warning("webhook delivery %s not delivered: %s", delivery_id, answer.error)
    with write_transaction() as session:
        session.execute(
            sa.update(WebhookDelivery)
            .where(_ours(delivery_id, attempts))
            .values(**values)
            .execution_options(synchronize_session=False)
        )
