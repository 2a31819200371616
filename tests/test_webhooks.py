"""Webhooks: signed deliveries to a real HTTP receiver, retries with backoff, the SSRF guard,
and the console's pages with bad input of every kind."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.database import utcnow
from app.extensions import db
from app.models import (
    AttendanceSource,
    EventFormat,
    Webhook,
    WebhookDelivery,
    WebhookDeliveryStatus,
)
from app.services.attendance import attendance
from app.services.registration import registrations as registration_service
from app.services.registration.registrations import Applicant
from app.services.webhooks import webhooks as service
from config import port_list
from tests.conftest import csrf_token, delegate_form, make_account, make_event, make_series, submit

PUBLIC_ADDRESS = "93.184.215.14"  # a public address, never contacted: resolution is faked


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1: it records each request and answers with `statuses`
    in turn (the last one repeats)."""

    statuses: list[int] = field(default_factory=lambda: [200])
    answer: bytes = b'{"ok": true}'
    location: str = ""
    delay: float = 0.0
    trickle: float = 0.0  # seconds between the answer's bytes
    requests: list[Received] = field(default_factory=list)
    answered: int = 0  # answers whose last byte has gone out
    port: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/plenary?source=test"

    def next_status(self) -> int:
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]


@pytest.fixture(scope="module")
def receiving() -> Iterator[list[Receiver]]:
    """One server for the module, answering as the current test's Receiver (`receiving[0]`):
    its port, and so the app's configuration, stays the same from test to test, and the tests
    share one app (a server and an app for each test took half a second)."""
    receivers = [Receiver()]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            state = receivers[0]
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.requests.append(Received(self.path, dict(self.headers.items()), body))
            time.sleep(state.delay)
            status = state.next_status()
            self.send_response(status)
            if state.location:
                self.send_header("Location", state.location)
            self.send_header("Content-Length", str(len(state.answer)))
            self.end_headers()
            answer = state.answer
            for byte in answer[:-1] if state.trickle else b"":
                self.wfile.write(bytes([byte]))
                self.wfile.flush()
                time.sleep(state.trickle)
            state.answered += 1  # before the last byte: a client holding the whole answer sees it
            self.wfile.write(answer[-1:] if state.trickle else answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receivers[0].port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield receivers
    server.shutdown()
    server.server_close()


@pytest.fixture
def receiver(receiving: list[Receiver]) -> Receiver:
    """The receiver of this test: what earlier tests set and received is forgotten."""
    receiving[0] = Receiver(port=receiving[0].port)
    return receiving[0]


@pytest.fixture
def app_config(receiver):
    # The receiver runs on this machine, on a port the system chose: only these tests allow
    # loopback addresses, and that port besides 9 and 8000 (where nothing listens).
    return {"WEBHOOK_ALLOW_PRIVATE": True, "WEBHOOK_ALLOWED_PORTS": [receiver.port, 9, 8000]}


@pytest.fixture
def organiser(app):
    return make_account("organiser")


def hook(organiser, url: str, *types: str, series=None) -> Webhook:
    return service.create(url, list(types or service.EVENT_TYPES), series, by=organiser)


def deliveries() -> list[WebhookDelivery]:
    db.session.rollback()
    return list(db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)))


def verify(secret: str, header: str, body: bytes, tolerance: int = 300) -> bool:
    """The receiver's side, exactly as docs/webhooks.md tells integrators to do it."""
    parts = dict(item.split("=", 1) for item in header.split(","))
    timestamp = int(parts["t"])
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return abs(time.time() - timestamp) <= tolerance and hmac.compare_digest(expected, parts["v1"])


def register(event, email="amina.yusuf@example.org"):
    return registration_service.register(
        event, Applicant(email=email, name="Amina Yusuf", organisation="MoLSA")
    )


# --- delivering -------------------------------------------------------------------------------


