"""Importing participant reports: each platform's sample read and merged right, matching by email
then name, the preview and the organiser's choices, re-imports that change nothing, a second
report merged into the first, the 20,000-row report through the web, and every kind of broken
file refused with nothing stored."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    Attendance,
    AttendanceImport,
    AttendanceSource,
    AuditEntry,
    Delegate,
    Event,
    EventFormat,
    ImportStatus,
    Registration,
    RegistrationStatus,
)
from app.services.attendance import attendance as service
from app.services.attendance import participant_reports as reports
from app.services.registration.registrations import Applicant, add_registration
from app.services.reporting import summaries
from config import Config
from tests.conftest import csrf_token, make_event, submit, zip_with_padding
from tests.data.synthetic import person, zoom_minutes, zoom_report

DATA = Path(__file__).parent / "data"
START = datetime(2021, 6, 30, 8, tzinfo=UTC)  # 10:00 in Brussels
BRUSSELS = ZoneInfo("Europe/Brussels")
DELEGATES = [
    ("Aida Awel", "aida.awel@ilo.example.org", "ILO"),
    ("Vincent Cochetel", "vincent.cochetel@unhcr.example.org", "UNHCR"),
    ("Siham Osman Mohamed", "siham.osman@moj.example.org", "Ministry of Justice, Sudan"),
    ("Johan Kruger", "johan.kruger@unodc.example.org", "UNODC"),
    ("Guy Fourmage", "guy.fourmage@rock.example.org", "ROCK"),
    ("Conny Rijken", "conny.rijken@tilburg.example.org", "Tilburg University"),
    ("Annalisa Pauciullo", "annalisa.pauciullo@unodc.example.org", "UNODC"),
    ("Amina Yusuf", "amina.yusuf@example.org", "Ministry of Labour and Social Affairs"),
]
SAMPLES = {
    "zoom_meeting_participants.csv": AttendanceSource.ZOOM,
    "zoom_webinar_attendee_report.csv": AttendanceSource.ZOOM,
    "teams_attendance_report.csv": AttendanceSource.TEAMS,
    "teams_attendance_report.xlsx": AttendanceSource.TEAMS,
    "webex_attendee_report.csv": AttendanceSource.WEBEX,
}


def at(clock: str) -> datetime:
    """A time of the webinar's day in Brussels, as an instant."""
    hours, minutes, seconds = (int(part) for part in clock.split(":"))
    return datetime(2021, 6, 30, hours, minutes, seconds, tzinfo=BRUSSELS)


# --- reading the files (no database) -----------------------------------------------------------


def read(name: str, zone: str = "Europe/Brussels") -> reports.Report:
    data = (DATA / name).read_bytes()
    return reports.read_report(reports.read_table(data, name), ZoneInfo(zone))


def by_email(report: reports.Report) -> dict[str, reports.Participant]:
    return {p.email: p for p in report.participants if p.email}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_each_platform_sample_is_recognised_and_merged(app, name):
    report = read(name)
    assert report.source == SAMPLES[name]
    assert {"name", "join", "leave", "duration"} <= set(report.columns)
    aida = by_email(report)["aida.awel@ilo.example.org"]
    # Three connections (or Teams' one summed-up row): first join, last leave, time online.
    assert (aida.first_join, aida.last_leave, aida.minutes) == (at("09:58:12"), at("12:01:30"), 120)
    assert aida.rows == (1 if "teams" in name else 3)


@pytest.mark.parametrize(
    "morning, noon", [("09:58:12 a.m.", "12:01:30 p.m."), ("09:58:12 am", "12:01:30 pm")]
)
def test_times_with_a_dotted_or_lower_case_meridiem_are_read(app, morning, noon):
    """As some languages' Teams and Zoom exports write them: the same instants as "AM"/"PM"."""
    data = (DATA / "zoom_meeting_participants.csv").read_text(encoding="utf-8-sig")
    data = data.replace("09:58:12 AM", morning).replace("12:01:30 PM", noon)
    report = reports.read_report(reports.read_table(data.encode(), "report.csv"), BRUSSELS)
    aida = by_email(report)["aida.awel@ilo.example.org"]
    assert (aida.first_join, aida.last_leave) == (at("09:58:12"), at("12:01:30"))


@pytest.mark.parametrize(
    "day, month", [("30 JUNE 2021", 6), ("30 jun 2021", 6), ("06/30/21", 6), ("30 Sept 2021", 9)]
)
def test_dates_with_the_months_name_in_any_case_or_shortened_as_en_gb_does_are_read(app, day, month):
    """CLDR's en-GB shortens September to "Sept", which strptime's "%b" does not read."""
    data = (DATA / "zoom_meeting_participants.csv").read_text(encoding="utf-8-sig").replace("06/30/2021", day)
    report = reports.read_report(reports.read_table(data.encode(), "report.csv"), BRUSSELS)
    aida = by_email(report)["aida.awel@ilo.example.org"]
    in_month = (at("09:58:12").replace(month=month), at("12:01:30").replace(month=month))
    assert (aida.first_join, aida.last_leave) == in_month


