"""A queue worker killed while it sends: nothing is lost, and at most the message each of its
threads had on the wire arrives twice.

The worker is the deployed one, `huey_consumer app.worker.huey` with two threads, in a process
of its own on the suite's database (SQLite or PostgreSQL), sending to a real SMTP server that
counts what it received by Message-ID.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.database import utcnow
from app.extensions import db
from app.models import Message, MessageStatus
from app.services.mail.delivery import deliver_pending
from app.services.mail.notifications import compose_written
from app.services.registration import registrations as service
from app.services.registration.registrations import Applicant
from tests.conftest import InboxHandler, SmtpServer, database_url, make_app, make_event, with_fresh_database

MESSAGES = 160
THREADS = 2
# Small batches, so that both threads have a batch of their own under way when the worker dies.
BATCH = 40
# Not a multiple of the batch: however the two threads shared them, the first 60 messages leave
# at least 20 of a batch sent that a worker recording each batch at its end had not recorded.
KILL_AFTER = 60
# Bounds on waiting for another process, not measures of speed: a test on a busy machine waits.
PATIENCE_SECONDS = 180


class SlowInbox(InboxHandler):
    """A server that takes a few milliseconds a message, so that the worker dies mid-batch."""

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.003)
        return await super().handle_DATA(server, session, envelope)


pytestmark = pytest.mark.slow  # a queue worker in its own process, killed mid-delivery


@pytest.fixture
def slow_smtp():
    server = SmtpServer()
    server.handler_class = SlowInbox
    server.start()
    yield server
    server.stop()


@pytest.fixture
def slow_mail_app(tmp_path, slow_smtp):
    yield from with_fresh_database(
        make_app(tmp_path, MAIL_SERVER="127.0.0.1", MAIL_PORT=slow_smtp.port, OUTBOX_KICK=False)
    )


def queue_composed_messages(count: int) -> set[str]:
    """`count` confirmations in the outbox, composed already as the worker would (so that it
    only sends); returns their Message-IDs."""
    event = make_event(capacity=None)
    for n in range(count):
        service.register(event, Applicant(email=f"delegate{n}@example.org", name=f"Delegate {n}"))
    db.session.rollback()
    ids = list(db.session.scalars(sa.select(Message.id)))
    assert all(isinstance(mime, bytes) for mime in compose_written(ids).values())
    return set(db.session.scalars(sa.select(Message.message_id)))


def start_worker(tmp_path: Path, smtp_port: int) -> subprocess.Popen:
    """The queue's consumer as deployed, on the test's database and SMTP server."""
    env = dict(
        os.environ,
        PLENARY_ENV="development",
        DATABASE_URL=database_url(tmp_path),
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=str(smtp_port),
        MAIL_DIR=str(tmp_path / "mail"),
        OUTBOX_BATCH_SIZE=str(BATCH),
        LOG_LEVEL="WARNING",
    )
    consumer = Path(sys.executable).parent / "huey_consumer"
    command = [consumer, "app.worker.huey", "--workers", str(THREADS), "--delay", "0.05", "--no-periodic"]
    with open(tmp_path / "worker.log", "wb") as log:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)  # noqa: S603


def wait_for(condition, what: str) -> None:
    deadline = time.monotonic() + PATIENCE_SECONDS
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.01)


def unsent_count() -> int:
    db.session.rollback()  # a fresh snapshot: the worker commits in another process
    return db.session.scalar(sa.select(sa.func.count()).where(Message.status != MessageStatus.SENT))


def test_a_worker_killed_mid_delivery_resends_at_most_the_message_each_thread_had_on_the_wire(
    slow_mail_app, slow_smtp, tmp_path
):
    from app.queue import huey
    from app.services.mail.tasks import deliver_outbox

    expected = queue_composed_messages(MESSAGES)
    inbox = slow_smtp.inbox
    huey.immediate = False  # the real queue (its SQLite file), which the worker process reads
    huey.flush()
    worker = start_worker(tmp_path, slow_smtp.port)
    try:
        for _ in range(THREADS):
            deliver_outbox()  # one delivery task for each of the worker's threads
        wait_for(lambda: len(inbox.messages) >= KILL_AFTER, f"the worker to send {KILL_AFTER} messages")
        worker.kill()
        worker.wait(timeout=PATIENCE_SECONDS)
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait(timeout=PATIENCE_SECONDS)
        huey.flush()
        huey.immediate = True
    assert unsent_count() > 0, "the worker must die before everything is sent"

    # Its claims lapse; the next worker sends what it had claimed and not recorded as sent.
    after_the_claims = utcnow() + timedelta(seconds=slow_mail_app.config["OUTBOX_CLAIM_SECONDS"] + 1)
    while deliver_pending(now=after_the_claims).claimed:
        pass
    assert unsent_count() == 0

    received = Counter(message["Message-ID"] for message in inbox.messages)
    assert set(received) == expected, "nothing is lost"
    duplicates = sum(times - 1 for times in received.values())
    assert duplicates <= THREADS, f"{duplicates} messages sent twice after the worker was killed"
