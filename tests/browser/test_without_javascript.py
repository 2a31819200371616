"""The delegate's path with JavaScript switched off (old phones, strict browsers, failed
downloads on a slow line): register from the event page, then cancel from the emailed link."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Registration, RegistrationStatus
from tests.browser.conftest import fill_in_registration
from tests.conftest import make_event, manage_path

pytestmark = pytest.mark.browser


def test_register_and_cancel_without_javascript(browser, live_url, smtp_server):
    event = make_event("Protection", starts_in=timedelta(days=9))
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 360, "height": 800}, timezone_id="Africa/Nairobi"
    )
    page = context.new_page()
    page.set_default_timeout(10_000)

    page.goto(f"{live_url}/events/{event.id}")
    # With scripts on, the time in Nairobi would appear; off, the event's own time says it all.
    assert page.locator("[data-local-time]").is_hidden()
    page.locator(f"main a[href$='/events/{event.id}/register']").click()
    fill_in_registration(
        page, "Vincent Cochetel", "v.cochetel@example.org", "UNHCR", "international_organisation", "CH"
    )
    page.locator("#submit").click()
    assert page.url.endswith("/registrations/done")
    assert "Your seat is confirmed." in page.locator("main").inner_text()

    manage = manage_path(smtp_server.inbox.to("v.cochetel@example.org")[0])
    page.goto(live_url + manage)
    page.locator(f"a[href$='{manage}/cancel']").click()
    page.locator("main form [type=submit]").click()
    assert page.url.endswith(manage)
    assert "Your registration has been cancelled." in page.get_by_role("status").inner_text()
    context.close()

    db.session.rollback()  # see what the server committed
    assert db.session.scalar(sa.select(Registration.status)) == RegistrationStatus.CANCELLED