def test_rejoins_overlaps_and_rows_without_an_email_are_merged_per_person(app):
    report = read("zoom_meeting_participants.csv")
    assert report.rows == 14 and len(report.participants) == 10
    people = by_email(report)
    # A laptop and a phone at once: 10:00–11:30 and 10:45–12:00 is two hours, not 165 minutes.
    assert people["vincent.cochetel@unhcr.example.org"].minutes == 120
    assert people["vincent.cochetel@unhcr.example.org"].spans == [(at("10:00:00"), at("12:00:00"))]
    # The phone call without an email joins the same name's rows: 4 min + 1 h 52 min 30 s.
    siham = people["siham.osman@moj.example.org"]
    assert (siham.rows, siham.minutes, siham.first_join) == (2, 117, at("10:02:00"))
    # Emails compared in one case.
    assert "annalisa.pauciullo@unodc.example.org" in people


def test_teams_participants_section_is_read_not_its_activities(app):
    report = read("teams_attendance_report.csv")
    # Six people, each once, although the activities section lists Aida three times.
    assert len(report.participants) == 6
    assert by_email(report)["siham.osman@moj.example.org"].minutes == 117  # "1h 56m 30s"


def test_zoom_webinar_report_leaves_out_registrants_who_did_not_come(app):
    report = read("zoom_webinar_attendee_report.csv")
    assert report.skipped == 2  # Attended: No
    assert "amina.yusuf@example.org" not in by_email(report)
    # Host, panelists and attendees sections are all read.
    assert {"secretariat@khartoumprocess.example.org", "johan.kruger@unodc.example.org"} <= set(
        by_email(report)
    )


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("65", 3900),
        ("65.5", 3930),
        ("1h 5m 3s", 3903),
        ("65 mins", 3900),
        ("1 hr 42 mins", 6120),
        ("2h", 7200),
        ("5m 30s", 330),
        ("1:05:03", 3903),
        ("47:03", 2823),
        ("soon", None),
        ("-5", None),
        ("", None),
    ],
)
def test_durations_of_every_platform(text, seconds):
    assert reports.parse_duration(text) == seconds


def test_names_compare_without_case_accents_punctuation_or_order():
    key = reports.name_key
    assert key("Awel, Aida") == key("Aida Awel") == key("AIDA  awel")
    assert key("José-María Pérez") == key("Perez Jose Maria")
    assert reports.name_keys("Guy FOURMAGE (ROCK)")[1] == key("Guy Fourmage")


# --- through the console ---------------------------------------------------------------------------


@pytest.fixture
def event(app):
    return make_event("Partnership", start=START, hours=2, format=EventFormat.ONLINE)


@pytest.fixture
def registered(event, console) -> dict[str, int]:
    ids = {}
    for name, email, organisation in DELEGATES:
        applicant = Applicant(email=email, name=name, organisation=organisation)
        ids[name] = add_registration(event, applicant, by=console.account).registration.id
    return ids


def upload(client, event: Event, filename: str, data: bytes | None = None, **fields):
    body = (DATA / filename).read_bytes() if data is None else data
    form = {"file": (io.BytesIO(body), filename), "zone": "Europe/Brussels", **fields}
    return submit(client, f"/console/events/{event.id}/attendance/import", form)


def imported_from(response) -> AttendanceImport:
    assert response.status_code == 303, response.get_data(as_text=True)
    import_id = int(re.search(r"/imports/(\d+)$", response.headers["Location"]).group(1))
    return db.session.get(AttendanceImport, import_id, populate_existing=True)


def page_url(event: Event, imported: AttendanceImport) -> str:
    return f"/console/events/{event.id}/attendance/imports/{imported.id}"


def decide(client, event, imported, choices: dict[str, str] | None = None, action="confirm", **fields):
    """Send the preview's form: every unmatched participant shown keeps its choice unless named."""
    choices = choices or {}
    data = {"threshold": str(event.attendance_min_minutes), action: "yes"}  # "others" as browsers: if shown
    for index, entry in enumerate(imported.participants):
        if service.is_open_choice(entry):
            default = f"reg:{entry['reg']}" if entry["reg"] else entry["decision"]
            data[f"p{index}"] = choices.get(entry["name"], default)
    data.update(fields)
    data["csrf_token"] = csrf_token(client, f"/console/events/{event.id}/attendance")
    return client.post(page_url(event, imported) + "/confirm", data=data)


def stored() -> tuple[int, int]:
    return (
        db.session.scalar(sa.select(sa.func.count(Attendance.id))),
        db.session.scalar(sa.select(sa.func.count(AttendanceImport.id))),
    )


def attendance() -> dict[str, Attendance]:
    """Rows by registrant's name, or by the report's name for walk-ins."""
    rows = db.session.execute(
        sa.select(Attendance, Registration.name)
        .outerjoin(Registration, Registration.id == Attendance.registration_id)
        .execution_options(populate_existing=True)
    ).all()
    return {name or row.name: row for row, name in rows}


