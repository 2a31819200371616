"""A custom question from creation to export, in a real browser: the organiser adds "Do you
need a visa letter?" and "Passport details" shown on its Yes; the delegate sees the second
only once they answer Yes; the organiser finds both answers in the CSV export."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Registration
from tests.browser.conftest import loaded
from tests.browser.test_console_journey import sign_in
from tests.browser.test_delegate_journey import fill_in
from tests.conftest import make_account, make_event

pytestmark = pytest.mark.browser


def test_a_question_from_the_console_to_the_delegate_to_the_export(audited_page, axe, live_url, smtp_server):
    """With axe-core (WCAG 2.1 AA) on the console's questions page and the delegate's form."""
    page = audited_page
    event = make_event("Partnership", is_published=True)
    organiser = make_account("organiser", "sara.pauciullo@secretariat.example.org", "Sara Pauciullo")
    sign_in(page, live_url, organiser.email)

    page.goto(f"{live_url}/console/events/{event.id}")
    page.get_by_role("link", name="Questions", exact=True).click()
    page.get_by_label("Kind of answer").select_option("yes_no")
    page.get_by_label("Question in English").fill("Do you need a visa letter?")
    page.get_by_label("Question in French").fill("Avez-vous besoin d’une lettre pour le visa ?")
    page.get_by_label("An answer is required").check()
    page.get_by_role("button", name="Save the question").click()
    assert "The question is added." in loaded(page)
    page.get_by_label("Kind of answer").select_option("short_text")
    page.get_by_label("Question in English").fill("Passport details")
    page.get_by_label("An answer is required").check()
    page.get_by_label("Shown").select_option(label="If “Do you need a visa letter?” is answered “Yes”")
    page.get_by_role("button", name="Save the question").click()
    assert "The question is added." in loaded(page)
    axe.check(page)  # the list, the form to add one and the preview

    # The delegate, in a browser of their own: the passport question waits for a Yes.
    delegate = page.context.browser.new_context(
        viewport={"width": 360, "height": 800}, is_mobile=True, bypass_csp=True
    )
    delegate.add_init_script(script=axe.source)
    public = delegate.new_page()
    public.goto(f"{live_url}/events/{event.id}/register")
    axe.check(public)
    passport = public.locator("#q_passport_details")
    assert not passport.is_visible()
    fill_in(public, "Amina Yusuf", "amina.yusuf@example.org", "Ministry of Labour", "member_state", "ET")
    public.get_by_label("No", exact=True).check()
    assert not passport.is_visible()
    public.get_by_label("Yes", exact=True).check()
    assert passport.is_visible()
    public.get_by_role("button", name="Register").click()  # the passport left empty: refused
    assert "Answer this question." in loaded(public)
    assert public.locator("#q_passport_details").is_visible()
    axe.check(public)
    passport = public.locator("#q_passport_details")
    passport.fill("EP1234567, expires 2031-05-01")
    public.get_by_role("button", name="Register").click()
    assert "/registrations/done" in public.url
    delegate.close()
    db.session.rollback()  # see what the server committed
    assert db.session.scalar(sa.select(Registration.answers)) == {
        "do_you_need_a_visa_letter": "yes",
        "passport_details": "EP1234567, expires 2031-05-01",
    }

    page.goto(f"{live_url}/console/events/{event.id}/registrations")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Export as CSV").click()
    exported = download_info.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(exported)))
    assert [(row["Name"], row["Do you need a visa letter?"], row["Passport details"]) for row in rows] == [
        ("Amina Yusuf", "Yes", "EP1234567, expires 2031-05-01")
    ]


def test_the_series_form_shows_an_events_own_questions_while_it_is_ticked(audited_page, axe, live_url):
    """The series form asks each event's own questions under its title, shown only while the
    event is ticked (without a script: always shown, answered only for the events chosen)."""
    from app.models import QuestionKind
    from app.services.registration import questions
    from app.services.registration.questions import QuestionDetails
    from tests.conftest import make_series

    page = audited_page
    series = make_series("The 4Ps Revisited", is_published=True)
    one = make_event("Prevention", series=series, is_published=True)
    two = make_event("Protection", series=series, is_published=True)
    questions.add_question(
        two, QuestionDetails(kind=QuestionKind.SHORT_TEXT, labels={"en": "Session topic"}, required=True)
    )
    page.goto(f"{live_url}/series/{series.id}/register")
    group = page.locator(f'[data-question-event="{two.id}"]')
    assert group.is_visible()  # both open events ticked in advance
    axe.check(page)
    page.get_by_label("Protection", exact=False).uncheck()
    assert not group.is_visible()
    fill_in(page, "Amina Yusuf", "amina.yusuf@example.org", "Ministry of Labour", "member_state", "ET")
    page.get_by_label("Protection", exact=False).check()
    assert group.is_visible()
    page.get_by_role("button", name="Register for the chosen events").click()  # unanswered: refused
    assert "Answer this question." in loaded(page)
    page.locator(f"#e{two.id}_q_session_topic").fill("Cash transfers")
    page.get_by_role("button", name="Register for the chosen events").click()
    assert "/registrations/done" in page.url
    db.session.rollback()  # see what the server committed
    stored = dict(db.session.execute(sa.select(Registration.event_id, Registration.answers)).all())
    assert stored == {one.id: {}, two.id: {"session_topic": "Cash transfers"}}
