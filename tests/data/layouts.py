"""Writes the report files of each platform's layout used by tests/test_participant_report_layouts.py.

    .venv/bin/python tests/data/layouts.py

Each file follows the layout named in README.md, with the people of the Partnership webinar
(30 June 2021, 10:00 Brussels) or, for the en-GB Teams exports, of a meeting on 6 December
2026 (10:00 Brussels), whose dates "06/12/2026" read either way round.
"""

from __future__ import annotations

import codecs
import csv
import io
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).parent
AIDA = "aida.awel@ilo.example.org"
VINCENT = "vincent.cochetel@unhcr.example.org"
SIHAM = "siham.osman@moj.example.org"
JOHAN = "johan.kruger@unodc.example.org"
CONNY = "conny.rijken@tilburg.example.org"
ANNALISA = "annalisa.pauciullo@unodc.example.org"
MEHARI = "mehari.tekle@example.net"
SECRETARIAT = "secretariat@khartoumprocess.example.org"
SUPPORT = "it.support@khartoumprocess.example.org"


def text(rows: list[list], delimiter: str = ",") -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return out.getvalue()


def utf8_bom(rows, delimiter=","):
    return codecs.BOM_UTF8 + text(rows, delimiter).encode("utf-8")


def utf16_tabs(rows):
    return text(rows, "\t").encode("utf-16")  # with its BOM, little-endian here


def us(clock: str) -> str:
    """Zoom's US time of the Partnership day: 06/30/2021 09:58:12 AM."""
    return datetime.strptime("2021-06-30 " + clock, "%Y-%m-%d %H:%M:%S").strftime("%m/%d/%Y %I:%M:%S %p")


def teams_us(clock: str) -> str:
    """Teams' en-US time: 6/30/2021, 9:58:12 AM."""
    moment = datetime.strptime("2021-06-30 " + clock, "%Y-%m-%d %H:%M:%S")
    return f"{moment.month}/{moment.day}/{moment.year}, {moment.strftime('%I:%M:%S %p').lstrip('0')}"


def gb(clock: str) -> str:
    """Teams' en-GB time of 6 December 2026: 06/12/2026, 09:58:12."""
    return "06/12/2026, " + clock


def zoom_meeting() -> bytes:
    """Zoom meeting participants, exported with the meeting data (Reports › Usage › Participants),
    with the host, a co-host, rejoins, a dial-in, an interpreters' booth, a Zoom Room and two
    rows of the waiting room."""
    header = [
        "Name (Original Name)",
        "User Email",
        "Join Time",
        "Leave Time",
        "Duration (Minutes)",
        "Guest",
        "Recording Consent",
        "In Waiting Room",
    ]
    rows = [
        ["Meeting ID", "Topic", "Start Time", "End Time", "User Email", "Duration (Minutes)", "Participants"],
        ["812 3456 7890", "Partnership", us("09:45:02"), us("12:08:40"), SECRETARIAT, 144, 12],
        [],
        header,
        ["Khartoum Process Secretariat", SECRETARIAT, us("09:45:02"), us("12:08:40"), 144, "No", "", "No"],
        ["IT Support (Co-host)", SUPPORT, us("09:46:00"), us("12:05:00"), 139, "No", "", "No"],
        ["Aida Awel", AIDA, us("09:50:00"), us("09:58:12"), 9, "Yes", "", "Yes"],
        ["Aida Awel", AIDA, us("09:58:12"), us("10:31:40"), 34, "Yes", "Y", "No"],
        ["Aida Awel", AIDA, us("10:33:05"), us("11:02:10"), 30, "Yes", "Y", "No"],
        ["Aida Awel", AIDA, us("11:04:00"), us("12:01:30"), 58, "Yes", "Y", "No"],
        ["Mehari Tekle", MEHARI, us("09:52:00"), us("09:59:30"), 8, "Yes", "", "Yes"],
        ["Mehari Tekle", MEHARI, us("09:59:30"), us("11:02:30"), 63, "Yes", "Y", "No"],
        ["+249912345678", "", us("10:05:00"), us("11:35:00"), 90, "Yes", "", "No"],
        ["EN booth (Interpretation)", "", us("09:55:00"), us("12:02:00"), 127, "Yes", "", "No"],
        ["Brussels Zoom Room", "", us("09:58:00"), us("12:00:00"), 122, "Yes", "", "No"],
        ["Conny Rijken", CONNY, us("10:20:00"), us("10:25:30"), 6, "Yes", "Y", "No"],
    ]
    return utf8_bom(rows)