# The organiser's choices for the unmatched people of the Zoom sample: nobody is a walk-in
# unless chosen (see test_attendance_decisions.py).
HOST = {"Khartoum Process Secretariat": "ignore", "Galaxy S21": "ignore", "Mehari Tekle": "walk_in"}


def import_zoom_meeting(console, event, choices=None) -> AttendanceImport:
    imported = imported_from(upload(console, event, "zoom_meeting_participants.csv"))
    response = decide(console, event, imported, choices or HOST)
    assert response.status_code == 303, response.get_data(as_text=True)
    db.session.refresh(imported)
    return imported


def test_the_preview_shows_matches_and_stores_no_attendance(console, event, registered):
    response = upload(console, event, "zoom_meeting_participants.csv")
    imported = imported_from(response)
    assert imported.status == ImportStatus.PREVIEW and imported.source == AttendanceSource.ZOOM
    assert stored() == (0, 1)
    how = {entry["name"]: (entry["how"], entry["reg"]) for entry in imported.participants}
    assert how["Aida Awel"] == ("email", registered["Aida Awel"])
    assert how["Annalisa Pauciullo"] == ("email", registered["Annalisa Pauciullo"])  # other case
    assert how["Kruger, Johan"] == ("name", registered["Johan Kruger"])  # another address, words swapped
    assert how["Guy FOURMAGE (ROCK)"] == ("name", registered["Guy Fourmage"])  # no email, organisation added
    assert how["Mehari Tekle"] == (None, None)
    assert (imported.matched_count, imported.unmatched_count) == (7, 3)

    page = console.get(response.headers["Location"])
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Galaxy S21" in html and "Khartoum Process Secretariat" in html
    assert "5 by email, 2 by name, 0 by hand" in html
    assert stored() == (0, 1)


def test_the_preview_reads_the_registrations_it_offers_in_a_fixed_number_of_queries(
    console, event, registered
):
    url = page_url(event, imported_from(upload(console, event, "zoom_meeting_participants.csv")))
    statements = []

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    def statements_for_page() -> int:
        statements.clear()
        db.session.expire_all()  # nothing loaded by an earlier request is reused
        assert console.get(url).status_code == 200
        return len(statements)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        few = statements_for_page()
        for number in range(30):
            applicant = Applicant(email=f"delegate{number}@example.org", name=f"Delegate {number}")
            add_registration(event, applicant, by=console.account)
        many = statements_for_page()
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    # Each unmatched participant is offered every registration, shown with its email.
    assert "Delegate 29 – delegate29@example.org" in console.get(url).get_data(as_text=True)
    assert many == few


def test_confirming_records_registrants_walk_ins_and_the_threshold(console, event, registered):
    imported = import_zoom_meeting(console, event)
    assert imported.status == ImportStatus.DONE
    assert imported.rows_done == imported.rows_total == 8
    rows = attendance()
    assert set(rows) == {name for name, *_ in DELEGATES if name != "Amina Yusuf"} | {"Mehari Tekle"}
    aida = rows["Aida Awel"]
    assert (aida.first_join_dt, aida.last_leave_dt, aida.minutes, aida.attended) == (
        at("09:58:12"),
        at("12:01:30"),
        120,
        True,
    )
    assert aida.participant_key == f"reg:{registered['Aida Awel']}" and aida.source == AttendanceSource.ZOOM
    assert (rows["Conny Rijken"].minutes, rows["Conny Rijken"].attended) == (6, False)  # below 10 minutes
    walk_in = rows["Mehari Tekle"]
    assert (walk_in.registration_id, walk_in.participant_key) == (None, "mehari.tekle@example.net")
    assert rows["Johan Kruger"].registration_id == registered["Johan Kruger"]

    entry = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "attendance.import")).one()
    assert entry.account_id == console.account.id
    assert {
        k: entry.details[k] for k in ("matched", "walk_ins", "ignored", "attended", "below_threshold")
    } == {
        "matched": 7,
        "walk_ins": 1,
        "ignored": 2,
        "attended": 7,
        "below_threshold": 1,
    }
    assert (
        db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.action == "attendance.walk_ins")) == 1
    )

    page = console.get(f"/console/events/{event.id}/attendance").get_data(as_text=True)
    assert "Mehari Tekle" in page and "walk-in" in page and "zoom_meeting_participants.csv" in page
    progress = console.get(page_url(event, imported) + "/progress.json").get_json()
    assert progress == {
        "status": "done",
        "status_title": "Imported",
        "rows_done": 8,
        "rows_total": 8,
        "done": True,
    }


def test_the_programme_summary_counts_an_import_at_once(console, event, registered):
    """The programme's figures are kept for each event until its participants change: an
    import changes them (app/models/participation.py), and the event is counted again."""
    before = summaries.programme_summary()
    assert (before.unique_participants, before.events_without_attendance) == (len(DELEGATES), 1)
    import_zoom_meeting(console, event)
    db.session.rollback()
    after = summaries.programme_summary()
    summaries.forget_kept_figures()
    counted = summaries.programme_summary()
    assert (after.unique_participants, after.events_without_attendance) == (7, 0)  # 6 attended, 1 walk-in
    assert (after.unique_participants, after.breakdowns) == (counted.unique_participants, counted.breakdowns)


