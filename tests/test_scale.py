"""At scale, on PostgreSQL and Redis: gunicorn with two web processes, two queue workers,
2,000 registration attempts at once for 500 seats, and a queue worker killed while sending.

Runs where TEST_DATABASE_URL names a PostgreSQL database and Redis answers on
127.0.0.1:6379 (`.ci/run` provides both); skipped, with the reason, elsewhere.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Event, Message, MessageStatus, Registration, RegistrationStatus
from app.services.mail import event_notices as event_service
from tests.conftest import TEST_DATABASE_URL, InboxHandler, SmtpServer, make_event

REDIS_URL = "redis://127.0.0.1:6379/13"  # a database of its own, emptied by the test
BIN = Path(sys.executable).parent
ATTEMPTS, SEATS, CLIENTS = 2000, 500, 40
CLAIM_SECONDS = 5
THREADS_PER_WORKER = 2

pytestmark = [pytest.mark.slow, pytest.mark.scale]  # `make test-fast` leaves it out


def redis_ready() -> bool:
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1)
        client.flushdb()
        client.close()
        return True
    except Exception:
        return False


if not (TEST_DATABASE_URL or "").startswith("postgresql"):
    pytest.skip("the scale test runs on PostgreSQL (set TEST_DATABASE_URL)", allow_module_level=True)
if not redis_ready():
    pytest.skip("the scale test needs Redis on 127.0.0.1:6379", allow_module_level=True)


class SlowInbox(InboxHandler):
    """A server that takes a few milliseconds per message, so that a worker can die mid-batch."""

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.003)
        return await super().handle_DATA(server, session, envelope)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


@pytest.fixture
def slow_smtp():
    server = SmtpServer()
    server.handler_class = SlowInbox
    server.start()
    yield server
    server.stop()


@pytest.fixture
def cluster(app, slow_smtp, tmp_path):
    """gunicorn (2 processes) and 2 Huey consumers on Redis, as docs/deploy.md runs them."""
    port = free_port()
    env = dict(
        os.environ,
        PLENARY_ENV="development",
        PLENARY_INSTANCE_DIR=str(tmp_path / "instance"),
        SECRET_KEY="scale-test-secret-key",
        DATABASE_URL=TEST_DATABASE_URL,
        REDIS_URL=REDIS_URL,
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(slow_smtp.port),
        OUTBOX_CLAIM_SECONDS=str(CLAIM_SECONDS),
        BASE_URL=f"http://127.0.0.1:{port}",
        LOG_REQUESTS="0",
    )
    logs = tmp_path / "logs"
    logs.mkdir()
    web = start(
        ["gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "8", "wsgi:app"],
        env,
        logs / "web.log",
    )
    consumer = [
        "huey_consumer",
        "app.worker.huey",
        "--workers",
        str(THREADS_PER_WORKER),
        "--delay",
        "0.05",
        "--max-delay",
        "0.5",
    ]
    workers = [start(consumer, env, logs / f"worker{n}.log") for n in range(2)]
    url = f"http://127.0.0.1:{port}"
    wait_for(lambda: _answers(f"{url}/healthz"), 30, "gunicorn to answer")
    yield url, workers
    for process in [web, *workers]:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    for process in [web, *workers]:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def start(command: list[str], env: dict, log: Path) -> subprocess.Popen:
    with open(log, "w") as output:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [BIN / command[0], *command[1:]], env=env, stdout=output, stderr=subprocess.STDOUT
        )


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:  # noqa: S310 - our own http:// server
            return response.status == 200
    except OSError:
        return False


CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
POSITION = re.compile(r"You are number (\d+) on the waiting list")


def register(url: str, event_id: int, n: int) -> tuple[int, str]:
    """One visitor's journey: the form, the POST, the result page. Returns (status, outcome)."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    form_url = f"{url}/events/{event_id}/register"
    try:
        page = opener.open(form_url, timeout=60).read().decode()
        data = {
            "csrf_token": CSRF.search(page).group(1),
            "name": f"Delegate {n}",
            "email": f"delegate{n}@example.org",
            "organisation": "Ministry of Justice",
            "organisation_kind": "member_state",
            "country": "SD",
            "language": "en",
            "consent_privacy": "y",
        }
        with opener.open(form_url, urllib.parse.urlencode(data).encode(), timeout=60) as response:
            result = response.read().decode()
            status = response.status
    except urllib.error.HTTPError as error:
        return error.code, ""
    if "Your seat is confirmed." in result:
        return status, "confirmed"
    position = POSITION.search(result)
    return status, f"waitlisted:{position.group(1)}" if position else "unknown"