def zoom_webinar() -> bytes:
    """Zoom webinar attendee report: its summary, Host Details, Panelist Details and Attendee
    Details blocks, Country/Region, an interpreter among the panellists, a phone attendee."""
    common = ["Join Time", "Leave Time", "Time in Session (minutes)", "Is Guest", "Country/Region Name"]
    detail = ["Attended", "User Name (Original Name)", "Email", *common]
    rows = [
        ["Attendee Report", ""],
        ["Report Generated:", "Jul 01, 2021 09:12 AM"],
        [
            "Topic",
            "Webinar ID",
            "Actual Start Time",
            "Actual Duration (minutes)",
            "# Registered",
            "Unique Viewers",
        ],
        ["Partnership", "845-1234-5678", "Jun 30, 2021 09:45 AM", 144, 8, 7],
        ["Host Details", ""],
        detail,
        [
            "Yes",
            "Khartoum Process Secretariat",
            SECRETARIAT,
            "Jun 30, 2021 09:45:02",
            "Jun 30, 2021 12:08:40",
            144,
        ]
        + ["No", "Austria"],
        ["Panelist Details", ""],
        detail,
        [
            "Yes",
            "Vincent Cochetel",
            VINCENT,
            "Jun 30, 2021 09:50:00",
            "Jun 30, 2021 12:00:00",
            130,
            "No",
            "Italy",
        ],
        ["Yes", "Interprète FR", "", "Jun 30, 2021 09:55:00", "Jun 30, 2021 12:02:00", 127, "Yes", "Belgium"],
        ["Attendee Details", ""],
        ["Attended", "User Name (Original Name)", "First Name", "Last Name", "Email", "Registration Time"]
        + ["Approval Status", *common],
        ["Yes", "Aida Awel", "Aida", "Awel", AIDA, "Jun 20, 2021 14:02:11", "approved"]
        + ["Jun 30, 2021 09:58:12", "Jun 30, 2021 12:01:30", 123, "Yes", "Ethiopia"],
        ["Yes", "Mehari Tekle", "Mehari", "Tekle", MEHARI, "Jun 29, 2021 22:10:09", "approved"]
        + ["Jun 30, 2021 10:10:00", "Jun 30, 2021 11:40:00", 90, "Yes", "Eritrea"],
        [
            "Yes",
            "Salma Idris",
            "Salma",
            "Idris",
            "salma.idris@example.net",
            "Jun 29, 2021 20:00:00",
            "approved",
        ]
        + ["Jun 30, 2021 10:00:00", "Jun 30, 2021 11:30:00", 90, "Yes", "Soudan"],
        ["Yes", "+249 91 234 5678", "", "", "", "", ""]
        + ["Jun 30, 2021 10:15:00", "Jun 30, 2021 11:15:00", 60, "Yes", "Sudan"],
        ["No", "Conny Rijken", "Conny", "Rijken", CONNY, "Jun 24, 2021 09:01:12", "approved"]
        + ["--", "--", "--", "Yes", "Netherlands"],
    ]
    return text(rows).encode("utf-8")


def zoom_usage() -> bytes:
    """Zoom usage report with participants (Reports › Usage, "Show unique users" off): the
    meeting's columns repeated on every participant's row, the host's "User Email" first."""
    header = ["Topic", "Meeting ID", "User Name", "User Email", "Department", "Group", "Has Zoom Rooms"]
    header += ["Creation Time", "Start Time", "End Time", "Duration (Minutes)", "Participants"]
    header += ["Name (Original Name)", "User Email", "Join Time", "Leave Time", "Duration (Minutes)", "Guest"]
    header += ["Recording Consent", "In Waiting Room"]
    meeting = ["Partnership", "812 3456 7890", "Secretariat", SECRETARIAT, "", "", "Yes"]
    meeting += [us("08:00:00"), us("09:45:02"), us("12:08:40"), 144, 5]
    people = [
        ["Khartoum Process Secretariat", SECRETARIAT, us("09:45:02"), us("12:08:40"), 144, "No", "", "No"],
        ["Vincent Cochetel", VINCENT, us("10:00:00"), us("11:30:00"), 90, "Yes", "Y", "No"],
        ["Vincent Cochetel (iPhone)", VINCENT, us("10:45:00"), us("12:00:00"), 75, "Yes", "Y", "No"],
        ["Johan Kruger", JOHAN, us("09:55:00"), us("10:00:00"), 5, "Yes", "", "Yes"],
        ["Johan Kruger", JOHAN, us("10:00:00"), us("11:58:20"), 119, "Yes", "Y", "No"],
        ["Call-in User_1", "", us("10:10:00"), us("11:10:00"), 60, "Yes", "", "No"],
    ]
    return utf8_bom([header, *(meeting + person for person in people)])