def test_a_registration_through_the_form_is_delivered_signed(app, client, organiser, receiver):
    webhook = hook(organiser, receiver.url, "registration.created")
    event = make_event("Partnership")

    response = submit(client, f"/events/{event.id}/register", delegate_form(country="ER"))
    assert response.status_code == 302

    [request] = receiver.requests
    assert request.path == "/hooks/plenary?source=test"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["Plenary-Event"] == "registration.created"
    assert verify(webhook.secret, request.headers["Plenary-Signature"], request.body)
    assert not verify("whsec_another", request.headers["Plenary-Signature"], request.body)
    assert not verify(webhook.secret, request.headers["Plenary-Signature"], request.body + b" ")
    payload = json.loads(request.body)
    assert payload["type"] == "registration.created"
    assert payload["id"] == request.headers["Plenary-Delivery"]
    assert payload["data"]["event"]["id"] == event.id
    assert payload["data"]["registration"]["status"] == "confirmed"
    assert payload["data"]["delegate"] == {
        "name": "Amina Yusuf",
        "email": "amina.yusuf@example.org",
        "organisation": "Ministry of Labour and Social Affairs",
        "organisation_kind": "member_state",
        "country": "ER",
    }
    [delivery] = deliveries()
    assert delivery.status == WebhookDeliveryStatus.DELIVERED
    assert delivery.attempts == 1
    assert delivery.response_status == 200
    assert delivery.response_body == '{"ok": true}'
    assert delivery.delivery_id == request.headers["Plenary-Delivery"]


def test_cancellation_is_delivered_only_to_those_who_want_it(app, organiser, receiver):
    hook(organiser, receiver.url, "registration.cancelled")
    event = make_event("Partnership")
    outcome = register(event)
    assert receiver.requests == []

    registration_service.cancel(outcome.registration)

    [request] = receiver.requests
    assert request.headers["Plenary-Event"] == "registration.cancelled"
    assert json.loads(request.body)["data"]["registration"]["status"] == "cancelled"


def test_a_webhook_of_one_series_hears_nothing_of_another(app, organiser, receiver):
    four_ps, other = make_series(), make_series("Another series")
    hook(organiser, receiver.url, "registration.created", series=four_ps)
    register(make_event("Elsewhere", series=other))
    register(make_event("Standalone"))
    assert receiver.requests == []
    register(make_event("Partnership", series=four_ps))
    assert len(receiver.requests) == 1


def test_a_disabled_webhook_gets_nothing(app, organiser, receiver):
    webhook = hook(organiser, receiver.url)
    service.set_active(webhook, False, by=organiser)
    register(make_event("Partnership"))
    assert receiver.requests == []
    assert deliveries() == []


def test_an_attendance_import_is_delivered_without_personal_data(app, organiser, receiver):
    hook(organiser, receiver.url, "attendance.imported")
    event = make_event("Partnership", start=utcnow() - timedelta(days=1), format=EventFormat.ONLINE)
    data = (Path(__file__).parent / "data" / "zoom_meeting_participants.csv").read_bytes()
    imported = attendance.start_import(event, "zoom.csv", data, "Europe/Brussels", by=organiser)
    attendance.confirm_import(imported, {}, attendance.IGNORE, 10, by=organiser)

    [request] = receiver.requests
    assert request.headers["Plenary-Event"] == "attendance.imported"
    payload = json.loads(request.body)["data"]
    assert payload["event"]["id"] == event.id
    assert payload["import"]["source"] == AttendanceSource.ZOOM.value
    assert payload["import"]["status"] == "done"
    assert "@" not in request.body.decode()


def test_a_failing_receiver_is_retried_with_backoff_then_given_up(app, organiser, receiver):
    receiver.statuses = [500]
    receiver.answer = b"Internal Server Error: database unavailable"
    hook(organiser, receiver.url, "registration.created")
    register(make_event("Partnership"))

    gaps = []
    for attempt in range(1, 7):
        [delivery] = deliveries()
        assert delivery.attempts == attempt
        assert delivery.response_status == 500
        assert delivery.response_body == "Internal Server Error: database unavailable"
        assert "500" in delivery.error
        if attempt == 6:
            break
        assert delivery.status == WebhookDeliveryStatus.PENDING
        gaps.append(delivery.next_attempt_dt - delivery.last_attempt_dt)
        assert service.deliver_due(now=delivery.next_attempt_dt - timedelta(seconds=1)) == 0  # not yet
        service.deliver_due(now=delivery.next_attempt_dt + timedelta(seconds=1))

    assert gaps == list(service.BACKOFF)
    assert delivery.status == WebhookDeliveryStatus.FAILED
    assert len(receiver.requests) == 6
    # Every attempt the same delivery, the same bytes; only the signature's time may differ.
    assert len({r.headers["Plenary-Delivery"] for r in receiver.requests}) == 1
    assert len({r.body for r in receiver.requests}) == 1
    assert service.deliver_due(now=utcnow() + timedelta(days=7)) == 0


