"""Check-in by scanning in a real browser: Chromium's fake camera shows a badge's QR code (a y4m
video made from the code's image), the page decodes it (jsQR, served by the app: Chromium on
Linux has no BarcodeDetector) and the person is checked in, on a 360 px wide phone screen;
with the network down the scan waits in the page and is sent, once, when it is back."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
import segno
import sqlalchemy as sa
from PIL import Image

from app.extensions import db
from app.models import Attendance, EventFormat
from app.services import links
from app.services.registration.registrations import Applicant, register
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS, screenshot
from tests.browser.test_accessibility import open_in, submit_form
from tests.browser.test_console_journey import sign_in
from tests.conftest import PASSWORD, make_account, make_event

pytestmark = pytest.mark.browser

WIDTH, HEIGHT, FRAMES = 640, 480, 10


def fake_camera_video(code: str, path: Path) -> Path:
    """A y4m video (YUV 4:2:0) of the code's QR image on white, as Chromium's fake camera plays it."""
    png = io.BytesIO()
    segno.make_qr(code, error="m").save(png, kind="png", scale=8, border=4)
    qr = Image.open(png).convert("L")
    frame = Image.new("L", (WIDTH, HEIGHT), 255)
    frame.paste(qr, ((WIDTH - qr.width) // 2, (HEIGHT - qr.height) // 2))
    luma = frame.tobytes()
    chroma = bytes([128]) * (WIDTH // 2 * HEIGHT // 2)
    with path.open("wb") as video:
        video.write(f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(FRAMES):
            video.write(b"FRAME\n" + luma + chroma + chroma)
    return path


@pytest.fixture
def camera_page(browser):
    """open_with(video) -> a phone-sized page, and its context, in a Chromium whose camera films
    `video`: launched by the session's Playwright (a second one in the process would refuse)."""
    opened: list = []

    def open_with(video: Path):
        camera_browser = browser.browser_type.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                *CHROMIUM_ARGS,
                "--use-fake-device-for-media-stream",
                "--use-fake-ui-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        context = camera_browser.new_context(
            viewport={"width": 360, "height": 740}, locale="en-GB", has_touch=True
        )
        page = context.new_page()
        page.set_default_timeout(15_000)
        opened.append((camera_browser, context))
        return page, context

    yield open_with
    for camera_browser, context in opened:
        context.close()
        camera_browser.close()


def queued(page, event_id: int) -> int:
    """The scans waiting in the page (page.wait_for_function would be refused by the CSP: eval)."""
    return page.evaluate(f"() => JSON.parse(localStorage.getItem('plenary.scans.{event_id}') || '[]').length")


