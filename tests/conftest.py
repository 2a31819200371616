"""Fixtures in the Flask tutorial's chain: app -> client -> runner, plus a real SMTP server.

The suite runs on SQLite by default and on PostgreSQL when TEST_DATABASE_URL
is set (`.ci/run` does both). The schema is built once a session; each test starts
with every table emptied (see `empty_database`).
"""

from __future__ import annotations

import copy
import io
import os
import re
import shutil
import tempfile
import threading
import zipfile
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path

import sqlalchemy as sa

# Under pytest-xdist (`make test` runs two workers), each worker is a session of its own, with
# its own instance folder, SQLite file and PostgreSQL database: the tests of one worker empty
# the tables between tests, which would pull the rows from under the other's. The processes a
# test starts inherit the worker's environment, and with it the worker's folders and database.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")  # "gw0", "gw1"...; "" without xdist
_WORKER_SET_UP_HERE = bool(WORKER) and os.environ.get("PLENARY_TEST_WORKER") != WORKER
if _WORKER_SET_UP_HERE:
    os.environ["PLENARY_TEST_WORKER"] = WORKER
    os.environ["PLENARY_INSTANCE_DIR"] = tempfile.mkdtemp(prefix=f"plenary-tests-{WORKER}-")
    os.environ.pop("PLENARY_TEST_SQLITE_DIR", None)  # the controller's: made again below
    if os.environ.get("TEST_DATABASE_URL"):  # the worker's database is made at the session's start
        _url = _DATABASE_OF_THE_RUN = sa.engine.make_url(os.environ["TEST_DATABASE_URL"])
        os.environ["TEST_DATABASE_URL"] = _url.set(database=f"{_url.database}_{WORKER}").render_as_string(
            hide_password=False
        )
# Before the app is imported: the job queue's files go to a throwaway folder.
os.environ.setdefault("PLENARY_INSTANCE_DIR", tempfile.mkdtemp(prefix="plenary-tests-"))
# The session's SQLite database lives here; processes a test starts (spawned, so they import
# this module again) inherit the variable and open the same file.
_SQLITE_DIR_MADE_HERE = "PLENARY_TEST_SQLITE_DIR" not in os.environ
if _SQLITE_DIR_MADE_HERE:
    os.environ["PLENARY_TEST_SQLITE_DIR"] = tempfile.mkdtemp(prefix="plenary-tests-db-")
SQLITE_DIR = Path(os.environ["PLENARY_TEST_SQLITE_DIR"])
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
from aiosmtpd.controller import Controller  # noqa: E402
from flask import g, has_app_context  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from redis.exceptions import RedisError  # noqa: E402

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


def database_url(tmp_path=None) -> str:
    """The session's database, whatever the test's folder: TEST_DATABASE_URL, or one SQLite
    file (`tmp_path` is kept for the callers that pass it)."""
    return TEST_DATABASE_URL or f"sqlite:///{SQLITE_DIR / 'plenary.db'}"


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


def app_settings(tmp_path, **overrides) -> dict:
    """The configuration make_app gives create_app: the test's own folders, and the overrides."""
    settings = {
        "PLENARY_ENV": "testing",
        "SQLALCHEMY_DATABASE_URI": database_url(tmp_path),
        "MAIL_DIR": str(tmp_path / "mail"),
        "DOCUMENTS_DIR": str(tmp_path / "documents"),
        "BASE_URL": "http://127.0.0.1:5000",
    }
    settings.update(overrides)
    return settings


def make_app(tmp_path, **overrides):
    """A new app, as a process that has just started builds it."""
    app = create_app(app_settings(tmp_path, **overrides))
    app.test_client_class = FreshRequestClient
    return app


@pytest.fixture
def app_config() -> dict:
    """Override in a test module to change the app's configuration."""
    return {}