def teams_list_2020() -> bytes:
    """Teams attendance list of 2020–mid-2021 (the meeting's participants pane › Download
    attendance list): UTF-16, tabs, one row per join or leave, no durations."""
    rows = [
        ["Full Name", "User Action", "Timestamp"],
        ["Khartoum Process Secretariat", "Joined", teams_us("09:45:02")],
        ["Vincent Cochetel", "Joined before", teams_us("09:45:02")],
        ["Awel, Aida", "Joined", teams_us("09:58:12")],
        ["Awel, Aida", "Left", teams_us("10:31:40")],
        ["Awel, Aida", "Joined", teams_us("10:33:05")],
        ["Siham Osman Mohamed", "Joined", teams_us("10:07:30")],
        ["+44 20 7946 0321", "Joined", teams_us("10:10:00")],
        ["Awel, Aida", "Left", teams_us("11:02:10")],
        ["Awel, Aida", "Joined", teams_us("11:04:00")],
        ["+44 20 7946 0321", "Left", teams_us("11:10:00")],
        ["Khartoum Process Brussels Teams Room", "Joined", teams_us("09:50:00")],
        ["Vincent Cochetel", "Left", teams_us("12:00:00")],
        ["Awel, Aida", "Left", teams_us("12:01:30")],
        ["Khartoum Process Secretariat", "Left", teams_us("12:08:40")],
    ]
    return utf16_tabs(rows)


def teams_gb_rows() -> list[list]:
    """Teams attendance report of 2022 on (en-GB): summary, participants, activities; day-first
    dates with 24-hour times."""
    return [
        ["1. Summary"],
        ["Meeting title", "Partnership follow-up"],
        ["Attended participants", "5"],
        ["Start time", gb("09:55:03")],
        ["End time", gb("12:01:40")],
        ["Meeting duration", "2h 6m 37s"],
        ["Average attendance time", "1h 32m 10s"],
        [],
        ["2. Participants"],
        ["Name", "First Join", "Last Leave", "In-Meeting Duration", "Email", "Participant ID (UPN)", "Role"],
        [
            "Khartoum Process Secretariat",
            gb("09:55:03"),
            gb("12:01:40"),
            "2h 6m 37s",
            SECRETARIAT,
            SECRETARIAT,
        ]
        + ["Organizer"],
        ["IT Support", gb("09:56:00"), gb("12:00:00"), "2h 4m", SUPPORT, SUPPORT, "Co-organizer"],
        ["Vincent Cochetel", gb("10:00:00"), gb("11:45:00"), "1h 45m", VINCENT, VINCENT, "Presenter"],
        ["Awel, Aida", gb("09:58:12"), gb("12:01:30"), "2h 0m 3s", AIDA, AIDA, "Attendee"],
        ["Interpreter (Arabic)", gb("09:57:00"), gb("12:01:00"), "2h 4m", "", "", "Attendee"],
        ["+249 912 *** *78", gb("10:05:00"), gb("10:50:00"), "45m", "", "", "Attendee"],
        [],
        ["3. In-Meeting Activities"],
        ["Name", "Join Time", "Leave Time", "Duration", "Email", "Role"],
        ["Awel, Aida", gb("09:58:12"), gb("12:01:30"), "2h 0m 3s", AIDA, "Attendee"],
    ]


def teams_gb_workbook(path: Path) -> None:
    """The same as Teams' .xlsx download: a sheet per section, the summary's start time a real
    date (so the meeting's day is known), the participants' times as Teams writes them."""
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    sheet = None
    for row in teams_gb_rows():
        if len(row) == 1 and row[0][:2] in ("1.", "2.", "3."):
            sheet = workbook.create_sheet(row[0])
            continue
        if row and row[0] == "Start time":
            row = [row[0], datetime(2026, 12, 6, 9, 55, 3)]
        if row:
            sheet.append(row)
    workbook.save(path)


