"""Redis gone: the site keeps serving, the limits are counted in each process, mail waits in the
outbox and goes out once the queue runs again.

"Down" is a port nothing listens on: bound, then closed, so that a connection is refused.
"""

from __future__ import annotations

import http.cookiejar
import json
import logging
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Message, MessageStatus, Registration
from app.services.links import manage_token
from app.services.registration import registrations
from app.services.registration.registrations import Applicant
from tests.conftest import (
    PASSWORD,
    csrf_token,
    database_url,
    delegate_form,
    make_account,
    make_app,
    make_event,
    manage_path,
    with_fresh_database,
)

ROOT = Path(__file__).resolve().parent.parent
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
FALLBACK_WARNING = "falling back to in-memory storage"


def closed_port() -> int:
    """A port that refuses connections: bound by us a moment ago, closed since."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def down_redis() -> str:
    return f"redis://127.0.0.1:{closed_port()}/0"


# --- in this process: the limits count without Redis ------------------------------------------------


@pytest.fixture
def app_config():
    return {"RATELIMIT_STORAGE_URI": down_redis(), "REGISTRATION_RATE_LIMIT": "3 per minute"}


def test_without_redis_the_form_registers_and_the_limit_is_counted_here(app, client, caplog):
    event = make_event()
    url = f"/events/{event.id}/register"
    token = csrf_token(client, url)
    with caplog.at_level(logging.WARNING):
        first = client.post(url, data={"csrf_token": token, **delegate_form()})
    assert first.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Registration)) == 1
    assert any(FALLBACK_WARNING in record.getMessage() for record in caplog.records)

    # The limit still holds, counted in this process: two more posts, then the page to wait.
    for n in range(2):
        assert (
            client.post(
                url, data={"csrf_token": token, **delegate_form(email=f"d{n}@example.org")}
            ).status_code
            == 302
        )
    refused = client.post(url, data={"csrf_token": token, **delegate_form(email="late@example.org")})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1


def test_readyz_names_redis_as_down_and_the_site_as_serving(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "degraded", "database": "ok", "rate_limits": "unavailable"}


# --- the site as deployed, with REDIS_URL on a closed port -----------------------------------------


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own http:// server
            return response.status == 200
    except OSError:
        return False


class Browser:
    """One visitor with cookies, who does not follow redirects: the status is what is checked."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    def __init__(self, base: str):
        self.base = base
        jar = urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        self.opener = urllib.request.build_opener(jar, self.NoRedirect)

    def open(self, path: str, form: dict | None = None, json_body: dict | None = None) -> tuple[int, str]:
        data, headers = None, {}
        if form is not None:
            data = urllib.parse.urlencode(form, doseq=True).encode()
        if json_body is not None:
            data, headers = json.dumps(json_body).encode(), {"Content-Type": "application/json"}
        request = urllib.request.Request(self.base + path, data=data, headers=headers)  # noqa: S310
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, error.read().decode()

    def submit(self, path: str, form: dict) -> int:
        _status, page = self.open(path)
        return self.open(path, {"csrf_token": CSRF.search(page).group(1), **form})[0]