def with_fresh_database(app):
    """Yield the app inside its context with empty tables; clean up after."""
    with app.app_context():
        empty_database()
        forget_process_state()
        yield app
        db.session.remove()  # its transaction ended, its connection back in the pool
        if not _still_shared(app):
            db.engine.dispose()


@pytest.fixture
def app(tmp_path, app_config):
    yield from with_fresh_database(shared_app(tmp_path, **app_config))


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


# --- one app per configuration, shared by the tests that ask for it ----------------------------
#
# Building an app, and compiling the templates its first requests render, took a fifth of a
# second: most of a test's time. The `app` fixture builds one for each configuration (the
# module's `app_config`) and gives it again to the next test with the same configuration, as
# it was built: its configuration restored (and pointed at the test's folders), the limiter's
# counts and the process's kept figures forgotten. A test that changes the app itself (adds a
# route, a hook, an extension) gets a new one after it: the shared app is dropped.

SHARED_APPS_MAX = 4  # each holds a pool of database connections
# The values a configuration is compared by; an app configured with anything else is not shared.
PLAIN_VALUES = (str, bytes, int, float, bool, type(None), Path, timedelta)


@dataclass
class SharedApp:
    app: object
    config: dict  # as create_app left it
    extensions: dict  # likewise: what the app adds later is its caches (the registration pages)
    structure: tuple  # see `_structure`


_shared_apps: dict[str, SharedApp] = {}  # by configuration, the most recently used last


def shared_app(tmp_path, **overrides):
    """make_app(tmp_path, **overrides), or the app built earlier with the same overrides, as
    it was built."""
    key = _configuration_key(overrides)
    shared = _shared_apps.pop(key, None) if key else None
    if shared is not None:
        _shared_apps[key] = shared
        _restore(shared, app_settings(tmp_path, **overrides))
        return shared.app
    app = make_app(tmp_path, **overrides)
    # Outside testing, create_app configures the process's logging: built for each test.
    if key and app.testing:
        _shared_apps[key] = SharedApp(app, dict(app.config), dict(app.extensions), _structure(app))
        while len(_shared_apps) > SHARED_APPS_MAX:
            _drop(_shared_apps.pop(next(iter(_shared_apps))).app)
    return app


def _configuration_key(overrides: dict) -> str | None:
    def plain(value) -> bool:
        if isinstance(value, list | tuple | set | frozenset):
            return all(plain(item) for item in value)
        if isinstance(value, dict):
            return all(plain(key) and plain(item) for key, item in value.items())
        return isinstance(value, PLAIN_VALUES)

    return repr(sorted(overrides.items())) if plain(overrides) else None


def _restore(shared: SharedApp, settings: dict) -> None:
    app = shared.app
    app.config.clear()
    app.config.update({name: _copy(value) for name, value in shared.config.items()})
    app.config.update(settings)
    app.extensions.clear()
    app.extensions.update(shared.extensions)
    # Flask refuses new routes and hooks once an app has served a request; a test may add
    # them to its app, which is then dropped (`_still_shared`). Flask's app.run() does the same.
    app._got_first_request = False


def _copy(value):
    try:
        return copy.deepcopy(value)
    except Exception:
        return value


def _structure(app) -> tuple:
    """What a test could change in an app besides its configuration and extensions."""
    return (
        tuple(app.view_functions.items()),
        tuple(app.url_map.iter_rules()),
        tuple(app.blueprints.items()),
        tuple(_hooks(app)),
        tuple(app.jinja_env.globals.items()),
        tuple(app.jinja_env.filters.items()),
        tuple(app.jinja_env.tests.items()),
        (app.test_client_class, app.test_cli_runner_class, app.session_interface, app.json, app.wsgi_app),
    )


HOOKS = (
    "before_request_funcs",
    "after_request_funcs",
    "teardown_request_funcs",
    "teardown_appcontext_funcs",
    "url_value_preprocessors",
    "url_default_functions",
    "template_context_processors",
)