def test_a_retry_that_succeeds_is_recorded_as_delivered(app, organiser, receiver):
    receiver.statuses = [503, 200]
    hook(organiser, receiver.url, "registration.created")
    register(make_event("Partnership"))
    [delivery] = deliveries()
    assert delivery.status == WebhookDeliveryStatus.PENDING
    assert service.deliver_due(now=delivery.next_attempt_dt) == 1
    [delivery] = deliveries()
    assert (delivery.status, delivery.attempts, delivery.response_status) == (
        WebhookDeliveryStatus.DELIVERED,
        2,
        200,
    )


def test_only_a_short_excerpt_of_the_answer_is_kept_on_one_line_without_control_characters(
    app, organiser, receiver
):
    """A terminal escape, a right-to-left override or a zero-width space in the receiver's
    answer reach neither the database nor the console; line breaks and tabs become spaces."""
    receiver.answer = ("\x1b[31mDenied\x1b[0m\r\n\u202eevil\u200b\t\x00" + "x" * 10_000).encode()
    hook(organiser, receiver.url, "registration.created")
    register(make_event("Partnership"))
    [delivery] = deliveries()
    assert delivery.response_body == ("[31mDenied[0m evil " + "x" * 10_000)[: service.RESPONSE_EXCERPT]
    assert service.RESPONSE_EXCERPT == 200


def test_redirects_are_not_followed(app, organiser, receiver):
    receiver.statuses = [302]
    receiver.location = f"http://127.0.0.1:{receiver.port}/elsewhere"
    hook(organiser, receiver.url, "registration.created")
    register(make_event("Partnership"))
    assert [r.path for r in receiver.requests] == ["/hooks/plenary?source=test"]
    [delivery] = deliveries()
    assert delivery.status == WebhookDeliveryStatus.PENDING
    assert "redirect" in delivery.error


def test_a_receiver_that_does_not_answer_in_time_is_retried(app, organiser, receiver):
    app.config["WEBHOOK_TIMEOUT"] = 0.3
    receiver.delay = 10.0  # its handler thread is a daemon: the test does not wait for it
    hook(organiser, receiver.url, "registration.created")
    register(make_event("Partnership"))
    # Not the receiver's 10 s: it had not answered when the attempt was over. (A bound on the
    # time taken failed on a loaded machine.)
    assert receiver.answered == 0
    [delivery] = deliveries()
    assert delivery.status == WebhookDeliveryStatus.PENDING
    assert delivery.response_status is None
    assert "Timeout" in delivery.error or "timed out" in delivery.error


def test_a_receiver_that_answers_a_byte_at_a_time_is_cut_off_and_retried(app, organiser, receiver):
    app.config["WEBHOOK_TIMEOUT"] = 0.5
    receiver.answer = b"x" * 80
    receiver.trickle = 0.25  # each byte within the read timeout, the whole answer in 20 s
    hook(organiser, receiver.url, "registration.created")
    register(make_event("Partnership"))
    # Cut at twice WEBHOOK_TIMEOUT (1 s), not the 20 s of the answer: its last byte had not
    # been sent when the attempt was over.
    assert receiver.answered == 0
    [delivery] = deliveries()
    assert delivery.status == WebhookDeliveryStatus.PENDING
    assert delivery.error == "cut off: no complete answer within 1 s"


def test_a_receiver_that_is_down_is_retried(app, organiser):
    hook(organiser, "http://127.0.0.1:9/nothing-listens-here", "registration.created")
    register(make_event("Partnership"))
    [delivery] = deliveries()
    assert delivery.status == WebhookDeliveryStatus.PENDING
    assert delivery.error


def test_a_lost_kick_is_made_good_by_the_sweep(app, organiser, receiver):
    app.config["OUTBOX_KICK"] = False
    hook(organiser, receiver.url, "registration.created")
    register(make_event("Partnership"))
    assert receiver.requests == []
    from app.services.webhooks.tasks import sweep_webhooks

    sweep_webhooks.call_local()
    assert len(receiver.requests) == 1
    assert deliveries()[0].status == WebhookDeliveryStatus.DELIVERED


def test_a_claimed_delivery_is_not_sent_twice(app, organiser, receiver):
    app.config["OUTBOX_KICK"] = False
    hook(organiser, receiver.url, "registration.created")
    register(make_event("Partnership"))
    now = utcnow()
    assert len(service._claim(now, 10)) == 1
    assert service._claim(now, 10) == []  # claimed until the claim lapses
    assert service.deliver_due(now=now + service.CLAIM + timedelta(seconds=1)) == 1


