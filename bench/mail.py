"""How fast the outbox worker delivers mail, against a bare smtplib loop to the same server.

    .venv/bin/python bench/mail.py [--messages 10000] [--batch N] [--repeat 1] [--consumers 2]

Starts an SMTP server (aiosmtpd) in a process of its own, on a free port of 127.0.0.1.
Each round first times the floor: a bare `smtplib` loop over ONE connection
sending the N messages' bytes, built before its timer starts. It then enqueues
the same N messages as outbox rows with those bytes, as the app composes them
when it queues a message (one bulk insert, not timed), and times
`deliver_pending()`, the project's worker, until all are delivered. The ratio
is worker rate / floor rate; the goal is at least 0.9 (reported, not asserted).
Then, as deployed, it times the job queue's own workers: --consumers separate
`huey_consumer app.worker.huey` processes (on the SQLite queue in the instance
folder, or on Redis when REDIS_URL is set), started before the timer, each
sent a `deliver_outbox` task once the same N messages are queued again; the
timer stops when the SMTP server has received all N. With --repeat, the best
round of each is kept.

The messages of a registration's life are written by the request and composed
by the worker just before their first sending (app/services/mail/notifications.py).
So it also times, reported apart from the ratio, --compose such confirmations
(each with its .ics) written for as many registrants, composed and sent by
`deliver_pending()`.

Runs on a fresh SQLite file, or on BENCH_DATABASE_URL (an empty PostgreSQL
database). Exits non-zero if the worker delivered a message twice or never.
The last line is one JSON object of the figures.
"""

from __future__ import annotations

import argparse
import json
import logging
import multiprocessing
import os
import re
import smtplib
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PLENARY_INSTANCE_DIR", tempfile.mkdtemp(prefix="plenary-bench-"))

import sqlalchemy as sa  # noqa: E402
from aiosmtpd.controller import Controller  # noqa: E402
from flask import current_app  # noqa: E402
from flask_mail import sanitize_address  # noqa: E402

from app import create_app  # noqa: E402
from app.database import utcnow, write_transaction  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import (  # noqa: E402
    Delegate,
    Event,
    Message,
    MessageContent,
    MessageStatus,
    OrganisationKind,
    Registration,
    RegistrationStatus,
)
from app.services.mail.delivery import deliver_pending  # noqa: E402
from app.services.mail.notifications import mime_bytes, queue_confirmation  # noqa: E402

GOAL = 0.9
HOST = "127.0.0.1"
# Only the top-level headers are searched: they end at the first blank line.
MESSAGE_ID_RE = re.compile(rb"^Message-ID:[ \t]*(<[^>\r\n]*>)", re.IGNORECASE | re.MULTILINE)


# --- the SMTP server -----------------------------------------------------------


class CountingHandler:
    """Accepts everything and keeps only each message's Message-ID, read from the raw bytes."""

    def __init__(self) -> None:
        self.received: list[bytes] = []

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content
        end = content.find(b"\r\n\r\n")
        match = MESSAGE_ID_RE.search(content, 0, end if end >= 0 else len(content))
        self.received.append(match.group(1) if match else b"")
        return "250 Message accepted for delivery"


class FreePortController(Controller):
    """aiosmtpd on port 0: the OS picks a free port, read back once bound."""

    def _trigger_server(self):
        self.port = self.server.sockets[0].getsockname()[1]
        super()._trigger_server()


class SmtpServerProcess:
    """The SMTP server in a process of its own, as a real one is never in the worker's process.
    In the bench's own process its thread would share the interpreter's lock with whatever the
    worker runs beside the sending (the thread that records each message as sent), which a
    deployed worker does not: on 2026-12-06, the worker's ratio (SQLite) was 0.84-0.85 with the
    server in this process and 0.88-0.97 in its own, the floor the same within the noise."""

    def __init__(self) -> None:
        self.conn, child = multiprocessing.Pipe()
        self.process = multiprocessing.Process(target=_serve, args=(child,), daemon=True)
        self.process.start()
        self.port = self.conn.recv()

    def _ask(self, request: str):
        self.conn.send(request)
        return self.conn.recv()

    @property
    def received(self) -> list[bytes]:
        """The Message-ID of each message received since the last reset, in order."""
        return self._ask("received")

    def count(self) -> int:
        return self._ask("count")

    def reset(self) -> None:
        self._ask("reset")

    def stop(self) -> None:
        self._ask("stop")
        self.process.join(timeout=10)