def test_linking_by_hand_and_a_lower_threshold(console, event, registered):
    imported = imported_from(upload(console, event, "zoom_meeting_participants.csv"))
    amina = f"reg:{registered['Amina Yusuf']}"
    response = decide(console, event, imported, {**HOST, "Galaxy S21": amina}, threshold="5")
    assert response.status_code == 303
    rows = attendance()
    assert rows["Amina Yusuf"].participant_key == amina and rows["Amina Yusuf"].minutes == 2
    assert rows["Conny Rijken"].attended is True  # 6 minutes, now enough
    assert db.session.get(Event, event.id, populate_existing=True).attendance_min_minutes == 5
    link = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "attendance.link")).one()
    assert link.details["participant"] == "Galaxy S21"

    # The threshold on the attendance page decides again for the rows already imported.
    url = f"/console/events/{event.id}/attendance"
    token = csrf_token(console, url)
    assert console.post(url + "/threshold", data={"csrf_token": token, "minutes": "100"}).status_code == 303
    rows = attendance()
    assert rows["Vincent Cochetel"].attended is True and rows["Mehari Tekle"].attended is False


def test_saving_choices_and_counting_again_imports_nothing(console, event, registered):
    imported = imported_from(upload(console, event, "zoom_meeting_participants.csv"))
    response = decide(console, event, imported, {"Galaxy S21": "ignore"}, action="recount", threshold="60")
    assert response.status_code == 303
    db.session.refresh(imported)
    assert imported.status == ImportStatus.PREVIEW
    assert next(e for e in imported.participants if e["name"] == "Galaxy S21")["decision"] == "ignore"
    assert stored() == (0, 1)
    html = console.get(page_url(event, imported)).get_data(as_text=True)
    assert "attended (60 min or more)" in html


def test_the_same_file_twice_changes_nothing(console, event, registered):
    import_zoom_meeting(console, event)
    before = (stored(), {name: (row.minutes, row.attended) for name, row in attendance().items()})
    again = upload(console, event, "zoom_meeting_participants.csv")
    assert again.status_code == 409
    assert "already imported on" in again.get_data(as_text=True)
    assert (stored(), {name: (row.minutes, row.attended) for name, row in attendance().items()}) == before


def test_an_overlapping_second_report_merges_without_duplicates(console, event, registered):
    import_zoom_meeting(console, event)
    second = imported_from(upload(console, event, "zoom_webinar_attendee_report.csv"))
    assert decide(console, event, second, HOST).status_code == 303
    rows = attendance()
    assert len(rows) == 8 and stored()[0] == 8
    assert rows["Aida Awel"].minutes == 120  # the same three connections: not 240
    vincent = rows["Vincent Cochetel"]
    assert (vincent.first_join_dt, vincent.minutes) == (at("09:50:00"), 130)  # 09:50–12:00 covers both
    assert rows["Johan Kruger"].minutes == 128  # by name first, by email now: one row
    assert rows["Siham Osman Mohamed"].minutes == 117
    assert rows["Mehari Tekle"].minutes == 90


def test_a_walk_in_who_registers_later_keeps_one_row(console, event, registered):
    import_zoom_meeting(console, event)
    mehari = add_registration(
        event, Applicant(email="mehari.tekle@example.net", name="Mehari Tekle"), by=console.account
    ).registration
    second = imported_from(upload(console, event, "zoom_webinar_attendee_report.csv"))
    assert decide(console, event, second, HOST).status_code == 303
    rows = [row for row in attendance().values() if row.name == "Mehari Tekle"]
    assert len(rows) == 1
    assert (rows[0].registration_id, rows[0].minutes) == (mehari.id, 90)


def test_a_check_in_is_not_undone_by_a_report(console, event, registered):
    event.format = EventFormat.HYBRID
    db.session.commit()
    conny = db.session.get(Registration, registered["Conny Rijken"])
    service.check_in(conny, by=console.account)
    import_zoom_meeting(console, event)
    row = attendance()["Conny Rijken"]
    # Still checked in; the minutes are the report's (a check-in invents none: it used to
    # count the event's 120 minutes).
    assert (row.source, row.attended, row.minutes) == (AttendanceSource.CHECK_IN, True, 6)


@pytest.mark.parametrize(
    ("arrival", "first_join"),
    [("09:55:00", "09:55:00"), ("10:40:00", "10:20:00")],  # her report: joined online at 10:20
    ids=["at-the-door-first", "online-first"],
)
def test_a_report_keeps_the_earlier_of_the_check_in_and_its_own_join(
    console, event, registered, arrival, first_join
):
    event.format = EventFormat.HYBRID
    db.session.commit()
    conny = db.session.get(Registration, registered["Conny Rijken"])
    service.check_in(conny, by=console.account, now=at(arrival))
    import_zoom_meeting(console, event)
    row = attendance()["Conny Rijken"]
    assert row.source == AttendanceSource.CHECK_IN
    assert row.first_join_dt == at(first_join)