def test_a_batch_slower_than_its_claim_sends_each_delivery_once(app, organiser, receiver, monkeypatch):
    """A batch is claimed at once and sent one by one: while the first is on its way, the
    rest's claim lapses and another worker takes them; neither worker sends one twice."""
    app.config["OUTBOX_KICK"] = False
    hook(organiser, receiver.url, "registration.created")
    event = make_event("Partnership")
    register(event, "amina.yusuf@example.org")
    register(event, "tesfaye.bekele@example.org")
    claimed_at = utcnow() - service.CLAIM  # so that the batch's claim lapses now
    db.session.execute(sa.update(WebhookDelivery).values(next_attempt_dt=claimed_at))
    db.session.commit()
    real_post, other_worker = service.post, {}

    def slow_post(*args):
        if "delivered" not in other_worker:  # the first send takes as long as the claim
            other_worker["delivered"] = None
            other_worker["delivered"] = service.deliver_due(now=utcnow() + timedelta(seconds=1))
        return real_post(*args)

    monkeypatch.setattr(service, "post", slow_post)
    delivered = service.deliver_due(now=claimed_at)

    assert (delivered, other_worker["delivered"]) == (1, 1)
    sent = [r.headers["Plenary-Delivery"] for r in receiver.requests]
    assert sorted(sent) == sorted(d.delivery_id for d in deliveries())
    assert {d.status for d in deliveries()} == {WebhookDeliveryStatus.DELIVERED}


# --- the SSRF guard -----------------------------------------------------------------------------


@pytest.fixture
def strict(app):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    return app


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/hook",
        "http://127.1.2.3:8000/hook",
        "http://10.0.0.7/hook",
        "http://172.16.5.4/hook",
        "http://192.168.1.1/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/hook",
        "http://[::ffff:127.0.0.1]/hook",
        "http://[fe80::1]/hook",
        "http://[fc00::1]/hook",
        "http://[fec0::1]/hook",
        "http://[2002:7f00:1::]/hook",
        "http://[2002:a9fe:a9fe::]/latest/meta-data/",
        "http://0.0.0.0/hook",
        "http://100.64.0.1/hook",
        "http://224.0.0.1/hook",
        "http://240.0.0.1/hook",
        "http://localhost/hook",
        "http://localhost.:8000/hook",
    ],
)
def test_internal_addresses_are_refused(strict, url):
    with pytest.raises(service.UnsafeURL):
        service.check_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://example.org/hook",
        "file:///etc/passwd",
        "gopher://example.org:70/",
        "javascript:alert(1)",
        "example.org/hook",
        "https://",
        "https://user:secret@example.org/hook",
        "https://example.org:99999/hook",
        "http://[::1/hook",
        "http://[not-an-address]/hook",
        "https://" + "a" * 500 + ".org/",
        "",
    ],
)
def test_malformed_and_non_http_urls_are_refused(strict, url, monkeypatch):
    monkeypatch.setattr(service, "resolve", lambda host, port: [PUBLIC_ADDRESS])
    with pytest.raises(service.UnsafeURL):
        service.check_url(url)


def test_a_name_resolving_to_a_private_address_is_refused(strict, monkeypatch):
    monkeypatch.setattr(service, "resolve", lambda host, port: [PUBLIC_ADDRESS, "10.1.2.3"])
    with pytest.raises(service.UnsafeURL):
        service.check_url("https://intranet.example.org/hook")


def test_a_public_host_is_accepted_and_pinned(strict, monkeypatch):
    strict.config["WEBHOOK_ALLOWED_PORTS"] = [8443]
    monkeypatch.setattr(service, "resolve", lambda host, port: [PUBLIC_ADDRESS])
    target = service.check_url("https://receiver.example.org:8443/in?x=1")
    assert (target.host, target.port, target.path, target.address) == (
        "receiver.example.org",
        8443,
        "/in?x=1",
        PUBLIC_ADDRESS,
    )
    assert target.host_header == "receiver.example.org:8443"


