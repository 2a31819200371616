"""Journey 1 in a real browser: find the webinar, register, open the emailed link, cancel."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Registration, RegistrationStatus
from tests.browser.conftest import loaded, screenshot
from tests.conftest import make_event, make_series, manage_path

pytestmark = pytest.mark.browser


def fill_in(page, name: str, email: str, organisation: str, kind: str, country: str = "SD") -> None:
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Organisation", exact=True).fill(organisation)
    page.get_by_label("Kind of organisation").select_option(kind)
    page.get_by_label("Country").select_option(country)
    page.get_by_label("I agree to the privacy notice").check()


def test_register_then_cancel_from_the_email_link(page, live_url, smtp_server):
    series = make_series()
    event = make_event("Partnership", series=series, capacity=1, starts_in=timedelta(days=12))
    event_id = event.id
    page.goto(f"{live_url}/")
    screenshot(page, "home")
    page.get_by_role("link", name="Partnership").first.click()
    assert page.get_by_role("heading", level=1).inner_text() == "Partnership"
    screenshot(page, "event")
    page.get_by_role("link", name="Register").click()

    fill_in(page, "Siham Osman Mohamed", "Siham.Osman@Example.org ", "Ministry of Justice", "member_state")
    screenshot(page, "register-form")
    page.get_by_role("button", name="Register").click()
    assert "Your seat is confirmed." in loaded(page)
    assert "/registrations/manage/" not in loaded(page)
    screenshot(page, "registered")

    # A second delegate finds the webinar full and joins the waiting list.
    page.goto(f"{live_url}/events/{event_id}")
    page.get_by_role("link", name="Join the waiting list").click()
    fill_in(page, "Guy Fourmage", "guy.fourmage@example.org", "ROCK", "international_organisation")
    page.get_by_role("button", name="Register").click()
    assert "You are number 1 on the waiting list." in loaded(page)

    confirmation = smtp_server.inbox.to("siham.osman@example.org")[0]
    page.goto(live_url + manage_path(confirmation))
    assert "Confirmed" in loaded(page)
    screenshot(page, "manage")
    page.get_by_role("link", name="Cancel my registration").click()
    page.get_by_role("button", name="Yes, cancel my registration").click()
    assert "Your registration has been cancelled." in loaded(page)
    screenshot(page, "cancelled")

    db.session.rollback()
    statuses = dict(db.session.execute(sa.select(Registration.name, Registration.status)).all())
    assert statuses == {
        "Siham Osman Mohamed": RegistrationStatus.CANCELLED,
        "Guy Fourmage": RegistrationStatus.CONFIRMED,
    }
    promoted = smtp_server.inbox.to("guy.fourmage@example.org")
    assert [m["Subject"] for m in promoted] == ["Waiting list: Partnership", "A seat is yours: Partnership"]


def test_form_errors_are_shown_next_to_the_field_on_a_phone(browser, live_url):
    context = browser.new_context(viewport={"width": 360, "height": 800}, is_mobile=True)
    page = context.new_page()
    event = make_event("Prevention")
    page.goto(f"{live_url}/events/{event.id}/register")
    page.get_by_label("Full name").fill("Aida Awel")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_role("button", name="Register").click()
    assert page.locator("#email-error").inner_text().startswith("Enter a valid email address")
    assert page.get_by_label("Full name").input_value() == "Aida Awel"
    assert page.locator("#email").get_attribute("aria-invalid") == "true"
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, "the form must not scroll sideways on a phone"
    screenshot(page, "register-errors-phone")
    context.close()


def test_the_series_form_fits_a_320_pixel_screen(browser, live_url):
    """WCAG's reflow: nothing wider than the screen, the long submit button included."""
    series = make_series()
    for title, days in (("Protection", 20), ("Prosecution", 48)):
        make_event(title, series=series, starts_in=timedelta(days=days))
    context = browser.new_context(viewport={"width": 320, "height": 640}, is_mobile=True)
    page = context.new_page()
    page.goto(f"{live_url}/series/{series.id}/register")
    button = page.get_by_role("button", name="Register for the chosen events")
    box = button.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 320
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()


def test_the_time_in_the_visitors_zone_is_written_like_the_events(browser, live_url):
    event = make_event("Protection", start=datetime(2030, 6, 26, 8, tzinfo=UTC))  # 10:00 in Brussels
    context = browser.new_context(locale="en-US", timezone_id="Africa/Nairobi")
    page = context.new_page()
    page.goto(f"{live_url}/events/{event.id}")
    local = page.locator("[data-local-time]")
    local.wait_for(state="visible")
    # As the event's own "Wednesday 26 June 2030, 10:00–12:00 CEST (UTC+02:00)".
    assert "Wednesday 26 June 2030, 11:00–13:00 Africa/Nairobi (UTC+03:00)" in local.inner_text()
    context.close()