@pytest.mark.parametrize(
    ("filename", "zone", "first_join"),
    [
        ("teams_attendance_report.csv", "Africa/Nairobi", datetime(2021, 6, 30, 6, 58, 12, tzinfo=UTC)),
        ("teams_attendance_report.xlsx", "Europe/Brussels", datetime(2021, 6, 30, 7, 58, 12, tzinfo=UTC)),
        ("webex_attendee_report.csv", "Europe/Brussels", datetime(2021, 6, 30, 7, 58, 12, tzinfo=UTC)),
    ],
)
def test_teams_and_webex_reports_in_the_zone_chosen(console, event, registered, filename, zone, first_join):
    imported = imported_from(upload(console, event, filename, zone=zone))
    assert decide(console, event, imported, HOST).status_code == 303
    aida = attendance()["Aida Awel"]
    assert (aida.first_join_dt, aida.minutes) == (first_join, 120)


def test_columns_not_recognised_are_chosen_by_the_organiser(console, event, registered):
    imported = imported_from(upload(console, event, "custom_sign_in_sheet.csv"))
    assert service.awaiting_mapping(imported) and stored() == (0, 1)
    page = console.get(page_url(event, imported))
    assert page.status_code == 200 and "Choose the columns" in page.get_data(as_text=True)
    url = page_url(event, imported) + "/columns"
    token = csrf_token(console, page_url(event, imported))

    unset = {"name": "", "email": "", "join": "", "leave": "", "duration": "", "csrf_token": token}
    no_name = console.post(url, data={**unset, "duration": "4"})
    assert no_name.status_code == 400
    no_time = console.post(url, data={**unset, "name": "0", "email": "1", "join": "2"})
    assert no_time.status_code == 400
    assert "duration column, or both" in no_time.get_data(as_text=True)
    assert service.awaiting_mapping(db.session.get(AttendanceImport, imported.id, populate_existing=True))

    mapping = {"name": "0", "email": "1", "join": "2", "leave": "3", "duration": "4"}
    assert console.post(url, data={"csrf_token": token, **mapping}).status_code == 303
    db.session.refresh(imported)
    assert imported.column_map["duration"] == "Durée en ligne"
    assert {entry["name"]: entry["how"] for entry in imported.participants}["Aida Awel"] == "email"
    assert decide(console, event, imported, HOST).status_code == 303
    assert attendance()["Aida Awel"].minutes == 123
    assert console.post(url, data={"csrf_token": token, **mapping}).status_code == 409


def test_a_preview_set_aside_records_nothing(console, event, registered):
    imported = imported_from(upload(console, event, "zoom_meeting_participants.csv"))
    url = page_url(event, imported)
    response = console.post(url + "/discard", data={"csrf_token": csrf_token(console, url)})
    assert response.status_code == 303
    assert (
        db.session.get(AttendanceImport, imported.id, populate_existing=True).status == ImportStatus.DISCARDED
    )
    assert stored() == (0, 1)
    assert decide(console, event, imported, HOST).status_code == 409
    # ...and the same file can be read again.
    assert upload(console, event, "zoom_meeting_participants.csv").status_code == 303


def test_confirming_twice_and_forged_choices_change_nothing(console, event, registered):
    imported = imported_from(upload(console, event, "zoom_meeting_participants.csv"))
    other_event = make_event("Prosecution", start=START.replace(month=5, day=26))
    stranger = add_registration(
        other_event, Applicant(email="someone@example.org", name="Someone Else"), by=console.account
    ).registration
    for forged in ("reg:999999", f"reg:{stranger.id}", f"reg:{registered['Aida Awel']}", "delete"):
        assert decide(console, event, imported, {"Galaxy S21": forged}).status_code == 400
    assert decide(console, event, imported, threshold="-3").status_code == 400
    assert stored() == (0, 1)
    assert decide(console, event, imported, HOST).status_code == 303
    assert decide(console, event, imported, HOST).status_code == 409
    assert stored() == (8, 1)


def test_a_viewer_sees_the_preview_but_cannot_confirm(signed_in, console, event, registered):
    imported = imported_from(upload(console, event, "zoom_meeting_participants.csv"))
    viewer = signed_in("viewer")
    page = viewer.get(page_url(event, imported))
    assert page.status_code == 200 and "Import the attendance" not in page.get_data(as_text=True)
    assert viewer.get(page_url(event, imported) + "/progress.json").status_code == 200
    token = csrf_token(viewer, page_url(event, imported))
    assert viewer.post(page_url(event, imported) + "/confirm", data={"csrf_token": token}).status_code == 403
    assert viewer.get(f"/console/events/{event.id}/attendance/import").status_code == 403
    other = make_event("Prosecution", start=START.replace(month=5, day=26))
    assert viewer.get(f"/console/events/{other.id}/attendance/imports/{imported.id}").status_code == 404