def _serve(conn) -> None:
    """The server process: aiosmtpd on a free port, answering the bench's questions."""
    logging.getLogger("mail.log").setLevel(logging.WARNING)  # aiosmtpd logs every command at INFO
    handler = CountingHandler()
    controller = FreePortController(handler, hostname=HOST, port=0)
    controller.start()
    conn.send(controller.port)
    while (request := conn.recv()) != "stop":
        if request == "received":
            conn.send(handler.received)
        elif request == "count":
            conn.send(len(handler.received))
        else:
            handler.received = []
            conn.send(None)
    controller.stop()
    conn.send(None)


# --- the messages --------------------------------------------------------------

TEXT_PARAGRAPHS = [
    "Dear Delegate {n},",
    "Your registration is confirmed for the thematic meeting of the Khartoum Process on "
    "Trafficking in Human Beings: The 4Ps Revisited, chaired by The Netherlands.",
    "Partnership and the protection of victims - Session {n}\n"
    "Thursday 12 March 2026, 10:00-12:00 (Europe/Brussels), 09:00-11:00 UTC",
    "Join link: https://zoom.us/j/81234567890?pwd=bench{n:06d}\n"
    "Meeting ID: 812 3456 7890 - Passcode: 4Ps-{n:04d}",
    "The meeting is held in English and French with simultaneous interpretation. Please join "
    "ten minutes early to test your audio; the moderator admits participants from the waiting "
    "room once their display name matches the name of their registration.",
    "Documents for the meeting (concept note, draft agenda, background paper) are published "
    "on the event page one week before the meeting, and the presentations after it.",
    "Event page: https://plenary.example.org/events/{n}",
    "Delegates who need a visa letter, reasonable accommodation or a travel arrangement for the "
    "in-person segment are asked to write to the secretariat at least three weeks in advance.",
    "To change or cancel your registration: "
    "https://plenary.example.org/registrations/manage/{n:06d}.bench-token-abcdefghijklmnop\n"
    "This link is personal; please do not forward this email.",
    "If you can no longer attend, please cancel your registration so that a delegate on the "
    "waiting list can take your seat. Seats are limited to two per member state delegation.",
    "Kind regards,\nKhartoum Process Secretariat\n"
    "Khartoum Process Secretariat, Gonzagagasse 1, 1010 Vienna, Austria",
]

HTML_HEAD = (
    '<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>Partnership and the '
    "protection of victims</title></head>\n"
    '<body style="margin:0;padding:0;background:#f4f5f7;font-family:Arial,Helvetica,sans-serif;'
    'color:#1d2330;">\n  <table role="presentation" width="100%" cellpadding="0" cellspacing="0" '
    'style="background:#f4f5f7;">\n    <tr><td align="center" style="padding:24px 12px;">\n'
    '      <table role="presentation" width="600" cellpadding="0" cellspacing="0" '
    'style="max-width:600px;width:100%;background:#ffffff;border-radius:6px;">\n'
    '        <tr><td style="padding:20px 28px;background:#12365c;color:#ffffff;'
    'border-radius:6px 6px 0 0;font-size:18px;font-weight:bold;">Khartoum Process</td></tr>\n'
    '        <tr><td style="padding:24px 28px;font-size:15px;line-height:1.5;">\n'
)
HTML_PARAGRAPH = '          <p style="margin:0 0 16px;font-size:15px;line-height:1.5;color:#1d2330;">{}</p>\n'
HTML_FOOT = (
    "        </td></tr>\n"
    '        <tr><td style="padding:16px 28px;font-size:12px;color:#6b7280;border-top:1px solid '
    '#e5e7eb;">Khartoum Process Secretariat, Gonzagagasse 1, 1010 Vienna, Austria</td></tr>\n'
    "      </table>\n    </td></tr>\n  </table>\n</body>\n</html>\n"
)