@pytest.mark.parametrize(
    "url",
    [
        "http://receiver.example.org:22/hook",
        "http://receiver.example.org:25/hook",
        "https://receiver.example.org:6379/hook",
        "http://receiver.example.org:8080/hook",
        "https://receiver.example.org:8443/hook",
        "https://receiver.example.org:65535/hook",
    ],
)
def test_a_public_host_is_reached_only_on_the_web_ports(strict, url, monkeypatch):
    """Any port of a public host would make the server a port scanner (SSH, SMTP, Redis)."""
    strict.config["WEBHOOK_ALLOWED_PORTS"] = []  # the default
    monkeypatch.setattr(service, "resolve", lambda host, port: [PUBLIC_ADDRESS])
    with pytest.raises(
        service.UnsafeURL, match=r"Port \d+ is not allowed: webhooks are sent to ports 80, 443\."
    ):
        service.check_url(url)


@pytest.mark.parametrize(
    "url, port",
    [
        ("http://receiver.example.org/hook", 80),
        ("https://receiver.example.org/hook", 443),
        ("http://receiver.example.org:80/hook", 80),
        ("https://receiver.example.org:443/hook", 443),
        ("https://receiver.example.org:8443/hook", 8443),
    ],
)
def test_ports_80_443_and_the_configured_ones_are_allowed(strict, url, port, monkeypatch):
    strict.config["WEBHOOK_ALLOWED_PORTS"] = [8443]
    monkeypatch.setattr(service, "resolve", lambda host, port: [PUBLIC_ADDRESS])
    assert service.check_url(url).port == port


@pytest.mark.parametrize(
    "text, ports",
    [("", []), ("8443", [8443]), (" 8443, 9443 ,8443", [8443, 9443]), ("8080 8443", [8080, 8443])],
)
def test_the_allowed_ports_are_read_from_the_environment(text, ports):
    assert port_list("WEBHOOK_ALLOWED_PORTS", text) == ports


@pytest.mark.parametrize("text", ["https", "0", "65536", "-1", "80.5"])
def test_a_bad_allowed_port_stops_the_start_naming_it(text):
    with pytest.raises(ValueError, match=f"WEBHOOK_ALLOWED_PORTS: {text!r} is not a port"):
        port_list("WEBHOOK_ALLOWED_PORTS", text)


def test_a_port_no_longer_allowed_is_refused_at_delivery(app, organiser, receiver):
    hook(organiser, receiver.url, "registration.created")
    app.config["WEBHOOK_ALLOWED_PORTS"] = []  # the configuration changed since it was added
    register(make_event("Partnership"))
    assert receiver.requests == []
    [delivery] = deliveries()
    assert delivery.status == WebhookDeliveryStatus.FAILED
    assert (
        delivery.error == f"refused: Port {receiver.port} is not allowed: webhooks are sent to ports 80, 443."
    )


def test_dns_that_changes_to_loopback_after_the_check_is_refused_at_delivery(
    strict, organiser, receiver, monkeypatch
):
    monkeypatch.setattr(service, "resolve", lambda host, port: [PUBLIC_ADDRESS])
    hook(organiser, f"http://rebind.example.org:{receiver.port}/hook", "registration.created")
    monkeypatch.setattr(service, "resolve", lambda host, port: ["127.0.0.1"])
    register(make_event("Partnership"))
    assert receiver.requests == []
    [delivery] = deliveries()
    assert delivery.status == WebhookDeliveryStatus.FAILED
    assert delivery.error.startswith("refused")


# --- the console -----------------------------------------------------------------------------------

LIST = "/console/webhooks"


def add(client, **fields):
    data = {"url": "http://127.0.0.1:8000/hook", "event_types": ["registration.created"], "series": ""}
    data.update(fields)
    data = {k: v for k, v in data.items() if v is not None}
    return submit(client, LIST, data)


