"""Fixtures in the Flask tutorial's chain: app -> client -> runner, plus a real SMTP server.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL
is set (`.ci/run` does both).
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import threading
import zipfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage

# Before the app is imported: the job queue's files go to a throwaway folder.
os.environ.setdefault("PLENARY_INSTANCE_DIR", tempfile.mkdtemp(prefix="plenary-tests-"))
os.environ.pop("REDIS_URL", None)
# Servers the tests start (gunicorn in test_scale.py) inherit this environment: they
# post forms at once and register thousands from one address.
os.environ.setdefault("FORM_MIN_FILL_SECONDS", "0")
for _limit in (
    "REGISTRATION_RATE_LIMIT",
    "REGISTRATION_EMAIL_RATE_LIMIT",
    "MANAGE_RATE_LIMIT",
    "LINK_REQUEST_RATE_LIMIT",
):
    os.environ.setdefault(_limit, "off")

import pytest  # noqa: E402
import sqlalchemy as sa  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402
from flask import g, has_app_context  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402

from app import create_app  # noqa: E402
from app.database import utcnow  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import (  # noqa: E402
    AgendaItem,
    AgendaItemKind,
    Event,
    Series,
    Speaker,
)

TEST_DATABASE_URL = os.environ.get("TEST_DATABASE_URL")


def database_url(tmp_path) -> str:
    return TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'plenary.db'}"


class FreshRequestClient(FlaskClient):
    """A test client whose every request starts with an empty `g`.

    The tests hold an app context around their requests, so Flask would give
    every request that same context and its `g`: Flask-Login's cached user
    would then leak from one client's request into another's.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            for name in list(g):
                g.pop(name)
        return super().open(*args, **kwargs)


def make_app(tmp_path, **overrides):
    config = {
        "PLENARY_ENV": "testing",
        "SQLALCHEMY_DATABASE_URI": database_url(tmp_path),
        "MAIL_DIR": str(tmp_path / "mail"),
        "DOCUMENTS_DIR": str(tmp_path / "documents"),
        "BASE_URL": "http://127.0.0.1:5000",
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = FreshRequestClient
    return app


@pytest.fixture
def app_config() -> dict:
    """Override in a test module to change the app's configuration."""
    return {}


def with_fresh_database(app):
    """Yield the app inside its context with empty tables; clean up after."""
    with app.app_context():
        db.drop_all()
        db.create_all()
        yield app
        db.session.remove()  # before drop_all, or PostgreSQL waits on the open transaction
        db.drop_all()
        db.engine.dispose()


@pytest.fixture
def app(tmp_path, app_config):
    yield from with_fresh_database(make_app(tmp_path, **app_config))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- real concurrency ------------------------------------------------------------


def at_once(app, work, copies: int) -> list:
    """Run `work()` in `copies` threads released together, each in its own app context.

    Returns the results; any exception fails the calling test.
    """
    barrier = threading.Barrier(copies)
    results, errors = [], []

    def run():
        with app.app_context():
            try:
                barrier.wait(timeout=30)
                results.append(work())
            except Exception as error:
                errors.append(repr(error))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(copies)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    return results


# --- a real SMTP server ----------------------------------------------------


@dataclass
class Inbox:
    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in m["To"]]

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()
            self.envelopes.clear()


class InboxHandler:
    def __init__(self, inbox: Inbox):
        self.inbox = inbox

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.inbox.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self.inbox.lock:
            self.inbox.envelopes.append(envelope)
            self.inbox.messages.append(message)
        return "250 Message accepted for delivery"


