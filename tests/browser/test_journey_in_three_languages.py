"""The delegate's journey in English, French and Arabic, in a real browser: find the webinar from
the home page, register, read the confirmation, open the manage link from the email that arrived
at the test SMTP server, cancel.

Elements are found by id, address or the event's own title (never by a translated word), and the
texts expected are the catalogue's, so that one test serves every language. Each step is
photographed at phone and desktop widths into test-artifacts/screenshots/<lang>/, and must fit a
360-pixel screen without scrolling sideways.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext

from app.extensions import db
from app.models import Registration, RegistrationStatus
from tests.browser.conftest import fill_in_registration, loaded, screenshot
from tests.conftest import make_event, make_series, manage_path

pytestmark = pytest.mark.browser

PHONE, DESKTOP = 360, 1280


def translated(lang: str, message: str, **values) -> str:
    with force_locale(lang):
        return gettext(message, **values)


def step(page, lang: str, name: str) -> None:
    """Photograph the page at both widths; on the phone, nothing may stick out sideways."""
    page.set_viewport_size({"width": PHONE, "height": 800})
    width = page.evaluate("document.documentElement.scrollWidth")
    screenshot(page, f"{lang}/{name}-{PHONE}")
    page.set_viewport_size({"width": DESKTOP, "height": 900})
    screenshot(page, f"{lang}/{name}-{DESKTOP}")
    assert width <= PHONE, f"{name} scrolls sideways on a {PHONE}-pixel phone ({width} pixels wide)"


def assert_language(page, lang: str) -> None:
    html = page.locator("html")
    assert html.get_attribute("lang") == lang
    assert html.get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")


@pytest.mark.parametrize("lang", ["en", "fr", "ar"])
def test_the_journey_in_each_language(browser, live_url, smtp_server, lang):
    series = make_series()
    event = make_event("Partnership", series=series, starts_in=timedelta(days=12))
    event_id, title = event.id, event.title
    context = browser.new_context(viewport={"width": DESKTOP, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)

    # The switcher's link chooses the language; the cookie keeps it for the rest of the visit.
    page.goto(f"{live_url}/?lang={lang}")
    assert_language(page, lang)
    step(page, lang, "1-home")
    page.get_by_role("link", name=title, exact=True).first.click()
    assert page.get_by_role("heading", level=1).inner_text() == title
    assert_language(page, lang)
    step(page, lang, "2-event")

    page.locator(f"main a[href$='/events/{event_id}/register']").click()
    assert_language(page, lang)
    fill_in_registration(
        page, "Siham Osman Mohamed", "Siham.Osman@Example.org ", "Ministry of Justice", "member_state", "SD"
    )
    # A new form offers the page's language for the emails.
    assert page.locator("#language").input_value() == lang
    step(page, lang, "3-register")
    page.locator("#submit").click()

    assert page.url.endswith("/registrations/done")
    assert_language(page, lang)
    assert translated(lang, "Your seat is confirmed.") in page.locator("main").inner_text()
    assert "/registrations/manage/" not in loaded(page)
    step(page, lang, "4-confirmed")

    # The email is in the delegate's language too.
    confirmation = smtp_server.inbox.to("siham.osman@example.org")[0]
    subject = translated(lang, "Registration confirmed: %(title)s", title=title)
    assert confirmation["Subject"] == subject
    if lang != "en":  # and not English for want of a catalogue
        assert subject != translated("en", "Registration confirmed: %(title)s", title=title)
    html = confirmation.get_body(preferencelist=("html",)).get_content()
    assert f'<html lang="{lang}" dir="{"rtl" if lang == "ar" else "ltr"}">' in html

    manage = manage_path(confirmation)
    page.goto(live_url + manage)
    assert_language(page, lang)
    assert page.get_by_role("heading", level=1).inner_text() == translated(lang, "Your registration")
    step(page, lang, "5-manage")
    page.locator(f"a[href$='{manage}/cancel']").click()
    assert_language(page, lang)
    step(page, lang, "6-cancel")
    page.locator("main form [type=submit]").click()

    assert page.url.endswith(manage)
    cancelled = translated(lang, "Your registration has been cancelled. We have sent you a confirmation.")
    assert page.get_by_role("status").inner_text() == cancelled
    step(page, lang, "7-cancelled")
    context.close()

    db.session.rollback()  # see what the server committed
    assert db.session.scalar(sa.select(Registration.status)) == RegistrationStatus.CANCELLED
    subjects = [m["Subject"] for m in smtp_server.inbox.to("siham.osman@example.org")]
    assert subjects == [subject, translated(lang, "Registration cancelled: %(title)s", title=title)]