def test_organiser_adds_a_webhook_and_sees_its_secret(console, receiver):
    response = add(console, url=receiver.url, event_types=["registration.created", "attendance.imported"])
    assert response.status_code == 302
    [webhook] = db.session.scalars(sa.select(Webhook)).all()
    assert webhook.event_types == ["attendance.imported", "registration.created"]
    assert webhook.secret.startswith("whsec_") and len(webhook.secret) > 40
    assert webhook.created_by_id == console.account.id
    page = console.get(response.headers["Location"]).get_data(as_text=True)
    assert webhook.secret in page
    assert receiver.url.replace("&", "&amp;") in console.get(LIST).get_data(as_text=True)


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"url": ""}, "This field is required"),
        ({"url": "ftp://127.0.0.1/hook"}, "Only http:// and https://"),
        ({"url": "http://" + "a" * 600}, "Field cannot be longer"),
        ({"url": "http://[::1/hook"}, "host name is not valid"),
        ({"url": "http://127.0.0.1:22/hook"}, "Port 22 is not allowed"),
        ({"url": "https://127.0.0.1:6379/"}, "Port 6379 is not allowed"),
        ({"event_types": None}, "Choose at least one event type"),
        ({"event_types": ["registration.deleted"]}, "valid choice"),
        ({"series": "999999"}, "Not a valid choice"),
        ({"series": "not-a-number"}, "Not a valid choice"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(console, fields, message):
    response = add(console, **fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert db.session.scalars(sa.select(Webhook)).all() == []


def test_an_internal_url_is_refused_in_the_console(console, app):
    app.config["WEBHOOK_ALLOW_PRIVATE"] = False
    response = add(console, url="http://169.254.169.254/latest/meta-data/")
    assert response.status_code == 400
    assert "webhooks can only reach public hosts" in response.get_data(as_text=True)
    assert db.session.scalars(sa.select(Webhook)).all() == []


def test_a_form_without_csrf_is_refused(console):
    response = console.post(
        LIST, data={"url": "http://127.0.0.1/hook", "event_types": ["registration.created"]}
    )
    assert response.status_code == 400
    assert db.session.scalars(sa.select(Webhook)).all() == []


def test_ping_disable_enable_and_delete(console, receiver):
    webhook = hook(console.account, receiver.url, "registration.created")
    page = f"{LIST}/{webhook.id}"
    token = csrf_token(console, page)

    assert console.post(f"{page}/ping", data={"csrf_token": token}).status_code == 302
    [request] = receiver.requests
    assert request.headers["Plenary-Event"] == "ping"
    assert verify(webhook.secret, request.headers["Plenary-Signature"], request.body)
    assert "HTTP 200" in console.get(page).get_data(as_text=True)

    assert console.post(f"{page}/disable", data={"csrf_token": token}).status_code == 302
    db.session.refresh(webhook)
    assert not webhook.is_active
    refused = console.post(f"{page}/ping", data={"csrf_token": token})
    assert refused.status_code == 409
    assert "disabled" in refused.get_data(as_text=True)
    assert len(receiver.requests) == 1

    assert console.post(f"{page}/enable", data={"csrf_token": token}).status_code == 302
    db.session.refresh(webhook)
    assert webhook.is_active

    assert console.post(f"{page}/delete", data={"csrf_token": token}).status_code == 302
    db.session.rollback()
    assert db.session.scalars(sa.select(Webhook)).all() == []
    assert deliveries() == []
    assert console.get(page).status_code == 404


def test_the_console_shows_the_status_and_a_short_escaped_excerpt(console, receiver):
    receiver.statuses = [418]
    receiver.answer = b"<script>alert('answer')</script>" + b"y" * 5_000
    webhook = hook(console.account, receiver.url, "registration.created")
    register(make_event("Partnership"))
    page = console.get(f"{LIST}/{webhook.id}").get_data(as_text=True)
    assert "HTTP 418" in page and "the receiver answered 418" in page
    shown = 200 - len("<script>alert('answer')</script>")
    assert "&lt;script&gt;alert(&#39;answer&#39;)&lt;/script&gt;" + "y" * shown + "<" in page
    assert "<script>alert" not in page


@pytest.mark.parametrize("action", ["ping", "disable", "enable", "delete"])
def test_unknown_webhook_is_not_found(console, action):
    token = csrf_token(console, LIST)
    assert console.get(f"{LIST}/999999").status_code == 404
    assert console.post(f"{LIST}/999999/{action}", data={"csrf_token": token}).status_code == 404


def test_the_list_reads_a_fixed_number_of_rows_however_many_webhooks(console):
    def statements_for_the_list() -> int:
        seen = []

        def count(conn, cursor, statement, *args):
            seen.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            assert console.get(LIST).status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)
        return len(seen)

    hook(console.account, "http://127.0.0.1:9/first", series=make_series("Series 0"))
    one = statements_for_the_list()
    for number in range(1, 5):
        hook(console.account, f"http://127.0.0.1:9/{number}", series=make_series(f"Series {number}"))
    assert statements_for_the_list() == one


def test_viewers_and_visitors_cannot_reach_webhooks(app, signed_in, client):
    viewer = signed_in("viewer")
    assert viewer.get(LIST).status_code == 403
    assert client.get(LIST).status_code == 302