def _hooks(app):
    """Each hook and error handler, with whom it is registered for (Flask fills in empty
    entries of its error handlers as it looks them up: those are left out)."""
    for hook in HOOKS:
        registered = getattr(app, hook)  # by blueprint; teardown_appcontext_funcs: a list
        by_blueprint = registered.items() if isinstance(registered, dict) else [(None, registered)]
        for blueprint, functions in by_blueprint:
            yield (hook, blueprint, *functions)
    for blueprint, codes in app.error_handler_spec.items():
        for code, handlers in codes.items():
            yield from (("errorhandler", blueprint, code, *handler) for handler in handlers.items())


def _still_shared(app) -> bool:
    """Whether the app stays shared after a test: not if the test changed it."""
    for key, shared in _shared_apps.items():
        if shared.app is app:
            if _structure(app) == shared.structure:
                return True
            del _shared_apps[key]
            return False
    return False


def _drop(app) -> None:
    with app.app_context():
        db.engine.dispose()


def forget_process_state() -> None:
    """What the process keeps between tests that an earlier test may have filled."""
    from app.extensions import limiter
    from app.queue import huey

    # The counts of rate limits, in memory; a test's limiter on a Redis that is down
    # (tests/test_redis_down.py) has none here to forget.
    with suppress(RedisError):
        limiter.storage.reset()
    if huey.immediate:  # the tasks' storage, in memory while tests run them inline
        huey.storage.flush_all()


# --- one schema a session, every table emptied before each test --------------------------------
#
# Building the schema (create_all, which makes the triggers of models/participation.py too)
# took longer than most tests; deleting the rows takes about a millisecond. The app commits for
# real (write_transaction(), BEGIN IMMEDIATE on SQLite, processes and threads of their own), so
# a test cannot run inside a transaction rolled back at its end: its rows are deleted instead,
# before it starts, whoever left them.

_schemas_built: set[str] = set()  # the databases whose schema this session built


def empty_database() -> None:
    """Every table of the current app's database emptied, its ids starting at 1 again; the
    schema built first, once a session, or again where a test dropped it
    (tests/test_migrations.py)."""
    url = db.engine.url.render_as_string(hide_password=False)
    if url not in _schemas_built:
        build_schema(url)
    else:
        try:
            delete_every_row(url)
        except sa.exc.DBAPIError as error:
            if not _missing_table(error):
                raise
            build_schema(url)


def build_schema(url: str) -> None:
    db.session.remove()
    db.drop_all()
    db.create_all()
    _schemas_built.add(url)


def _missing_table(error: sa.exc.DBAPIError) -> bool:
    return getattr(error.orig, "sqlstate", None) == "42P01" or "no such table" in str(error.orig)


def _tables_to_empty() -> list[str]:
    """Those that refer to others first; the events' versions last, as the triggers of
    models/participation.py write them when attendance or registrations are deleted."""
    tables = [table.name for table in reversed(db.metadata.sorted_tables)]
    return sorted(tables, key=lambda name: name == "participants_version")


def delete_every_row(url: str) -> None:
    """DELETE, not TRUNCATE: on PostgreSQL, 20 TRUNCATEs took 50 times as long (a new file for
    each table and index); on SQLite there is none."""
    db.session.remove()
    tables = _tables_to_empty()
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as connection:
            connection.exec_driver_sql(
                "; ".join(
                    [
                        "SET LOCAL lock_timeout = '30s'",  # a test left a lock: fail, do not hang
                        "SET LOCAL synchronous_commit = off",  # no wait for the disk: nothing to keep
                        "SET CONSTRAINTS ALL IMMEDIATE",  # the deferred triggers, before the last DELETE
                        *(f'DELETE FROM "{table}"' for table in tables),
                        RESTART_SEQUENCES,
                    ]
                )
            )
        return
    from app.database import BEGIN_IMMEDIATE

    # SQLite gives the next row the highest id + 1: with none left, 1.
    with db.engine.connect() as connection:
        connection = connection.execution_options(**{BEGIN_IMMEDIATE: True})
        with connection.begin():
            for table in tables:
                connection.exec_driver_sql(f'DELETE FROM "{table}"')


