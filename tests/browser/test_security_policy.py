"""The Content-Security-Policy in a real browser: no violation on the main pages, and the
email preview's sandboxed frame shows the email with its own inline styles."""

from __future__ import annotations

import pytest

from app.services.links import manage_token
from app.services.registration import registrations
from app.services.registration.registrations import Applicant
from tests.browser.test_console_journey import sign_in
from tests.conftest import make_account, make_event, make_series

pytestmark = pytest.mark.browser


def record_violations(page) -> list[str]:
    """Chromium reports every blocked inline script or style on the console."""
    seen: list[str] = []
    page.on(
        "console",
        lambda message: seen.append(message.text) if "Content Security Policy" in message.text else None,
    )
    return seen


def test_public_pages_raise_no_policy_violation(page, live_url, smtp_server):
    series = make_series()
    event = make_event("Partnership", series=series)
    applicant = Applicant(email="amina.yusuf@example.org", name="Amina Yusuf")
    token = manage_token(registrations.register(event, applicant).registration)
    violations = record_violations(page)
    for path in (
        "/",
        f"/events/{event.id}",
        f"/series/{series.id}",
        f"/events/{event.id}/register",
        f"/series/{series.id}/register",
        f"/registrations/manage/{token}",
    ):
        page.goto(f"{live_url}{path}")
    # The honeypot is off screen, yet a screen reader finds its label.
    page.goto(f"{live_url}/events/{event.id}/register")
    box = page.get_by_label("Leave this field empty").bounding_box()
    assert box is None or box["x"] + box["width"] <= 0
    assert violations == []


def test_the_email_preview_shows_in_its_sandboxed_frame(page, live_url, smtp_server):
    event = make_event("Partnership", capacity=10)
    registrations.register(event, Applicant(email="amina.yusuf@example.org", name="Amina Yusuf"))
    organiser = make_account("organiser", "sara.pauciullo@secretariat.example.org", "Sara Pauciullo")
    violations = record_violations(page)

    sign_in(page, live_url, organiser.email)
    page.goto(f"{live_url}/console/events/{event.id}/messages")
    page.get_by_label("Subject").fill("Agenda of the Partnership webinar")
    page.get_by_label("Message").fill("The **background note** is online.")
    page.locator("select[name=audience]").select_option("confirmed")
    page.get_by_role("button", name="Preview").first.click()

    frame = page.frame_locator("iframe[name=email-preview]")
    frame.get_by_text("Dear Amina Yusuf,").wait_for()
    assert frame.locator("strong", has_text="background note").count() == 1
    assert violations == []
