"""Every platform layout of tests/data/layouts.py read as a secretariat needs it: who is a host,
a panellist, an interpreter, a room or a phone; the waiting room left out of minutes; Teams'
Joined/Left list made into sessions; day and month decided from the file, the event or the
organiser; the report's own zone; Zoom's countries kept for walk-ins; sign-in sheets' clock times."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Attendance, AttendanceImport, EventFormat, ImportStatus
from app.services.attendance import participant_reports as reports
from app.services.attendance import report_clues as clues
from tests.conftest import csrf_token, make_account, make_event, submit
from tests.data.layouts import FILES, utf16_tabs
from tests.test_api_attendance import token_of

DATA = Path(__file__).parent / "data"
BRUSSELS = ZoneInfo("Europe/Brussels")
PARTNERSHIP = date(2021, 6, 30)
DECEMBER = date(2026, 12, 6)


def read(name: str, day: date = PARTNERSHIP, zone: str = "Europe/Brussels", given=False, **options):
    data = (DATA / name).read_bytes()
    table = reports.read_table(data, name)
    return reports.read_report(table, ZoneInfo(zone), zone_given=given, day=day, **options)


def people(report: reports.Report) -> dict[str, reports.Participant]:
    return {participant.name: participant for participant in report.participants}


def at(day: date, clock: str, zone=BRUSSELS) -> datetime:
    hours, minutes, *seconds = (int(part) for part in clock.split(":"))
    return datetime(day.year, day.month, day.day, hours, minutes, *(seconds or [0]), tzinfo=zone)


def test_the_sample_files_are_the_ones_layouts_py_writes():
    for name, make in FILES.items():
        assert (DATA / name).read_bytes() == make(), f"run tests/data/layouts.py to write {name} again"


# --- who someone is -------------------------------------------------------------------------------

KINDS = {
    "zoom_meeting_participants_full.csv": {
        "Khartoum Process Secretariat": "host",  # the meeting block's User Email
        "IT Support (Co-host)": "co_host",
        "Aida Awel": "delegate",
        "+249 912 345 678": "phone",
        "EN booth (Interpretation)": "interpreter",
        "Brussels Zoom Room": "room",
    },
    "zoom_webinar_attendees_full.csv": {
        "Khartoum Process Secretariat": "host",  # Host Details
        "Vincent Cochetel": "panellist",  # Panelist Details
        "Interprète FR": "interpreter",  # a panellist by section, an interpreter by name
        "+249 91 234 5678": "phone",
        "Salma Idris": "delegate",
    },
    "zoom_usage_report.csv": {
        "Khartoum Process Secretariat": "host",  # the host's User Email on each row
        "Vincent Cochetel": "delegate",
        "Call-in User_1": "phone",
    },
    "teams_attendance_list_2020.csv": {
        "+44 20 7946 0321": "phone",
        "Khartoum Process Brussels Teams Room": "room",
        "Awel, Aida": "delegate",
    },
    "teams_attendance_report_en_gb.csv": {
        "Khartoum Process Secretariat": "host",  # Organizer
        "IT Support": "co_host",  # Co-organizer
        "Vincent Cochetel": "panellist",  # Presenter
        "Interpreter (Arabic)": "interpreter",
        "+249 912 *** *78": "phone",  # masked as Teams shows it
        "Awel, Aida": "delegate",
    },
    "webex_meeting_attendees.csv": {
        "Khartoum Process Secretariat": "host",
        "IT Support": "co_host",  # Cohost
        "Vincent Cochetel": "panellist",
        "Call-in User_2": "phone",
        "Interpreter EN-FR": "interpreter",
        "Board Room Webex Desk": "room",
        "Annalisa Pauciullo": "delegate",
    },
}


@pytest.mark.parametrize("name", sorted(KINDS))
def test_hosts_panellists_interpreters_rooms_and_phones_are_recognised(app, name):
    day = DECEMBER if "en_gb" in name else PARTNERSHIP
    found = {person.name: person.kind for person in read(name, day).participants}
    assert {person: found[person] for person in KINDS[name]} == KINDS[name]
    assert set(found.values()) <= set(reports.KINDS)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("+249912345678", "phone"),
        ("+41 22 917 12 34", "phone"),
        ("0041229171234", "phone"),
        ("Call-in User_3", "phone"),
        ("Dial-in user", "phone"),
        ("FR booth", "interpreter"),
        ("Interpretation AR", "interpreter"),
        ("Salle de conférence B", "room"),
        ("Kigali Teams Room", "room"),
        ("Aida Awel", None),
        ("Ms. Booth-Smith", None),
        ("Ms Booth", None),
        ("Cabine AR", "interpreter"),
        ("2nd Vice-Chair", None),
    ],
)
def test_kinds_by_name(name, expected):
    assert clues.kind_of_name(name) == expected


def test_phone_numbers_are_grouped_to_read():
    assert clues.phone_display("+249912345678") == "+249 912 345 678"
    assert clues.phone_display("+12025550143") == "+1 202 555 0143"
    assert clues.phone_display("+4420794603210") == "+44 207 946 032 10"
    assert clues.phone_display("+44 20 7946 0321") == "+44 20 7946 0321"  # its own spacing kept


def test_a_site_usage_report_is_refused_saying_why(app):
    with pytest.raises(reports.ReportError, match="sums up meetings, one row per meeting"):
        read("webex_site_usage_report.csv")


def test_a_summary_block_then_unknown_columns_offers_the_participants_columns(app):
    data = b"Meeting ID,Topic,Start Time\r\n812,Partnership,06/30/2021 09:45 AM\r\n\r\n"
    data += b"Nom,Courriel,Minutes en ligne\r\nAida Awel,a@example.org,120\r\n"
    with pytest.raises(reports.UnknownColumns) as raised:
        reports.read_report(reports.read_table(data, "r.csv"), BRUSSELS)
    assert raised.value.header == (4, ["Nom", "Courriel", "Minutes en ligne"])


# --- minutes ---------------------------------------------------------------------------------------


def test_zoom_waiting_room_rows_count_no_minutes(app):
    report = read("zoom_meeting_participants_full.csv")
    found = people(report)
    assert report.waiting_room == 2
    assert found["Mehari Tekle"].minutes == 63  # not 71 with the waiting room
    assert found["Mehari Tekle"].first_join == at(PARTNERSHIP, "09:59:30")
    assert found["Aida Awel"].minutes == 120 and found["Aida Awel"].rows == 3


def test_teams_2020_joined_and_left_become_sessions(app):
    report = read("teams_attendance_list_2020.csv")
    found = people(report)
    assert report.source.value == "teams" and report.columns["action"] == "User Action"
    aida = found["Awel, Aida"]
    assert (aida.rows, aida.minutes) == (3, 120)
    assert aida.spans[1] == (at(PARTNERSHIP, "10:33:05"), at(PARTNERSHIP, "11:02:10"))
    # "Joined before" counts from its timestamp; a join never left lasts to the list's last time.
    assert found["Vincent Cochetel"].first_join == at(PARTNERSHIP, "09:45:02")
    assert found["Siham Osman Mohamed"].last_leave == at(PARTNERSHIP, "12:08:40")
    assert found["+44 20 7946 0321"].minutes == 60


def test_teams_2020_list_with_an_unknown_action_leaves_that_row_out(app):
    rows = [["Full Name", "User Action", "Timestamp"], ["A B", "Joined", "6/30/2021, 10:00:00 AM"]]
    rows += [["A B", "Muted", "6/30/2021, 10:05:00 AM"], ["A B", "Left", "6/30/2021, 10:30:00 AM"]]
    report = reports.read_report(reports.read_table(utf16_tabs(rows), "list.csv"), BRUSSELS)
    assert report.participants[0].minutes == 30
    assert report.left_out == [(3, "Line 3: “Muted” is neither “Joined” nor “Left”.")]


# --- day and month ---------------------------------------------------------------------------------


def test_a_day_above_12_decides_the_order(app):
    report = read("webex_meeting_attendees.csv")
    assert (report.dates, report.dates_from) == ("day_first", "file")


def test_the_summary_date_decides_the_order(app):
    report = read("teams_attendance_report_en_gb.xlsx", day=None)
    assert (report.dates, report.dates_from) == ("day_first", "summary")
    assert people(report)["Awel, Aida"].first_join == at(DECEMBER, "09:58:12")


def test_the_event_date_decides_when_the_file_cannot(app):
    report = read("teams_attendance_report_en_gb.csv", day=DECEMBER)
    assert (report.dates, report.dates_from) == ("day_first", "event")
    assert people(report)["Awel, Aida"].first_join == at(DECEMBER, "09:58:12")  # not 12 June
    june = read("teams_attendance_report_en_gb.csv", day=date(2026, 6, 12))
    assert (june.dates, june.dates_from) == ("month_first", "event")


def test_24_hour_times_mark_a_day_first_locale(app):
    report = read("teams_attendance_report_en_gb.csv", day=date(2026, 3, 1))
    assert (report.dates, report.dates_from) == ("day_first", "locale")


AMBIGUOUS = (
    b"Name,Join Time,Leave Time,Duration (Minutes)\r\n"
    b"Aida Awel,06/12/2026 09:58:12 AM,06/12/2026 12:01:30 PM,123\r\n"
    b"Mehari Tekle,06/12/2026 10:10:00 AM,06/12/2026 11:40:00 AM,90\r\n"
)


def test_dates_nothing_decides_are_asked_then_read_as_chosen(app):
    table = reports.read_table(AMBIGUOUS, "report.csv")
    report = reports.read_report(table, BRUSSELS, day=date(2026, 3, 1))
    assert report.dates_from == "ask"
    chosen = reports.read_report(table, BRUSSELS, day=date(2026, 3, 1), day_first=True)
    assert (chosen.dates, chosen.dates_from) == ("day_first", "chosen")
    assert people(chosen)["Aida Awel"].first_join == at(DECEMBER, "09:58:12")


def test_clock_times_of_a_sign_in_sheet_are_on_the_event_day(app):
    report = read("sign_in_sheet_clock_times.csv")
    found = people(report)
    assert report.dates_from == "clock"
    assert found["Aida Awel"].first_join == at(PARTNERSHIP, "09:05")
    assert found["Mehari Tekle"].minutes == 140


# --- the zone ----------------------------------------------------------------------------------------


def test_the_zone_the_report_states_is_used_and_said(app):
    report = read("webex_meeting_attendees.csv")
    assert (report.zone, report.zone_from) == ("Europe/London", "file")  # "(GMT+01:00) London"
    # 09:00 in London is 10:00 in Brussels: not an hour off
    assert people(report)["Vincent Cochetel"].first_join == at(PARTNERSHIP, "10:00")


def test_the_event_zone_when_the_report_says_nothing_and_the_given_zone_always(app):
    silent = read("zoom_meeting_participants_full.csv")
    assert (silent.zone, silent.zone_from) == ("Europe/Brussels", "event")
    given = read("webex_meeting_attendees.csv", zone="Europe/Brussels", given=True)
    assert (given.zone, given.zone_from) == ("Europe/Brussels", "given")
    assert people(given)["Vincent Cochetel"].first_join == at(PARTNERSHIP, "09:00")


@pytest.mark.parametrize(
    ("lines", "zone"),
    [
        (["Join Time (UTC+01:00)"], "UTC+01:00"),
        (["Time zone: Africa/Khartoum"], "Africa/Khartoum"),
        (["Start time (GMT-05:00) Eastern"], "UTC-05:00"),
        (["GMT+3"], "UTC+03:00"),
        (["Time zone: (UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna"], "Europe/Amsterdam"),
        (["(UTC+03:00) Nairobi"], "Africa/Nairobi"),
        (["(UTC+05:00) Vienna"], "UTC+05:00"),  # not Vienna's offset: the offset is what is sure
        (["Partnership, 30 June"], None),
    ],
)
def test_zones_stated_in_headers(lines, zone):
    assert clues.zone_stated(lines) == zone


# --- countries -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "code"),
    [("Sudan", "SD"), ("Soudan", "SD"), ("السودان", "SD"), ("Côte d’Ivoire", "CI"), ("Eritrea", "ER")]
    + [("United States", "US"), ("Türkiye", "TR"), ("Atlantis", ""), ("", ""), ("ZZ", "")],
)
def test_country_names_in_several_languages(name, code):
    assert clues.country_code(name) == code


def test_the_webinar_country_column_is_kept_per_participant(app):
    found = people(read("zoom_webinar_attendees_full.csv"))
    assert found["Salma Idris"].country == "SD"  # written "Soudan"
    assert found["Aida Awel"].country == "ET"


# --- through the console and the API ---------------------------------------------------------------


@pytest.fixture
def event(app):
    return make_event("Partnership", start=datetime(2021, 6, 30, 8, tzinfo=UTC), format=EventFormat.ONLINE)


@pytest.fixture
def december(app):
    return make_event("Follow-up", start=datetime(2026, 12, 6, 9, tzinfo=UTC), format=EventFormat.ONLINE)


def upload(client, event, filename: str, data: bytes | None = None, zone: str = ""):
    body = (DATA / filename).read_bytes() if data is None else data
    form = {"file": (io.BytesIO(body), filename), "zone": zone}
    response = submit(client, f"/console/events/{event.id}/attendance/import", form)
    assert response.status_code == 303, response.get_data(as_text=True)
    import_id = int(re.search(r"/imports/(\d+)$", response.headers["Location"]).group(1))
    return db.session.get(AttendanceImport, import_id, populate_existing=True)


def page(client, event, imported) -> str:
    return client.get(f"/console/events/{event.id}/attendance/imports/{imported.id}").get_data(as_text=True)


def test_the_preview_shows_kinds_countries_and_where_zone_and_dates_come_from(console, event):
    imported = upload(console, event, "webex_meeting_attendees.csv")
    entries = {entry["name"]: entry for entry in imported.participants}
    assert (
        entries["Board Room Webex Desk"]["kind"] == "room" and entries["Annalisa Pauciullo"]["country"] == ""
    )
    text = page(console, event, imported)
    assert "Room system" in text and "Interpreter" in text and "Co-host" in text
    assert "Not delegates, by the report’s roles and names:" in text
    assert "The report states this zone." in text and "Europe/London" in text
    assert "Dates read day first" in text
    webinar = upload(console, event, "zoom_webinar_attendees_full.csv")
    text = page(console, event, webinar)
    assert "Phone +249 91 234 5678" in text and "(SD)" in text
    assert "The report does not state its zone" in text


def read_again(client, event, imported, **fields):
    url = f"/console/events/{event.id}/attendance/imports/{imported.id}/reading"
    data = {
        "zone": "",
        "dates": "",
        **fields,
        "csrf_token": csrf_token(client, f"/console/events/{event.id}/attendance"),
    }
    return client.post(url, data=data)


def confirm(client, event, imported):
    url = f"/console/events/{event.id}/attendance/imports/{imported.id}/confirm"
    data = {"threshold": "10", "confirm": "yes", "others": "walk_in"}
    for index, entry in enumerate(imported.participants):
        # The unmatched become walk-ins, as the organiser may choose (nothing is by default).
        data[f"p{index}"] = "walk_in" if entry["decision"] == "undecided" else entry["decision"]
    data["csrf_token"] = csrf_token(client, f"/console/events/{event.id}/attendance")
    return client.post(url, data=data)


def test_ambiguous_dates_are_asked_before_importing(console, december):
    imported = upload(console, december, "report.csv", AMBIGUOUS.replace(b"06/12/2026", b"03/04/2026"))
    assert imported.column_map["reading"]["dates_from"] == "ask"
    assert "neither the file nor the event’s date tells which" in page(console, december, imported)
    response = confirm(console, december, imported)
    assert response.status_code == 400 and "day first or month first" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Attendance.id))) == 0
    assert read_again(console, december, imported, dates="day_first").status_code == 303
    db.session.refresh(imported)
    assert imported.column_map["reading"]["dates_from"] == "chosen"
    first_join = {entry["name"]: entry["join"] for entry in imported.participants}["Aida Awel"]
    assert first_join == "2026-04-03T07:58:12+00:00"  # 3 April, not 4 March
    assert confirm(console, december, imported).status_code == 303
    db.session.refresh(imported)
    assert imported.status in (ImportStatus.IMPORTING, ImportStatus.DONE)


def test_the_organiser_changes_the_zone_and_the_file_is_read_again(console, event):
    imported = upload(console, event, "zoom_meeting_participants_full.csv")
    before = {entry["name"]: entry["join"] for entry in imported.participants}
    assert imported.column_map["reading"]["zone_from"] == "event"
    assert read_again(console, event, imported, zone="Europe/London").status_code == 303
    db.session.refresh(imported)
    after = {entry["name"]: entry["join"] for entry in imported.participants}
    assert (
        before["Aida Awel"] == "2021-06-30T07:58:12+00:00"
        and after["Aida Awel"] == "2021-06-30T08:58:12+00:00"
    )
    assert imported.column_map["zone"] == "Europe/London"
    assert "You chose this zone." in page(console, event, imported)
    refused = read_again(console, event, imported, zone="Mars/Olympus")
    assert refused.status_code == 400
    db.session.refresh(imported)
    assert imported.column_map["zone"] == "Europe/London"


def test_walk_ins_keep_the_report_country_registrants_their_own(console, event):
    imported = upload(console, event, "zoom_webinar_attendees_full.csv")
    assert confirm(console, event, imported).status_code == 303
    rows = {row.name: row for row in db.session.scalars(sa.select(Attendance))}
    assert rows["Salma Idris"].country == "SD" and rows["Mehari Tekle"].country == "ER"


def test_teams_2020_list_imports_through_the_console(console, event):
    imported = upload(console, event, "teams_attendance_list_2020.csv")
    assert {entry["name"]: entry["seconds"] // 60 for entry in imported.participants}["Awel, Aida"] == 120


@pytest.fixture
def organiser(app):
    return make_account("organiser")


def test_the_api_answers_kinds_countries_zone_and_dates(client, event, organiser):
    response = client.post(
        f"/api/v1/events/{event.id}/attendance",
        headers=token_of(organiser),
        data={"file": (io.BytesIO((DATA / "webex_meeting_attendees.csv").read_bytes()), "w.csv")},
        content_type="multipart/form-data",
    )
    answer = response.get_json()
    assert response.status_code == 200, answer
    assert (answer["zone"], answer["zone_from"], answer["dates"], answer["dates_from"]) == (
        "Europe/London",
        "file",
        "day_first",
        "file",
    )
    kinds = {person["name"]: person["kind"] for person in answer["unmatched_people"]}
    assert kinds["Call-in User_2"] == "phone" and kinds["Board Room Webex Desk"] == "room"


def test_the_api_refuses_to_import_dates_nobody_decided(client, december, organiser):
    def post(**query):
        return client.post(
            f"/api/v1/events/{december.id}/attendance",
            headers=token_of(organiser),
            query_string=query,
            data={"file": (io.BytesIO(AMBIGUOUS.replace(b"06/12", b"03/04")), "r.csv")},
            content_type="multipart/form-data",
        )

    assert post().get_json()["dates_from"] == "ask"
    refused = post(apply="true")
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["field"] == "dates"
    assert db.session.scalar(sa.select(sa.func.count(AttendanceImport.id))) == 0
    assert post(apply="true", dates="day_first", unmatched="walk_in").status_code == 202


@pytest.mark.parametrize(
    ("language", "words"),
    [("fr", ["Intervenant", "Système de salle", "Le rapport indique ce fuseau."])]
    + [("ar", ["متحدث", "نظام قاعة", "يذكر التقرير هذه المنطقة الزمنية."])],
)
def test_the_preview_in_french_and_arabic(console, event, language, words):
    imported = upload(console, event, "webex_meeting_attendees.csv")
    url = f"/console/events/{event.id}/attendance/imports/{imported.id}?lang={language}"
    response = console.get(url)
    assert response.status_code == 200
    assert all(word in response.text for word in words), [w for w in words if w not in response.text]


def test_clock_times_in_columns_the_organiser_maps_are_on_the_event_day(console, event):
    sheet = "Nom;Courriel;Arrivée;Départ\r\nAida Awel;aida.awel@ilo.example.org;09:05;12:10\r\n".encode()
    imported = upload(console, event, "feuille.csv", sheet)
    url = f"/console/events/{event.id}/attendance/imports/{imported.id}"
    token = csrf_token(console, url)
    mapping = {"name": "0", "email": "1", "join": "2", "leave": "3", "duration": ""}
    assert console.post(url + "/columns", data={"csrf_token": token, **mapping}).status_code == 303
    db.session.refresh(imported)
    [entry] = imported.participants
    assert entry["join"] == "2021-06-30T07:05:00+00:00" and entry["seconds"] == 185 * 60
    # Read again with another zone: the organiser's columns are kept.
    assert read_again(console, event, imported, zone="Europe/London").status_code == 303
    db.session.refresh(imported)
    assert imported.participants[0]["join"] == "2021-06-30T08:05:00+00:00"


def test_the_kept_file_goes_once_the_report_is_imported_or_set_aside(console, event):
    imported = upload(console, event, "zoom_webinar_attendees_full.csv")
    assert db.session.scalar(sa.select(AttendanceImport.report_file)) is not None
    assert confirm(console, event, imported).status_code == 303
    assert db.session.scalar(sa.select(AttendanceImport.report_file)) is None
    assert read_again(console, event, imported, zone="Europe/London").status_code == 409
    again = upload(console, event, "webex_meeting_attendees.csv")
    url = f"/console/events/{event.id}/attendance/imports/{again.id}/discard"
    token = csrf_token(console, f"/console/events/{event.id}/attendance")
    assert console.post(url, data={"csrf_token": token}).status_code == 303
    assert db.session.scalars(sa.select(AttendanceImport.report_file)).all() == [None, None]