class FreePortController(Controller):
    """aiosmtpd on port 0: the OS picks a free port, read back once bound."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpServer:
    handler_class = InboxHandler

    def __init__(self):
        self.inbox = Inbox()
        self.port = 0
        self.controller = None

    def start(self) -> None:
        handler = self.handler_class(self.inbox)
        self.controller = FreePortController(handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        self.port = self.controller.port

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def mail_app(tmp_path, smtp_server):
    """The app sending to the test SMTP server."""
    yield from with_fresh_database(make_app(tmp_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port))


# --- building a programme ----------------------------------------------------


def fresh_transaction() -> None:
    """End the session's read-only transaction before a helper writes, as the app's
    write_transaction() does: on SQLite, a transaction begun before a request committed (a
    summary stores the people it counted) could not write. Pending changes stay."""
    session = db.session()
    if session.in_transaction() and not (session.new or session.dirty or session.deleted):
        session.rollback()


@contextmanager
def statements():
    """The SQL statements run inside the block."""
    executed: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        executed.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        yield executed
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)


@contextmanager
def commits():
    """The commits of the database's connections inside the block (a savepoint's release is
    not one): a unit of work commits once."""
    counted: list[int] = []

    def count(_connection):
        counted.append(1)

    sa.event.listen(db.engine, "commit", count)
    try:
        yield counted
    finally:
        sa.event.remove(db.engine, "commit", count)


def make_event(
    title: str = "Partnership",
    *,
    series: Series | None = None,
    starts_in: timedelta = timedelta(days=20),
    hours: int = 2,
    capacity: int | None = 100,
    timezone: str = "Europe/Brussels",
    start: datetime | None = None,
    **fields,
) -> Event:
    fresh_transaction()
    start = start or (utcnow() + starts_in).replace(microsecond=0)
    event = Event(
        title=title,
        series=series,
        start_dt=start,
        end_dt=start + timedelta(hours=hours),
        timezone=timezone,
        capacity=capacity,
        join_url=fields.pop("join_url", "https://zoom.us/j/81234567890"),
        **fields,
    )
    db.session.add(event)
    db.session.commit()
    return event


def make_series(title: str = "Trafficking in Human Beings: The 4Ps Revisited", **fields) -> Series:
    fresh_transaction()
    series = Series(title=title, chair="The Netherlands", organiser="Khartoum Process Secretariat", **fields)
    db.session.add(series)
    db.session.commit()
    return series


def add_keynote(event: Event, speaker: str, title: str, organisation: str) -> AgendaItem:
    fresh_transaction()
    item = AgendaItem(event=event, kind=AgendaItemKind.KEYNOTE, title="Keynote", position=1)
    item.speakers.append(Speaker(name=speaker, title=title, organisation=organisation))
    db.session.add(item)
    db.session.commit()
    return item


# --- filling in forms as a browser does ---------------------------------------

CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf_token(client, url: str) -> str:
    page = client.get(url)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url} ({page.status_code})"
    return match.group(1)


def stamp_signer(app, client, binding: str | None = None):
    """The signer of the anti-robot stamps of `client`'s session (app/registration/forms.py):
    bound to the session's CSRF secret, or to `binding` ("embed" for the embedded form)."""
    from itsdangerous import TimestampSigner

    if binding is None:
        with client.session_transaction() as session:
            binding = session["csrf_token"]
    return TimestampSigner(app.config["SECRET_KEY"], salt=f"plenary.form-started/{binding}")


def delegate_form(**overrides) -> dict:
    data = {
        "name": "Amina Yusuf",
        "email": "amina.yusuf@example.org",
        "organisation": "Ministry of Labour and Social Affairs",
        "organisation_kind": "member_state",
        "country": "ET",
        "job_title": "Director of Migration Affairs",
        "language": "en",
        "consent_privacy": "y",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def submit(client, url: str, data: dict, **kwargs):
    """GET the form for its CSRF token, then POST it, as a browser does."""
    data = dict(data)
    data.setdefault("csrf_token", csrf_token(client, url))
    return client.post(url, data=data, **kwargs)


MANAGE_LINK_RE = re.compile(r"http://127\.0\.0\.1:5000(/registrations/manage/[A-Za-z0-9_.\-]+)")


def manage_path(message: EmailMessage) -> str:
    body = message.get_body(preferencelist=("plain",)).get_content()
    match = MANAGE_LINK_RE.search(body)
    assert match, "no manage link in the email"
    return match.group(1)


# --- ZIP bombs, built in memory -----------------------------------------------------------


def zip_with_padding(
    parts: dict[str, bytes], padded: str, size: int, around: tuple[bytes, bytes], unit: bytes = b" "
) -> bytes:
    """A ZIP of `parts` and of the part `padded`: `around[0]`, about `size` bytes of `unit`
    repeated, `around[1]`, written a megabyte at a time (never whole in memory). Deflate
    packs such padding about 230 to 1 at level 1, the fastest to write (64 MB in 0.2 s)."""
    buffer, chunk = io.BytesIO(), unit * ((1 << 20) // len(unit))
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
        with archive.open(padded, "w") as part:
            part.write(around[0])
            for _ in range(size // len(chunk)):
                part.write(chunk)
            part.write(around[1])
    return buffer.getvalue()


# --- the organiser console -------------------------------------------------------

PASSWORD = "correct horse battery staple"


def make_account(role: str = "organiser", email: str | None = None, name: str | None = None):
    from app.models import AccountRole
    from app.services.accounts import create_account

    email = email or f"{role}-{utcnow().timestamp():.6f}@secretariat.example.org"
    return create_account(email, name or role.title(), PASSWORD, AccountRole(role))


def sign_in(client, email: str, password: str = PASSWORD, **kwargs):
    return submit(client, "/console/login", {"email": email, "password": password}, **kwargs)


@pytest.fixture
def signed_in(app):
    """signed_in("viewer") -> a test client signed in with a new account of that role."""

    def sign(role: str = "organiser", email: str | None = None):
        account = make_account(role, email)
        client = app.test_client()
        response = sign_in(client, account.email)
        assert response.status_code == 302, response.get_data(as_text=True)
        client.account = account
        return client

    return sign


@pytest.fixture
def console(signed_in):
    """A client signed in as an organiser."""
    return signed_in("organiser")


# --- the job queue as deployed -------------------------------------------------------


@pytest.fixture
def queued():
    """The job queue with its tasks waiting for a worker, as deployed (the tests otherwise run
    them inline): yields `work()`, which runs the waiting tasks here, as one worker does, and
    returns how many ran."""
    from app.queue import huey

    huey.immediate = False
    huey.flush()

    def work() -> int:
        ran = 0
        while (task := huey.dequeue()) is not None:
            huey.execute(task)
            ran += 1
        return ran

    yield work
    huey.flush()
    huey.immediate = True