def wait_until(condition, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "waited in vain"
        time.sleep(0.2)


def arrivals(registration_id: int) -> int:
    db.session.rollback()  # see what the server committed
    return db.session.scalar(
        sa.select(sa.func.count(Attendance.id)).where(
            Attendance.registration_id == registration_id, Attendance.attended.is_(True)
        )
    )


def test_a_badge_scanned_by_the_camera_checks_its_wearer_in(camera_page, live_url, tmp_path):
    event = make_event(
        "Steering Committee meeting", format=EventFormat.IN_PERSON, place="World Forum, The Hague"
    )
    amina = register(
        event, Applicant(email="amina@example.org", name="Amina Yusuf", organisation="AU")
    ).registration
    register(event, Applicant(email="johan@example.org", name="Johan Kruger", organisation="UNODC"))
    organiser = make_account("organiser", "door@secretariat.example.org", "Door Desk")
    page, _context = camera_page(fake_camera_video(links.check_in_code(amina), tmp_path / "badge.y4m"))

    sign_in(page, live_url, organiser.email)
    page.goto(f"{live_url}/console/events/{event.id}/check-in")
    scan = page.get_by_role("button", name="Scan", exact=True)
    box = scan.bounding_box()
    assert box["height"] >= 48 and box["x"] + box["width"] <= 360  # a thumb's target, on screen
    scan.click()
    result = page.locator("#scan-result")
    result.get_by_text("Checked in", exact=True).wait_for()
    assert "Amina Yusuf" in result.inner_text()
    assert page.locator(".checkin-counts").inner_text() == "1 checked in of 2 confirmed"
    assert page.locator(f"#reg-{amina.id} .checkin-button").count() == 0  # her row says so too
    screenshot(page, "check-in-scan-360")
    assert arrivals(amina.id) == 1
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling

    # The camera still sees the badge: a scan again later says so and counts nothing.
    result.get_by_text("Already checked in", exact=True).wait_for(timeout=10_000)
    assert "already checked in at" in result.inner_text()
    assert arrivals(amina.id) == 1


def test_scans_wait_through_a_network_drop_and_count_once(camera_page, live_url, tmp_path):
    event = make_event("Thematic meeting", format=EventFormat.HYBRID, place="World Forum, The Hague")
    johan = register(event, Applicant(email="johan@example.org", name="Johan Kruger")).registration
    organiser = make_account("organiser", "door@secretariat.example.org", "Door Desk")
    page, context = camera_page(fake_camera_video(links.check_in_code(johan), tmp_path / "badge.y4m"))

    sign_in(page, live_url, organiser.email)
    page.goto(f"{live_url}/console/events/{event.id}/check-in")
    context.set_offline(True)
    page.get_by_role("button", name="Scan", exact=True).click()
    page.get_by_text("scan(s) waiting").wait_for()
    # The badge stays in front of the camera: more scans join the queue.
    wait_until(lambda: queued(page, event.id) >= 2)
    page.get_by_role("button", name="Stop the camera").click()
    assert arrivals(johan.id) == 0

    context.set_offline(False)
    wait_until(lambda: queued(page, event.id) == 0)
    assert arrivals(johan.id) == 1
    assert page.locator(".checkin-counts").inner_text() == "1 checked in of 1 confirmed"


@pytest.mark.parametrize("lang", ["en", "ar"])
def test_the_check_in_and_badges_pages_pass_axe(audited_page, axe, live_url, lang):
    event = make_event(
        "Steering Committee meeting", format=EventFormat.IN_PERSON, place="World Forum, The Hague"
    )
    register(event, Applicant(email="amina@example.org", name="Amina Yusuf", organisation="AU"))
    organiser = make_account("organiser", "door@secretariat.example.org", "Door Desk")
    open_in(audited_page, f"{live_url}/console/login", lang)
    audited_page.locator("#email").fill(organiser.email)
    audited_page.locator("#password").fill(PASSWORD)
    submit_form(audited_page)
    for path in ("check-in", "badges"):
        audited_page.goto(f"{live_url}/console/events/{event.id}/{path}")
        axe.check(audited_page)


def test_scans_wait_while_the_desk_is_signed_out_and_go_after_the_reload(camera_page, live_url, tmp_path):
    event = make_event("Thematic meeting", format=EventFormat.HYBRID, place="World Forum, The Hague")
    johan = register(event, Applicant(email="johan@example.org", name="Johan Kruger")).registration
    organiser = make_account("organiser", "door@secretariat.example.org", "Door Desk")
    page, context = camera_page(fake_camera_video(links.check_in_code(johan), tmp_path / "badge.y4m"))

    sign_in(page, live_url, organiser.email)
    page.goto(f"{live_url}/console/events/{event.id}/check-in")
    context.clear_cookies()  # the session ended (signed out elsewhere, or expired)
    page.get_by_role("button", name="Scan", exact=True).click()
    page.get_by_text("This page has expired").wait_for()
    page.get_by_role("button", name="Stop the camera").click()
    assert queued(page, event.id) >= 1
    assert arrivals(johan.id) == 0

    sign_in(page, live_url, organiser.email)
    page.goto(f"{live_url}/console/events/{event.id}/check-in")
    wait_until(lambda: queued(page, event.id) == 0)
    assert arrivals(johan.id) == 1