@pytest.fixture
def site_without_redis(mail_app, tmp_path):
    """gunicorn serving the test database, with REDIS_URL (queue and rate limits) refused."""
    port = closed_port()
    base = f"http://127.0.0.1:{closed_port()}"
    env = dict(
        os.environ,
        PLENARY_ENV="development",
        PLENARY_INSTANCE_DIR=str(tmp_path / "instance"),
        SECRET_KEY=mail_app.config["SECRET_KEY"],
        DATABASE_URL=database_url(tmp_path),
        REDIS_URL=f"redis://127.0.0.1:{port}/0",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(mail_app.config["MAIL_PORT"]),
        BASE_URL="http://127.0.0.1:5000",
        REGISTRATION_RATE_LIMIT="20 per minute",
        REGISTRATION_EMAIL_RATE_LIMIT="5 per hour",
        MANAGE_RATE_LIMIT="60 per minute",
        LOG_FORMAT="text",
        LOG_REQUESTS="0",
    )
    env.pop("RATELIMIT_STORAGE_URI", None)
    log = tmp_path / "web.log"
    with open(log, "w") as output:
        server = subprocess.Popen(
            [Path(sys.executable).parent / "gunicorn", "--bind", base.removeprefix("http://"), "wsgi:app"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(lambda: answers(f"{base}/healthz"), 30, "gunicorn to answer")
        yield base, log
    finally:
        server.terminate()
        server.wait(timeout=15)


@pytest.mark.slow  # gunicorn and a queue worker
def test_without_redis_every_part_of_the_site_answers_and_mail_waits_in_the_outbox(
    mail_app, smtp_server, site_without_redis
):
    base, log = site_without_redis
    event = make_event(capacity=None)
    account = make_account("admin")
    earlier = registrations.register(event, Applicant(email="samuel.tesfaye@example.org", name="Samuel"))
    manage = f"/registrations/manage/{manage_token(earlier.registration)}"
    smtp_server.inbox.clear()  # its confirmation went out before Redis was gone
    visitor = Browser(base)

    assert visitor.submit(f"/events/{event.id}/register", delegate_form()) == 302
    assert visitor.open(manage)[0] == 200
    assert visitor.open("/api/v1/events")[0] == 200
    api_registration = delegate_form(email="dawit.bekele@example.org", consent_privacy=True)
    assert visitor.open(f"/api/v1/events/{event.id}/registrations", json_body=api_registration)[0] == 202
    assert Browser(base).submit("/console/login", {"email": account.email, "password": PASSWORD}) == 302
    status, body = visitor.open("/readyz")
    assert status == 200
    assert json.loads(body) == {
        "status": "degraded",
        "database": "ok",
        "queue": "unavailable",
        "rate_limits": "unavailable",
    }

    # Both registrations are committed with their email in the outbox; nothing is sent yet.
    db.session.rollback()
    queued = db.session.scalars(sa.select(Message).where(Message.status == MessageStatus.QUEUED)).all()
    assert sorted(m.to_address for m in queued) == ["amina.yusuf@example.org", "dawit.bekele@example.org"]
    assert smtp_server.inbox.messages == []
    written = log.read_text()
    assert FALLBACK_WARNING in written
    assert "could not enqueue outbox delivery" in written

    # The queue back: the scheduler's sweep sends what waited, and the links work.
    from app.services.mail.tasks import sweep_outbox

    assert sweep_outbox.call_local() == 2
    amina = smtp_server.inbox.to("amina.yusuf@example.org")
    assert len(amina) == 1
    assert visitor.open(manage_path(amina[0]))[0] == 200


# --- a Redis host that hangs: connections accepted, nothing answered -------------------------------


@contextmanager
def silent_redis():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)  # the system completes the connections; nobody ever reads them
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"


def within(seconds: float, work):
    """What `work()` gives, run in a thread; a failure if it takes longer than `seconds`."""
    results: list = []
    thread = threading.Thread(target=lambda: results.append(work()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still waiting after {seconds} seconds"
    return results[0]


@pytest.fixture
def app_on_silent_redis(tmp_path):
    with silent_redis() as url:
        yield from with_fresh_database(
            make_app(tmp_path, RATELIMIT_STORAGE_URI=url, REGISTRATION_RATE_LIMIT="3 per minute")
        )


def test_a_silent_redis_costs_the_form_a_second_not_the_request(app_on_silent_redis):
    event = make_event()
    client = app_on_silent_redis.test_client()
    form = f"/events/{event.id}/register"
    token = csrf_token(client, form)
    sent = within(10, lambda: client.post(form, data={"csrf_token": token, **delegate_form()}))
    assert sent.status_code == 302


def test_a_silent_redis_costs_the_queues_wake_up_call_seconds(monkeypatch):
    # redis-py 8 reads for 5 seconds at most by default; app/queue.py says so itself, so that
    # an older or newer default (older ones waited for ever) cannot make a registration hang.
    import redis

    from app.queue import _make_huey
    from app.services.mail.tasks import KICK_WAITING

    with silent_redis() as url:
        monkeypatch.setenv("REDIS_URL", url)
        queue = _make_huey()

        def peek():
            try:
                queue.storage.peek_data(KICK_WAITING)
            except redis.RedisError as error:
                return error

        assert isinstance(within(15, peek), redis.RedisError)