def test_the_job_is_idempotent_and_resumes(console, event, registered):
    imported = import_zoom_meeting(console, event)
    before = {name: (row.minutes, row.attended, row.participant_key) for name, row in attendance().items()}
    assert service.run_import(imported.id) == 0  # done: nothing to do
    # A job lost half-way is queued again: it rewrites the same values.
    imported.status, imported.rows_done = ImportStatus.IMPORTING, 3
    db.session.commit()
    assert service.run_import(imported.id) == 8
    after = {name: (row.minutes, row.attended, row.participant_key) for name, row in attendance().items()}
    assert after == before and stored() == (8, 1)


def test_a_report_being_imported_shows_its_progress_and_can_be_resumed(console, event, registered):
    imported = import_zoom_meeting(console, event)
    # As a worker that died after the first batch leaves it:
    imported.status, imported.rows_done = ImportStatus.IMPORTING, 3
    db.session.commit()
    html = console.get(page_url(event, imported)).get_data(as_text=True)
    assert '<progress id="progress" max="8" value="3" data-value="rows_done" data-max="rows_total">' in html
    assert 'src="/static/console-progress.js"' in html and "data-progress-reload" in html
    assert '<span data-count="rows_done">3</span>' in html and ">Refresh</a>" in html
    assert console.get(page_url(event, imported) + "/progress.json").get_json()["done"] is False
    url = page_url(event, imported)
    token = csrf_token(console, url)
    assert console.post(url + "/resume", data={"csrf_token": token}).status_code == 303
    db.session.refresh(imported)
    assert imported.status == ImportStatus.DONE and stored() == (8, 1)
    assert console.post(url + "/resume", data={"csrf_token": token}).status_code == 409


def test_a_job_that_fails_says_so_and_keeps_what_it_wrote(console, event, registered):
    imported = imported_from(upload(console, event, "zoom_meeting_participants.csv"))
    # A value the database refuses (minutes >= 0) stops the job, as a database error would.
    broken = [{**entry, "seconds": -6000, "spans": None} for entry in imported.participants]
    imported.status, imported.participants = ImportStatus.IMPORTING, broken
    db.session.commit()
    assert service.run_import(imported.id) == 0
    db.session.refresh(imported)
    assert imported.status == ImportStatus.FAILED and "IntegrityError" in imported.error
    html = console.get(page_url(event, imported)).get_data(as_text=True)
    assert "stopped with an error" in html
    # The same file may be uploaded again after a failure.
    assert upload(console, event, "zoom_meeting_participants.csv").status_code == 303


def test_a_report_of_another_day_is_pointed_out(console, registered):
    other = make_event("Prosecution", start=datetime(2021, 5, 26, 8, tzinfo=UTC), format=EventFormat.ONLINE)
    imported = imported_from(upload(console, other, "zoom_meeting_participants.csv"))
    html = console.get(page_url(other, imported)).get_data(as_text=True)
    assert "is this the report of another meeting?" in html


def test_a_report_awaiting_its_columns_can_be_set_aside(console, event):
    imported = imported_from(upload(console, event, "custom_sign_in_sheet.csv"))
    url = page_url(event, imported)
    assert console.post(url + "/discard", data={"csrf_token": csrf_token(console, url)}).status_code == 303
    html = console.get(url).get_data(as_text=True)
    assert "set aside" in html and stored() == (0, 1)


# --- broken files -----------------------------------------------------------------------------------

ZOOM_HEADER = "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\r\n"
GOOD_ROW = "Aida Awel,aida.awel@ilo.example.org,06/30/2021 09:58:12 AM,06/30/2021 10:31:40 AM,34,No\r\n"


def zoom(*rows: str) -> bytes:
    return (ZOOM_HEADER + GOOD_ROW + "".join(rows)).encode()


def not_xlsx_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("notes.txt", "not a workbook")
    return buffer.getvalue()