# The sequences of ids that have given one, set to start again at 1 (setval: ALTER SEQUENCE ...
# RESTART gives each sequence a new file, and took as long as the DELETEs).
RESTART_SEQUENCES = (
    "SELECT setval(quote_ident(schemaname) || '.' || quote_ident(sequencename), 1, false) FROM pg_sequences "
    "WHERE schemaname = current_schema() AND last_value IS NOT NULL"
)


def pytest_sessionstart(session) -> None:
    if _WORKER_SET_UP_HERE and TEST_DATABASE_URL:
        _worker_database("CREATE")


def pytest_sessionfinish(session, exitstatus) -> None:
    while _shared_apps:
        _drop(_shared_apps.popitem()[1].app)
    if _SQLITE_DIR_MADE_HERE:
        shutil.rmtree(SQLITE_DIR, ignore_errors=True)
    if _WORKER_SET_UP_HERE:
        shutil.rmtree(os.environ["PLENARY_INSTANCE_DIR"], ignore_errors=True)
        if TEST_DATABASE_URL:
            _worker_database("DROP")


def _worker_database(action: str) -> None:
    """A pytest-xdist worker's PostgreSQL database created afresh (dropped first, in case an
    interrupted run left it), or dropped; through a connection to the run's TEST_DATABASE_URL."""
    engine = sa.create_engine(_DATABASE_OF_THE_RUN, isolation_level="AUTOCOMMIT")
    name = engine.dialect.identifier_preparer.quote(sa.engine.make_url(TEST_DATABASE_URL).database)
    try:
        with engine.connect() as connection:
            # FORCE: connections the session's processes left open do not keep it.
            connection.exec_driver_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            if action == "CREATE":
                connection.exec_driver_sql(f"CREATE DATABASE {name}")
    finally:
        engine.dispose()


# --- two workers: the tests that are not to run beside each other ------------------------------
#
# `make test` runs the suite in two pytest-xdist workers with `--dist loadgroup`: the tests of
# one xdist_group run in one worker, one after the other, while the other worker takes the rest.
XDIST_GROUPS = {
    # Those that start processes or threads by the dozen (gunicorn, queue workers, races), and
    # whose outcome depends on a worker being killed in time: one at a time.
    "slow": "processes",
    # One Chromium for all of them (the `browser` fixture is the session's), not one a worker.
    "browser": "browser",
}


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items) -> None:
    if not config.pluginmanager.has_plugin("xdist"):  # `-p no:xdist`: no groups, no marker
        return
    for item in items:
        for marker, group in XDIST_GROUPS.items():
            if item.get_closest_marker(marker) and not item.get_closest_marker("xdist_group"):
                item.add_marker(pytest.mark.xdist_group(group))


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

    def as_new(self) -> None:
        """Running, with an empty inbox and a new handler, as a new server on the same port: a
        test may have stopped it, or changed its handler (tests/test_lifecycle_emails.py)."""
        self.__dict__.pop("handler_class", None)
        self.inbox = Inbox()
        if self.controller is not None:
            self.controller.handler = self.handler_class(self.inbox)  # taken by each new connection
            return
        try:
            self.start()
        except OSError:  # the port was taken while the server was stopped
            self.port = 0
            self.start()


@pytest.fixture(scope="session")
def smtp_server_of_the_session():
    """One server for the session: its port stays the same, so the tests that send to it share
    an app (see `shared_app`)."""
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server(smtp_server_of_the_session):
    """A real SMTP server, running, its inbox empty."""
    smtp_server_of_the_session.as_new()
    return smtp_server_of_the_session


@pytest.fixture
def mail_app(tmp_path, smtp_server):
    """The app sending to the test SMTP server."""
    yield from with_fresh_database(shared_app(tmp_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port))


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
    from app.services.accounts.accounts import create_account

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