def test_two_thousand_registrations_for_five_hundred_seats_then_a_worker_dies(app, cluster, slow_smtp):
    url, workers = cluster
    event_id = make_event("Partnership", capacity=SEATS).id

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        results = list(pool.map(lambda n: register(url, event_id, n), range(ATTEMPTS)))

    statuses = Counter(status for status, _ in results)
    assert statuses == {200: ATTEMPTS}, f"non-200 answers: {statuses}"
    outcomes = Counter(outcome.split(":")[0] for _, outcome in results)
    assert outcomes == {"confirmed": SEATS, "waitlisted": ATTEMPTS - SEATS}
    positions = sorted(
        int(outcome.split(":")[1]) for _, outcome in results if outcome.startswith("waitlisted")
    )
    assert positions == list(range(1, ATTEMPTS - SEATS + 1))

    db.session.rollback()
    assert db.session.get(Event, event_id).confirmed_count == SEATS
    stored = dict(
        db.session.execute(
            sa.select(Registration.status, sa.func.count()).group_by(Registration.status)
        ).all()
    )
    assert stored == {RegistrationStatus.CONFIRMED: SEATS, RegistrationStatus.WAITLISTED: ATTEMPTS - SEATS}

    wait_for(lambda: sent_count() == ATTEMPTS, 180, "every confirmation to be sent")
    confirmations = Counter(m["Message-ID"] for m in slow_smtp.inbox.messages)
    assert len(confirmations) == ATTEMPTS and set(confirmations.values()) == {1}, "each exactly once"

    # The event moves: 2,000 updates are queued at once; a queue worker is killed while sending them.
    app.config["OUTBOX_KICK"] = False  # the workers on Redis deliver, not this test process
    slow_smtp.inbox.clear()
    event = db.session.get(Event, event_id)
    later = event.start_dt + timedelta(days=7)
    event_service.reschedule(event, later, later + timedelta(hours=2))
    kick_workers(url, event_id, first=ATTEMPTS, count=4)  # new registrations ask the workers to deliver
    wait_for(lambda: len(slow_smtp.inbox.messages) >= 300, 120, "the first updates")
    workers[0].kill()
    assert len(slow_smtp.inbox.messages) < ATTEMPTS, "the worker must die before everything is sent"
    # Its claims expire; the next kick (any new registration) or the minute's sweep resumes them.
    time.sleep(CLAIM_SECONDS + 1)
    kick_workers(url, event_id, first=ATTEMPTS + 4, count=1)

    total = db.session.scalar(sa.select(sa.func.count(Message.id)))
    wait_for(lambda: sent_count() == total, 180, "every message to be sent")
    updates = set(db.session.scalars(sa.select(Message.message_id).where(Message.kind == "event_changed")))
    received = Counter(m["Message-ID"] for m in slow_smtp.inbox.messages)
    assert updates <= set(received), "nothing is lost"
    duplicates = sum(count - 1 for count in received.values())
    # At least once: each of the killed worker's threads may have had one message on the wire,
    # accepted and not yet recorded, which is then sent again; the Message-ID shows each.
    assert duplicates <= THREADS_PER_WORKER, f"{duplicates} messages sent twice"


def sent_count() -> int:
    db.session.rollback()  # a fresh snapshot: the workers commit in other processes
    return db.session.scalar(sa.select(sa.func.count()).where(Message.status == MessageStatus.SENT))


def kick_workers(url: str, event_id: int, first: int, count: int) -> None:
    for n in range(first, first + count):
        assert register(url, event_id, n)[0] == 200