def html_link(match: re.Match) -> str:
    url = match.group(0)
    return f'<a href="{url}" style="color:#12365c;text-decoration:underline;">{url}</a>'


def bodies(n: int) -> tuple[str, str]:
    """A ~1.5 KB text part and a ~4 KB HTML part, like a confirmation email."""
    paragraphs = [p.format(n=n) for p in TEXT_PARAGRAPHS]
    text = "\n\n".join(paragraphs) + "\n"
    html = HTML_HEAD
    for paragraph in paragraphs:
        linked = re.sub(r"https://\S+", html_link, paragraph)
        html += HTML_PARAGRAPH.format(linked.replace("\n", "<br>\n"))
    return text, html + HTML_FOOT


def message_rows(count: int) -> list[dict]:
    rows = []
    for n in range(count):
        text, html = bodies(n)
        rows.append(
            {
                "kind": "bench",
                "registration_id": None,
                "to_address": f"d{n}@example.org",
                "to_name": f"Delegate {n}",
                "subject": f"Registration confirmed: Partnership and the protection of victims ({n})",
                "body_text": text,
                "body_html": html,
                "attachments": [],
                "message_id": f"<bench-{n}@plenary.example.org>",
                "status": MessageStatus.QUEUED,
                "attempts": 0,
                "last_error": "",
            }
        )
    return rows


CONTENT_FIELDS = ("body_text", "body_html", "attachments", "mime")


def split(row: dict) -> tuple[dict, dict]:
    """A row's delivery fields and its content, kept in two tables by the app."""
    content = {name: row[name] for name in CONTENT_FIELDS if name in row}
    return {k: v for k, v in row.items() if k not in CONTENT_FIELDS}, content


def enqueue(rows: list[dict]) -> None:
    """Empty the outbox and queue every row, in one transaction."""
    now = utcnow()
    messages, contents = [], []
    for number, row in enumerate(rows, start=1):
        message, content = split(row)
        messages.append(dict(message, id=number, next_attempt_dt=now, created_dt=now))
        contents.append(dict(content, message_id=number))
    with write_transaction() as session:
        session.execute(sa.delete(MessageContent))
        session.execute(sa.delete(Message))
        session.execute(sa.insert(Message), messages)
        session.execute(sa.insert(MessageContent), contents)
    db.session.remove()


def floor_payloads(rows: list[dict]) -> list[tuple[str, list[str], bytes]]:
    """Envelope and bytes of each message, built by the app's own `mime_bytes(message)`."""
    payloads = []
    sender = sanitize_address(current_app.extensions["mail"].default_sender)
    for row in rows:
        message, content = split(row)
        data = mime_bytes(Message(**message, content=MessageContent(**content)))
        payloads.append((sender, [message["to_address"]], data))
    return payloads


# --- the two timed runs ----------------------------------------------------------


def run_floor(port: int, payloads: list[tuple[str, list[str], bytes]]) -> float:
    """A bare smtplib loop over one connection; connecting and QUIT are inside the timer."""
    began = time.perf_counter()
    with smtplib.SMTP(HOST, port) as connection:
        for sender, recipients, data in payloads:
            connection.sendmail(sender, recipients, data)
    return time.perf_counter() - began


def write_confirmations(count: int) -> set[bytes]:
    """An event with `count` confirmed registrants, each with the confirmation email a
    registration writes (not composed): the outbox as the web form leaves it. Returns
    their Message-IDs."""
    start = (utcnow() + timedelta(days=30)).replace(microsecond=0)
    with write_transaction() as session:
        session.execute(sa.delete(MessageContent))
        session.execute(sa.delete(Message))
        event = Event(
            title="Partnership and the protection of victims",
            start_dt=start,
            end_dt=start + timedelta(hours=2),
            timezone="Europe/Brussels",
            join_url="https://zoom.us/j/81234567890",
        )
        registrations = [
            Registration(
                event=event,
                delegate=Delegate(email=f"w{n}@example.org", name=f"Delegate {n}"),
                status=RegistrationStatus.CONFIRMED,
                name=f"Delegate {n}",
                organisation="Ministry of Labour and Social Affairs",
                organisation_kind=OrganisationKind.MEMBER_STATE,
                country="ET",
                consent_privacy_dt=start,
            )
            for n in range(count)
        ]
        session.add_all(registrations)
        session.flush()
        written = [queue_confirmation(registration) for registration in registrations]
        ids = {
            message_id.encode()
            for message_id in session.scalars(sa.select(Message.message_id).where(Message.id.in_(written)))
        }
    db.session.remove()
    return ids


