"""The organiser's journey in a real browser: sign in, create and publish a webinar that needs
approval, a delegate registers from the public page, the organiser approves and exports."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.database import utcnow
from app.extensions import db
from app.models import Event, Registration, RegistrationStatus
from tests.browser.conftest import loaded, screenshot
from tests.browser.test_delegate_journey import fill_in
from tests.conftest import PASSWORD, make_account, make_series

pytestmark = pytest.mark.browser


def sign_in(page, live_url: str, email: str) -> None:
    page.goto(f"{live_url}/console/")
    assert "/console/login" in page.url
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    assert page.get_by_role("heading", level=1).inner_text() == "Dashboard"


def create_webinar(page, start: str, end: str) -> None:
    page.get_by_role("link", name="New event").first.click()
    page.get_by_label("Title", exact=True).fill("Partnership")
    page.get_by_label("Series", exact=True).select_option(
        label="Trafficking in Human Beings: The 4Ps Revisited"
    )
    page.get_by_label("Theme").fill("Partnership and cooperation along the route")
    page.get_by_label("Time zone").select_option("Europe/Brussels")
    page.get_by_label("Starts", exact=True).fill(start)
    page.get_by_label("Ends", exact=True).fill(end)
    page.get_by_label("Join link").fill("https://zoom.us/j/81234567890")
    page.get_by_label("Capacity").fill("100")
    page.get_by_label("The organisers approve each registration").check()
    page.get_by_label("Description", exact=True).fill("The fourth module: **partnership**.")
    page.get_by_role("button", name="Save the event").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Partnership")


def test_organiser_creates_a_webinar_approves_a_delegate_and_exports(page, live_url, smtp_server):
    make_series()
    organiser = make_account("organiser", "sara.pauciullo@secretariat.example.org", "Sara Pauciullo")
    day = (utcnow() + timedelta(days=30)).date().isoformat()

    sign_in(page, live_url, organiser.email)
    screenshot(page, "console-dashboard")
    create_webinar(page, f"{day}T10:00", f"{day}T12:00")
    assert "10:00" in loaded(page)
    page.get_by_role("button", name="Publish").click()
    screenshot(page, "console-event")
    db.session.rollback()  # see what the server committed
    event_id = db.session.scalar(sa.select(Event.id).where(Event.title == "Partnership"))

    # A delegate registers from the public page, in a browser of their own.
    delegate = page.context.browser.new_context(viewport={"width": 360, "height": 800}, is_mobile=True)
    public = delegate.new_page()
    public.goto(f"{live_url}/events/{event_id}")
    screenshot(public, "public-event-phone")
    public.get_by_role("link", name="Register").click()
    fill_in(public, "Conny Rijken", "c.rijken@example.org", "Tilburg University", "academia", "NL")
    public.get_by_role("button", name="Register").click()
    assert "awaiting approval" in loaded(public).lower()
    delegate.close()

    page.get_by_role("link", name="Registrations").first.click()
    assert "Conny Rijken" in loaded(page)
    page.get_by_label("Choose Conny Rijken").check()
    page.get_by_label("Action").select_option("approve")
    page.get_by_role("button", name="Apply to the ticked registrations").click()
    screenshot(page, "console-registrations")
    db.session.rollback()
    status = db.session.scalar(sa.select(Registration.status).where(Registration.event_id == event_id))
    assert status == RegistrationStatus.CONFIRMED
    subjects = [m["Subject"] for m in smtp_server.inbox.to("c.rijken@example.org")]
    assert subjects == ["Registration received: Partnership", "Registration approved: Partnership"]

    # A bulk action runs on the job queue: its page shows the progress; back to the table.
    assert "/console/mailouts/" in page.url
    page.goto(f"{live_url}/console/events/{event_id}/registrations")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export as CSV").click()
    exported = download_info.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [(row["Name"], row["Status"]) for row in rows] == [("Conny Rijken", "Confirmed")]


def test_the_console_reads_on_a_phone(browser, live_url):
    make_series()
    organiser = make_account("organiser", "phone@secretariat.example.org")
    context = browser.new_context(viewport={"width": 360, "height": 800}, is_mobile=True)
    page = context.new_page()
    sign_in(page, live_url, organiser.email)
    with page.expect_navigation():  # read the new page, not the one it replaces
        page.get_by_role("link", name="New event").first.click()
    # Nothing wider than the screen: the form fits a phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(page, "console-event-form-phone")
    context.close()


def test_the_notice_box_appears_checked_once_a_change_matters(page, live_url, smtp_server):
    """Editing the description alone shows no notice box; a new start time shows it checked;
    the organiser unchecks it for a correction, and nobody is emailed."""
    from app.services.registration import registrations
    from app.services.registration.registrations import Applicant
    from tests.conftest import make_event

    organiser = make_account("organiser", "sara.pauciullo@secretariat.example.org", "Sara Pauciullo")
    event = make_event("Partnership")
    registrations.register(event, Applicant(email="amina@example.org", name="Amina", organisation="ILO"))
    smtp_server.inbox.clear()

    sign_in(page, live_url, organiser.email)
    page.goto(f"{live_url}/console/events/{event.id}/edit")
    notify = page.get_by_label("Notify registrants of this change")
    page.get_by_label("Description", exact=True).fill("A corrected description.")
    assert not notify.is_visible()
    page.get_by_label("Place").fill("Brussels")
    assert notify.is_visible() and notify.is_checked()
    notify.uncheck()
    page.get_by_role("button", name="Save the event").click()
    assert "Its registrants are not told of this change" in loaded(page)
    db.session.rollback()  # see what the server committed
    assert db.session.get(Event, event.id).place == "Brussels"
    assert smtp_server.inbox.messages == []
