"""Participation by delegation (issue 21): member states represented and heads of delegation
present, on the organisers' event summary and in its PDF report; not for a webinar."""

from __future__ import annotations

import pytest

from app.extensions import db
from app.models import Attendance, AttendanceSource, Event, Registration
from app.services.registration import registrations as service
from app.services.reporting import delegations, report_pdf
from tests.conftest import make_event
from tests.test_standard_fields import register_meeting_delegate

MEETING_FIELDS = {"names": True, "representing": True, "head_of_delegation": False}


def present(registration: Registration) -> None:
    db.session.add(
        Attendance(
            event_id=registration.event_id,
            registration_id=registration.id,
            participant_key=f"reg:{registration.id}",
            source=AttendanceSource.CHECK_IN,
            attended=True,
        )
    )
    db.session.commit()


def meeting() -> Event:
    """Ethiopia's head present and a member; Kenya's head confirmed, absent; Sudan only
    cancelled; the IOM present; Egypt's delegate on the waiting list."""
    event = make_event(form_fields=MEETING_FIELDS, capacity=5)
    present(register_meeting_delegate(event))  # Ethiopia, head
    present(register_meeting_delegate(event, email="dawit@example.org", head_of_delegation=False))
    register_meeting_delegate(event, email="wanjiru@example.org", representing_country="KE")
    service.cancel(register_meeting_delegate(event, email="omar@example.org", representing_country="SD"))
    present(
        register_meeting_delegate(
            event,
            email="iom@example.org",
            representing_country="",
            representing_organisation="International Organization for Migration",
            head_of_delegation=False,
        )
    )
    # The fifth seat, representing nobody: the event is full.
    register_meeting_delegate(event, email="x@example.org", representing_country="", head_of_delegation=False)
    register_meeting_delegate(event, email="nadia@example.org", representing_country="EG")
    return db.session.get(Event, event.id)


def test_member_states_represented_and_heads_of_delegation_present(app):
    figures = delegations.delegation_figures(meeting())
    assert figures is not None
    rows = [
        (d.label, d.registered, d.confirmed, d.present, d.head_confirmed, d.head_present)
        for d in figures.delegations
    ]
    assert rows == [
        ("Egypt", 1, 0, 0, False, False),
        ("Ethiopia", 2, 2, 2, True, True),
        ("Kenya", 1, 1, 0, True, False),
        ("International Organization for Migration", 1, 1, 1, False, False),
    ]
    assert (figures.member_states_confirmed, figures.member_states_present) == (2, 1)
    assert (figures.heads_confirmed, figures.heads_present) == (2, 1)


def test_the_console_summary_and_the_pdf_report_show_it(app, console):
    event = meeting()
    page = console.get(f"/console/reports/events/{event.id}").get_data(as_text=True)
    assert "Participation by delegation" in page
    assert (
        "Member states represented: 2 confirmed, 1 present. Heads of delegation: 2 confirmed, 1 present."
        in page
    )
    report = report_pdf.event_report(event)
    grids = [block for block in report.blocks if getattr(block, "header", [None])[0] == "Delegation"]
    assert grids and grids[0].rows[1] == ["Ethiopia", "2", "2", "2", "present"]
    public = report_pdf.event_report(event, public=True)
    assert not [block for block in public.blocks if getattr(block, "header", [None])[0] == "Delegation"]


@pytest.mark.parametrize(
    "language, text", [("fr", "Participation par délégation"), ("ar", "المشاركة حسب الوفد")]
)
def test_it_reads_in_french_and_arabic(app, console, language, text):
    event = meeting()
    page = console.get(f"/console/reports/events/{event.id}?lang={language}").get_data(as_text=True)
    assert text in page


def test_a_webinar_has_no_delegations(app, console):
    webinar = make_event("Webinar")
    assert delegations.delegation_figures(webinar) is None
    page = console.get(f"/console/reports/events/{webinar.id}").get_data(as_text=True)
    assert "Participation by delegation" not in page