def run_worker(count: int) -> tuple[float, int]:
    """`deliver_pending()` until every message is sent, or a pass finds nothing more to send."""
    sent = 0
    began = time.perf_counter()
    while sent < count:
        report = deliver_pending()
        sent += report.sent
        if not report.claimed:
            break
    elapsed = time.perf_counter() - began
    db.session.remove()
    return elapsed, sent


def start_consumers(count: int, env: dict, logdir: Path) -> list[subprocess.Popen]:
    """The job queue's workers as deployed: separate processes, the periodic sweep off."""
    consumer = [str(Path(sys.executable).parent / "huey_consumer"), "app.worker.huey", "--workers", "1"]
    consumer += ["--delay", "0.05", "--max-delay", "0.2", "--no-periodic"]
    return [
        subprocess.Popen(  # noqa: S603 - our own command line
            consumer,
            env=env,
            cwd=ROOT,
            stdout=open(logdir / f"consumer{n}.log", "wb"),
            stderr=subprocess.STDOUT,
        )
        for n in range(count)
    ]


def warm_up(consumers: list[subprocess.Popen], seconds: float = 5) -> None:
    """Each consumer builds its app on its first task: not part of delivering mail."""
    from app.services.mail.tasks import deliver_outbox

    for _ in consumers:
        deliver_outbox()
    time.sleep(seconds if consumers else 0)


def run_consumers(server: SmtpServerProcess, count: int, consumers: int, timeout: float = 600) -> float:
    """Ask each consumer to deliver, and wait until the SMTP server has every message."""
    from app.services.mail.tasks import deliver_outbox

    began = time.perf_counter()
    for _ in range(consumers):
        deliver_outbox()
    while server.count() < count and time.perf_counter() - began < timeout:
        time.sleep(0.01)
    return time.perf_counter() - began


