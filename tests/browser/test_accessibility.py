"""axe-core (WCAG 2.1 A and AA, and its best practices) on the pages delegates, readers and
organisers use, in English and in Arabic (right to left), and the registration form used with
the keyboard alone.

The pages are reached as people reach them (the manage page from the link in the email that
arrived at the test SMTP server), and chosen by id or address so that any language works.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from app.models import Event
from app.services.reporting import summaries
from tests.browser.conftest import fill_in_registration
from tests.conftest import PASSWORD, make_account, make_event, make_series, manage_path
from tests.test_summaries import build_four_ps

pytestmark = pytest.mark.browser

LANGUAGES = ["en", "ar"]


def open_in(page, url: str, lang: str) -> None:
    """The first page of a visit chooses the language; the cookie keeps it for the next ones."""
    page.goto(f"{url}{'&' if '?' in url else '?'}lang={lang}")
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")


def submit_form(page) -> None:
    page.locator("main form [type=submit]").last.click()


def test_axe_reports_what_it_finds(audited_page, axe):
    """The checker itself: a field without a label and a page without a language fail."""
    audited_page.set_content("<html><body><main><input id='q'></main></body></html>")
    assert {"label", "html-has-lang"} <= {v["id"] for v in axe.violations(audited_page)}
    with pytest.raises(AssertionError, match="label"):
        axe.check(audited_page)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_delegates_pages(audited_page, axe, live_url, smtp_server, lang):
    page = audited_page
    series = make_series()
    event = make_event("Partnership", series=series, starts_in=timedelta(days=12))
    make_event("Prosecution", series=series, starts_in=timedelta(days=40))

    open_in(page, f"{live_url}/", lang)
    axe.check(page)
    page.goto(f"{live_url}/series/{series.id}")
    axe.check(page)
    page.goto(f"{live_url}/events/{event.id}")
    axe.check(page)
    page.goto(f"{live_url}/series/{series.id}/register")
    axe.check(page)
    page.goto(f"{live_url}/events/999")  # the error page
    axe.check(page)

    page.goto(f"{live_url}/events/{event.id}/register")
    axe.check(page)
    page.locator("#email").fill("not-an-email")
    submit_form(page)
    assert page.locator(".error-summary").is_visible()
    # The page opens on the summary: a keyboard or a screen reader starts at what to correct.
    assert page.evaluate("document.activeElement.classList.contains('error-summary')")
    assert page.locator("#email").get_attribute("aria-invalid") == "true"
    axe.check(page)
    # Each error in the summary at the top leads to its field.
    page.locator(".error-summary a[href='#email']").click()
    assert page.evaluate("document.activeElement.id") == "email"

    fill_in_registration(
        page, "Siham Osman", "siham.osman@example.org", "Ministry of Justice", "member_state", "SD"
    )
    submit_form(page)
    assert "/registrations/done" in page.url
    axe.check(page)

    confirmation = smtp_server.inbox.to("siham.osman@example.org")[0]
    page.goto(live_url + manage_path(confirmation))
    axe.check(page)
    page.locator(f"a[href$='{manage_path(confirmation)}/cancel']").click()
    axe.check(page)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_published_summary_with_its_charts(audited_page, axe, live_url, lang):
    protection = build_four_ps().protection
    event = db.session.get(Event, protection.id)
    event.summary_text = "The webinar gathered participants from a broad geographical range."
    event.summary_published = True
    db.session.commit()
    summaries.publish_figures(event)  # the public page shows the figures last published

    open_in(audited_page, f"{live_url}/events/{event.id}/summary", lang)
    charts = audited_page.get_by_role("img")
    assert charts.count() > 0
    for chart in charts.all():  # each chart's title and description, read out in its place
        name = chart.evaluate(
            "svg => svg.getAttribute('aria-labelledby').split(' ')"
            ".map(id => document.getElementById(id).textContent).join(' ')"
        )
        assert len(name.split()) >= 4, name
    axe.check(audited_page)
    audited_page.goto(f"{live_url}/events/{event.id}/participants")
    axe.check(audited_page)
    audited_page.goto(f"{live_url}/programme")
    axe.check(audited_page)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_console_pages(audited_page, axe, live_url, lang):
    page = audited_page
    event = build_four_ps().protection
    organiser = make_account("organiser", "sara.pauciullo@secretariat.example.org", "Sara Pauciullo")

    open_in(page, f"{live_url}/console/login", lang)
    axe.check(page)
    page.locator("#email").fill(organiser.email)
    page.locator("#password").fill(PASSWORD)
    submit_form(page)
    assert page.url.rstrip("/").endswith("/console")
    axe.check(page)
    page.goto(f"{live_url}/console/events/{event.id}/registrations")
    assert page.locator("table.data tbody tr").count() >= 5
    axe.check(page)
    page.goto(f"{live_url}/console/reports/events/{event.id}")
    axe.check(page)
    page.goto(f"{live_url}/console/events/{event.id}")
    axe.check(page)
    page.goto(f"{live_url}/console/events/new")
    axe.check(page)


FORM_ORDER = [
    "name",
    "email",
    "organisation",
    "organisation_kind",
    "country",
    "job_title",
    "language",
    "consent_privacy",
    "consent_participant_list",
    "submit",
]

FOCUSED = """() => {
  const element = document.activeElement;
  const style = getComputedStyle(element);
  return {
    id: element.id,
    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2,
    shadow: style.boxShadow !== 'none',
  };
}"""


def test_the_registration_form_with_the_keyboard_alone(page, live_url):
    event = make_event("Prevention")
    page.goto(f"{live_url}/events/{event.id}/register")
    reached = []
    for _ in range(40):  # the header's links, the form, and no trap on the way
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        assert focused["outline"] or focused["shadow"], f"no visible focus on #{focused['id']}"
        if focused["id"] in FORM_ORDER:
            reached.append(focused["id"])
        if focused["id"] == "submit":
            break
    assert reached == FORM_ORDER, "the tab key skips a field, reaches the honeypot or never the button"

    # Enter on the button sends the form; the errors come back tied to their fields.
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator(".error-summary").is_visible()
    assert page.locator("#name").get_attribute("aria-describedby") == "name-error"