BROKEN = {
    "empty": ("report.csv", b"", "The file is empty"),
    "blank lines": ("report.csv", b"\r\n\r\n  \r\n", "The file is empty"),
    "binary garbage": ("report.csv", bytes(range(256)) * 40, "not a participant report"),
    "utf-32": ("report.csv", (ZOOM_HEADER + GOOD_ROW).encode("utf-32"), "not a participant report"),
    "prose": ("report.csv", b"Thank you all for joining the webinar.\n", "not a participant report"),
    "missing columns": (
        "report.csv",
        b"Name,Email\r\nAida Awel,aida.awel@ilo.example.org\r\n",
        "no join and leave",
    ),
    "header only": ("report.csv", ZOOM_HEADER.encode(), "no participants"),
    "xlsx not a zip": ("report.xlsx", b"Name,Email\r\n", "is not an Excel workbook"),
    "zip not a workbook": ("report.xlsx", not_xlsx_zip(), "not a participant report"),
    "damaged zip": ("report.xlsx", b"PK\x03\x04" + b"\x00" * 200, "could not be read"),
    "old xls": ("report.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 500, "Old Excel files"),
    "date out of range": (
        "report.csv",
        (
            ZOOM_HEADER + "Aida Awel,a@example.org,06/30/1921 09:58:12 AM,06/30/1921 10:31:40 AM,34,No\r\n"
        ).encode(),
        "not a date and time",
    ),
}


# One bad row never blocks a report: it is left out, and said, and the rest is read.
BAD_ROWS = {
    "ragged row": (
        "report.csv",
        zoom("Vincent Cochetel,v@example.org,06/30/2021 10:00:00 AM,,5,No,x,y\r\n"),
        "Line 3",
    ),
    "absurd duration": ("report.csv", zoom("Vincent,v@example.org,,,99999,No\r\n"), "not possible"),
    "negative duration": ("report.csv", zoom("Vincent,v@example.org,,,-5,No\r\n"), "is not a duration"),
    "absurd stay": (
        "report.csv",
        zoom("Vincent,v@example.org,06/30/2021 10:00:00 AM,07/09/2021 10:00:00 AM,,No\r\n"),
        "more than two days",
    ),
    "leave before join": (
        "report.csv",
        zoom("Vincent,v@example.org,06/30/2021 11:00:00 AM,06/30/2021 10:00:00 AM,60,No\r\n"),
        "before the join",
    ),
    "date that does not parse": (
        "report.csv",
        zoom("Vincent,v@example.org,31/31/2021 99:99,06/30/2021 10:00:00 AM,5,No\r\n"),
        "Line 3",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_ROWS))
def test_a_bad_row_is_left_out_and_listed_and_the_rest_is_read(console, event, case):
    filename, data, message = BAD_ROWS[case]
    imported = imported_from(upload(console, event, filename, data))
    reading = imported.column_map["reading"]
    assert reading["left_out_count"] == 1
    [(line, reason)] = reading["left_out"]
    assert line == 3 and message in reason
    assert [entry["name"] for entry in imported.participants] == ["Aida Awel"]
    page = console.get(page_url(event, imported)).get_data(as_text=True)
    assert "1 line of the report could not be read and is left out" in page
    assert message in page and "Left out." in page
    assert stored() == (0, 1)


def test_a_report_whose_every_row_is_bad_is_refused_with_the_first_reason(console, event):
    data = (ZOOM_HEADER + "Vincent,v@example.org,,,-5,No\r\nConny,c@example.org,,,abc,No\r\n").encode()
    response = upload(console, event, "report.csv", data)
    assert response.status_code == 400
    assert "Line 2: “-5” is not a duration" in response.get_data(as_text=True)
    assert stored() == (0, 0)


def test_names_that_look_like_formulas_or_numbers_are_text_on_import(console, event):
    """A dial-in's "+249912345678" and a "=cmd…" name block nothing: formulas are neutralised in
    the exports (tests/test_exports.py), where they could run."""
    data = zoom(
        "+249912345678,,06/30/2021 10:00:00 AM,06/30/2021 10:40:00 AM,40,No\r\n",
        "\"=cmd|' /C calc'!A0\",x@example.org,06/30/2021 10:00:00 AM,06/30/2021 10:20:00 AM,20,No\r\n",
        "@Sudan MoJ,,06/30/2021 10:05:00 AM,06/30/2021 10:25:00 AM,20,No\r\n",
    )
    imported = imported_from(upload(console, event, "report.csv", data))
    entries = {entry["name"]: entry for entry in imported.participants}
    assert set(entries) == {"Aida Awel", "+249 912 345 678", "=cmd|' /C calc'!A0", "@Sudan MoJ"}
    assert entries["+249 912 345 678"]["kind"] == "phone"
    assert imported.column_map["reading"]["left_out_count"] == 0
    page = console.get(page_url(event, imported)).get_data(as_text=True)
    assert "Phone +249 912 345 678" in page


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_a_broken_report_is_refused_and_nothing_is_stored(console, event, case):
    filename, data, message = BROKEN[case]
    response = upload(console, event, filename, data)
    assert 400 <= response.status_code < 500, response.status_code
    assert message in response.get_data(as_text=True)
    assert stored() == (0, 0)


def test_a_report_too_large_is_refused_before_it_is_read(console, event):
    response = upload(console, event, "big.csv", b"x" * (50 * 1024 * 1024))
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    assert stored() == (0, 0)


# --- ZIP bombs: refused by their central directory, before openpyxl opens them -----------------

# A row as a bomb repeats it: each one openpyxl reads costs time and memory.
BOMB_ROW = b'<row><c t="inlineStr"><is><t>x</t></is></c></row>'


SHEET = "xl/worksheets/sheet1.xml"


def teams_sample() -> tuple[dict[str, bytes], bytes, bytes]:
    """The Teams sample workbook's parts but its first sheet, and that sheet around its rows,
    without <dimension> (which read-only openpyxl would trust to stop early)."""
    sample = zipfile.ZipFile(DATA / "teams_attendance_report.xlsx")
    parts = {name: sample.read(name) for name in sample.namelist() if name != SHEET}
    head, tail = re.sub(rb"<dimension [^>]*/>", b"", sample.read(SHEET)).split(b"<sheetData>")
    return parts, head + b"<sheetData>", tail


def teams_bomb(size: int) -> bytes:
    """The sample, its first sheet holding `size` bytes of one row repeated (written streamed)."""
    parts, head, tail = teams_sample()
    return zip_with_padding(parts, SHEET, size, (head, tail), BOMB_ROW)


def teams_workbook_of(people: int) -> bytes:
    """The sample, its first sheet listing `people` people: packs about 20 to 1, as a long report."""
    parts, head, tail = teams_sample()
    cell = '<c t="inlineStr"><is><t>{}</t></is></c>'
    rows = "".join(
        f"<row>{cell.format(name)}{cell.format(email)}</row>" for name, email in map(person, range(people))
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in {**parts, SHEET: head + rows.encode() + tail}.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_a_workbook_that_would_unpack_like_a_bomb_is_refused_before_it_is_read(app, console, event):
    """The probe's workbook (under 1 MB, 94 MB of rows: 22 s and 360 MB in openpyxl), with the
    limits a deployment gets."""
    assert app.config["MAX_REPORT_UNPACKED_BYTES"] == Config.MAX_REPORT_UNPACKED_BYTES == 50 * 2**20
    bomb = teams_bomb(94 * 2**20)
    assert len(bomb) < 2**20
    response = upload(console, event, "teams_attendance_report.xlsx", bomb)
    assert response.status_code == 400
    assert "This file would unpack to 95 MB, more than the 50 MB accepted." in response.get_data(as_text=True)
    assert stored() == (0, 0)


def test_a_workbook_past_the_configured_unpacked_size_is_refused(app, console, event):
    app.config["MAX_REPORT_UNPACKED_BYTES"] = 2**20
    response = upload(console, event, "teams_attendance_report.xlsx", teams_workbook_of(12_000))
    assert response.status_code == 400
    assert "This file would unpack to 2 MB, more than the 1 MB accepted." in response.get_data(as_text=True)
    assert stored() == (0, 0)


def test_uploads_without_token_file_or_known_zone_are_refused(console, event):
    url = f"/console/events/{event.id}/attendance/import"
    body = (DATA / "zoom_meeting_participants.csv").read_bytes()
    assert console.post(url, data={"file": (io.BytesIO(body), "r.csv"), "zone": "UTC"}).status_code == 400
    assert submit(console, url, {"zone": "UTC"}).status_code == 400
    assert upload(console, event, "zoom_meeting_participants.csv", zone="Mars/Olympus").status_code == 400
    assert console.get("/console/events/999/attendance/import").status_code == 404
    assert stored() == (0, 0)


# --- 20,000 rows through the web ------------------------------------------------------------------


def test_a_20000_row_report_imports_with_the_right_counts(console, event):
    """How long it takes is bench/attendance_import.py's to say: a bound on the time here
    failed on a loaded machine and said nothing on an idle one."""
    people, rows, registrants = 5000, 20000, 2000
    _register_in_bulk(event, registrants)
    data = zoom_report(people, rows, datetime(2021, 6, 30, 10))

    imported = imported_from(upload(console, event, "participants_81234567890.csv", data))
    assert (imported.matched_count, imported.unmatched_count) == (registrants, people - registrants)
    # The unmatched people are walk-ins in one click; the job runs inline in tests.
    url = page_url(event, imported)
    group = {"pick": "others:walk_in", "csrf_token": csrf_token(console, url)}
    assert console.post(url + "/group", data=group).status_code == 303
    db.session.refresh(imported)
    assert decide(console, event, imported).status_code == 303

    db.session.refresh(imported)
    assert imported.status == ImportStatus.DONE and imported.rows_done == imported.rows_total == people
    assert stored() == (people, 1)
    counts = service.attendance_counts(event)
    assert (counts["registrants"], counts["walk_ins"]) == (registrants, people - registrants)
    sample = db.session.scalars(sa.select(Attendance).where(Attendance.email == person(4321)[1])).one()
    assert sample.minutes == zoom_minutes(4321, rows // people)


def _register_in_bulk(event: Event, count: int) -> None:
    """Registrations made directly: the registration path is not what this test measures."""
    now = datetime.now(UTC)
    db.session.execute(
        sa.insert(Delegate),
        [{"email": person(n)[1], "name": person(n)[0], "created_dt": now} for n in range(count)],
    )
    delegates = dict(db.session.execute(sa.select(Delegate.email, Delegate.id)).all())
    db.session.execute(
        sa.insert(Registration),
        [
            {
                "event_id": event.id,
                "delegate_id": delegates[person(n)[1]],
                "name": person(n)[0],
                "status": RegistrationStatus.CONFIRMED,
                "consent_privacy_dt": now,
                "created_dt": now,
                "status_changed_dt": now,
            }
            for n in range(count)
        ],
    )
    db.session.commit()