def tally(received: list[bytes], expected: set[bytes]) -> tuple[int, int]:
    """(Message-IDs received more than once, enqueued Message-IDs never received)."""
    counts = Counter(received)
    duplicates = sum(1 for times in counts.values() if times > 1)
    lost = len(expected - counts.keys())
    return duplicates, lost


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=10000)
    parser.add_argument("--batch", type=int, default=None, help="OUTBOX_BATCH_SIZE (default: the app's)")
    parser.add_argument("--repeat", type=int, default=1, help="rounds; the best of each run is reported")
    parser.add_argument("--consumers", type=int, default=2, help="huey_consumer processes (0: skip)")
    parser.add_argument(
        "--compose", type=int, default=2000, help="confirmations composed and sent by the worker (0: skip)"
    )
    args = parser.parse_args()
    count = args.messages

    server = SmtpServerProcess()
    port = server.port

    workdir = Path(tempfile.mkdtemp(prefix="plenary-bench-"))
    url = os.environ.get("BENCH_DATABASE_URL") or f"sqlite:///{workdir / 'bench.db'}"
    config = {
        "SQLALCHEMY_DATABASE_URI": url,
        "MAIL_SERVER": HOST,
        "MAIL_PORT": port,
        "MAIL_MAX_EMAILS": count + 1,  # the connection is never recycled during the run
        "MAIL_RATE_PER_MINUTE": 0,  # no pacing, whatever the environment says
        "OUTBOX_KICK": False,  # delivery is timed below, not kicked by the insert
        "MAIL_DIR": str(workdir / "mail"),
    }
    if args.batch:
        config["OUTBOX_BATCH_SIZE"] = args.batch
    app = create_app(config)
    # The consumers build the same app from the environment.
    consumer_env = dict(
        os.environ,
        DATABASE_URL=url,
        MAIL_SERVER=HOST,
        MAIL_PORT=str(port),
        MAIL_MAX_EMAILS=str(count + 1),
        MAIL_RATE_PER_MINUTE="0",
        MAIL_DIR=config["MAIL_DIR"],
        LOG_LEVEL="WARNING",
    )
    if args.batch:
        consumer_env["OUTBOX_BATCH_SIZE"] = str(args.batch)

    expected = {f"<bench-{n}@plenary.example.org>".encode() for n in range(count)}
    rounds = []
    with app.app_context():
        db.drop_all()
        db.create_all()
        batch = app.config["OUTBOX_BATCH_SIZE"]
        rows = message_rows(count)
        # Not timed as delivery, but reported: what mime_bytes() alone costs per message.
        build_began = time.perf_counter()
        payloads = floor_payloads(rows)
        build_seconds = time.perf_counter() - build_began
        # The app composes each message's bytes when it queues it; so does the benchmark.
        for row, (_sender, _recipients, data) in zip(rows, payloads, strict=True):
            row["mime"] = data
        message_bytes = sum(len(data) for _, _, data in payloads) / count

        # Warm-up, not counted: the server's first connections, smtplib's imports.
        run_floor(port, payloads[: min(count, 200)])
        consumers = start_consumers(args.consumers, consumer_env, workdir)
        warm_up(consumers)

        for number in range(1, args.repeat + 1):
            server.reset()
            floor_seconds = run_floor(port, payloads)
            floor_duplicates, floor_lost = tally(server.received, expected)

            enqueue(rows)
            server.reset()
            seconds, sent = run_worker(count)
            duplicates, lost = tally(server.received, expected)
            statuses = dict(
                db.session.execute(sa.select(Message.status, sa.func.count()).group_by(Message.status)).all()
            )
            db.session.remove()
            not_sent = count - statuses.get(MessageStatus.SENT, 0)
            queue_seconds = queue_duplicates = queue_lost = 0
            if consumers:
                enqueue(rows)
                server.reset()
                queue_seconds = run_consumers(server, count, len(consumers))
                time.sleep(0.5)  # a message sent twice would arrive now
                queue_duplicates, queue_lost = tally(server.received, expected)
                print(
                    f"round {number}/{args.repeat}: {len(consumers)} huey consumers {queue_seconds:.3f} s "
                    f"({count / queue_seconds:.0f}/s), ratio {floor_seconds / queue_seconds:.3f}; "
                    f"{queue_duplicates} duplicates, {queue_lost} lost"
                )
            rounds.append(
                {
                    "queue_seconds": queue_seconds,
                    "queue_errors": queue_duplicates + queue_lost,
                    "seconds": seconds,
                    "floor_seconds": floor_seconds,
                    "duplicates": duplicates,
                    "lost": lost,
                    "not_sent": not_sent,
                    "floor_errors": floor_duplicates + floor_lost,
                }
            )
            print(
                f"round {number}/{args.repeat}: floor {floor_seconds:.3f} s ({count / floor_seconds:.0f}/s), "
                f"worker {seconds:.3f} s ({count / seconds:.0f}/s), ratio "
                f"{floor_seconds / seconds:.3f}; worker sent {sent}, {duplicates} duplicates, "
                f"{lost} lost, {not_sent} rows not 'sent'"
            )

        # The emails of a registration are composed by the worker just before it sends them.
        written = write_confirmations(args.compose)
        server.reset()
        compose_seconds, compose_sent = run_worker(args.compose) if args.compose else (0.0, 0)
        compose_errors = sum(tally(server.received, written)) + args.compose - compose_sent
        if args.compose:
            print(
                f"composed and sent by the worker: {args.compose} confirmations written by registrations, "
                f"{compose_seconds:.3f} s ({args.compose / compose_seconds:.0f}/s), {compose_errors} errors"
            )

        for consumer in consumers:
            consumer.terminate()
        for consumer in consumers:
            consumer.wait(timeout=30)
        db.session.remove()
        db.drop_all()
        db.engine.dispose()
    server.stop()

    seconds = min(r["seconds"] for r in rounds)
    floor_seconds = min(r["floor_seconds"] for r in rounds)
    rate = count / seconds
    floor_rate = count / floor_seconds
    figures = {
        "database": sa.make_url(url).get_backend_name(),
        "messages": count,
        "batch": batch,
        "repeat": args.repeat,
        "message_bytes": round(message_bytes),
        "build_ms_per_message": round(1000 * build_seconds / count, 3),
        "seconds": round(seconds, 3),
        "rate": round(rate, 1),
        "ms_per_message": round(1000 * seconds / count, 3),
        "floor_seconds": round(floor_seconds, 3),
        "floor_rate": round(floor_rate, 1),
        "floor_ms_per_message": round(1000 * floor_seconds / count, 3),
        "ratio": round(rate / floor_rate, 3),
        "goal": GOAL,
        "duplicates": sum(r["duplicates"] for r in rounds),
        "lost": sum(r["lost"] for r in rounds),
        "not_sent": sum(r["not_sent"] for r in rounds),
        "floor_errors": sum(r["floor_errors"] for r in rounds),
        "consumers": args.consumers,
    }
    if args.compose:
        figures.update(
            compose_messages=args.compose,
            compose_seconds=round(compose_seconds, 3),
            compose_rate=round(args.compose / compose_seconds, 1),
            compose_ms_per_message=round(1000 * compose_seconds / args.compose, 3),
            compose_errors=compose_errors,
        )
    if args.consumers:
        queue_seconds = min(r["queue_seconds"] for r in rounds)
        figures.update(
            queue_seconds=round(queue_seconds, 3),
            queue_rate=round(count / queue_seconds, 1),
            queue_ratio=round(floor_seconds / queue_seconds, 3),
            queue_errors=sum(r["queue_errors"] for r in rounds),
        )
    print(
        f"{count} messages of ~{figures['message_bytes']} bytes to aiosmtpd on {HOST}:{port}, "
        f"{figures['database']}, batch {batch}, best of {args.repeat}:"
    )
    print(
        f"  worker  deliver_pending(): {figures['seconds']} s, {figures['rate']}/s "
        f"({figures['ms_per_message']} ms per message)"
    )
    print(
        f"  floor   bare smtplib, one connection: {figures['floor_seconds']} s, {figures['floor_rate']}/s "
        f"({figures['floor_ms_per_message']} ms per message)"
    )
    print(
        f"  (building the floor's bytes, untimed: {figures['build_ms_per_message']} ms per message "
        "in build(message).as_bytes())"
    )
    verdict = "meets" if figures["ratio"] >= GOAL else "below"
    print(f"  ratio   {figures['ratio']} ({verdict} the goal of {GOAL})")
    if args.compose:
        print(
            f"  compose the worker composing, then sending, what registrations wrote: "
            f"{figures['compose_rate']}/s ({figures['compose_ms_per_message']} ms per message; "
            "not part of the ratio, whose floor sends bytes built beforehand)"
        )
    if args.consumers:
        verdict = "meets" if figures["queue_ratio"] >= GOAL else "below"
        print(
            f"  queue   {args.consumers} huey_consumer processes: {figures['queue_seconds']} s, "
            f"{figures['queue_rate']}/s, ratio {figures['queue_ratio']} ({verdict} the goal), "
            f"{figures['queue_errors']} duplicates or lost"
        )
    print(
        f"  {figures['duplicates']} duplicates, {figures['lost']} lost, "
        f"{figures['not_sent']} outbox rows not 'sent', {figures['floor_errors']} floor errors"
    )
    print(json.dumps(figures))
    failures = ("duplicates", "lost", "not_sent", "floor_errors", "queue_errors", "compose_errors")
    if any(figures.get(name) for name in failures):
        sys.exit(1)


if __name__ == "__main__":
    main()