def webex_attendees() -> bytes:
    """Webex Meetings attendee report (Webex site › Reports): UTF-16 tab-delimited, a Role column,
    a call-in user, an interpreter and a room device, times with the site's GMT offset."""
    rows = [
        ["# Sample Webex Meetings attendee report (see README.md)"],
        ["Meeting Name", "Partnership"],
        ["Time zone", "(GMT+01:00) London"],
        [],
        ["Name", "Email", "Role", "Participant type", "Date", "Duration", "Join time", "Leave time"],
        ["Khartoum Process Secretariat", SECRETARIAT, "Host", "Internal", "30/06/2021", "144 mins"]
        + ["30/06/2021 08:45:02", "30/06/2021 11:08:40"],
        ["IT Support", SUPPORT, "Cohost", "Internal", "30/06/2021", "139 mins"]
        + ["30/06/2021 08:46:00", "30/06/2021 11:05:00"],
        ["Vincent Cochetel", VINCENT, "Panelist", "External", "30/06/2021", "120 mins"]
        + ["30/06/2021 09:00:00", "30/06/2021 11:00:00"],
        ["Annalisa Pauciullo", ANNALISA, "Attendee", "External", "30/06/2021", "121 mins"]
        + ["30/06/2021 08:59:00", "30/06/2021 11:00:30"],
        ["Call-in User_2", "", "Attendee", "Telephone", "30/06/2021", "45 mins"]
        + ["30/06/2021 09:10:00", "30/06/2021 09:55:00"],
        ["Interpreter EN-FR", "", "Interpreter", "External", "30/06/2021", "125 mins"]
        + ["30/06/2021 08:56:00", "30/06/2021 11:01:00"],
        ["Board Room Webex Desk", "", "Attendee", "Device", "30/06/2021", "120 mins"]
        + ["30/06/2021 09:00:00", "30/06/2021 11:00:00"],
    ]
    return utf16_tabs(rows)


def webex_site_usage() -> bytes:
    """Webex site's usage report (Site Administration › Reports › Common › Usage report ›
    Export): one row per meeting, no participants; columns as help.webex.com ng1kl5s defines them."""
    rows = [
        ["Session ID:", "Session No.", "Topic:", "Meeting Type", "User Name", "First Name", "Last Name"]
        + ["Date", "Start time", "Duration", "Invited", "Registered", "Attended:"],
        ["123456789", "2745 112 3344", "Partnership", "PRO", SECRETARIAT, "Khartoum", "Secretariat"]
        + ["30/06/2021", "08:45", "144", "12", "8", "7"],
        ["123456790", "2745 112 3345", "Steering Committee", "PRO", SECRETARIAT, "Khartoum", "Secretariat"]
        + ["01/07/2021", "09:00", "90", "10", "0", "9"],
    ]
    return utf16_tabs(rows)


def sign_in_sheet() -> bytes:
    """A hand-made sign-in sheet of an in-person session: clock times only."""
    rows = [
        ["Name", "Email", "Arrival", "Departure"],
        ["Aida Awel", AIDA, "09:05", "12:10"],
        ["Siham Osman Mohamed", SIHAM, "09:20", "11:55"],
        ["Mehari Tekle", MEHARI, "9:40", "12:00"],
    ]
    return text(rows).encode("utf-8")


FILES = {
    "zoom_meeting_participants_full.csv": zoom_meeting,
    "zoom_webinar_attendees_full.csv": zoom_webinar,
    "zoom_usage_report.csv": zoom_usage,
    "teams_attendance_list_2020.csv": teams_list_2020,
    "teams_attendance_report_en_gb.csv": lambda: utf16_tabs(teams_gb_rows()),
    "webex_meeting_attendees.csv": webex_attendees,
    "sign_in_sheet_clock_times.csv": sign_in_sheet,
    "webex_site_usage_report.csv": webex_site_usage,
}


def write_all() -> None:
    for name, make in FILES.items():
        (HERE / name).write_bytes(make())
    teams_gb_workbook(HERE / "teams_attendance_report_en_gb.xlsx")


if __name__ == "__main__":
    write_all()
