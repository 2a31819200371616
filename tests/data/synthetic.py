"""Participant reports made up for the tests and the benchmark.

`zoom_report` writes a Zoom meeting participant report of any size in the layout of
zoom_meeting_participants.csv; `teams_workbook` builds teams_attendance_report.xlsx
(run this file to write it again).
"""

from __future__ import annotations

import codecs
import csv
import io
from datetime import datetime, timedelta
from pathlib import Path

HEADER = [
    "Name (Original Name)",
    "User Email",
    "Join Time",
    "Leave Time",
    "Duration (Minutes)",
    "Guest",
    "Recording Consent",
    "In Waiting Room",
]
SLOT = timedelta(minutes=15)


def person(number: int) -> tuple[str, str]:
    return f"Delegate {number:05d}", f"delegate{number:05d}@example.org"


def zoom_report(people: int, rows: int, start: datetime) -> bytes:
    """`rows` rows shared by `people` people, each joining again every 15 minutes and staying
    12 to 16 minutes (so some connections overlap the next). `start` is local, naive."""
    out = io.StringIO()
    out.write("Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants\r\n")
    out.write(
        f"812 3456 7890,Partnership,{start:%m/%d/%Y %I:%M:%S %p},,secretariat@example.org,,{people}\r\n\r\n"
    )
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in range(rows):
        number, turn = row % people, row // people
        name, email = person(number)
        join = start + turn * SLOT + timedelta(seconds=number % 60)
        leave = join + timedelta(minutes=12 + number % 5)
        minutes = -(-int((leave - join).total_seconds()) // 60)
        writer.writerow(
            [
                name,
                email,
                f"{join:%m/%d/%Y %I:%M:%S %p}",
                f"{leave:%m/%d/%Y %I:%M:%S %p}",
                minutes,
                "Yes",
                "Y",
                "No",
            ]
        )
    return codecs.BOM_UTF8 + out.getvalue().encode("utf-8")


def zoom_minutes(number: int, turns: int) -> int:
    """What `zoom_report` gives person `number` in all, with `turns` connections: 15-minute
    slots, the last stay whole."""
    stay = 12 + number % 5
    seconds = sum(min(stay * 60, SLOT.seconds) for _ in range(turns - 1)) + stay * 60
    return (seconds + 30) // 60


def teams_workbook(path: Path) -> None:
    """teams_attendance_report.csv as Teams' .xlsx download: one sheet per section, real dates."""
    import openpyxl

    secretariat = "secretariat@khartoumprocess.example.org"
    day = datetime(2021, 6, 30)

    def at(clock: str) -> datetime:
        hours, minutes, seconds = (int(part) for part in clock.split(":"))
        return day.replace(hour=hours, minute=minutes, second=seconds)

    workbook = openpyxl.Workbook()
    summary = workbook.active
    summary.title = "1. Summary"
    summary.append(
        [
            "# Sample Microsoft Teams attendance report, the .xlsx download: the sections of "
            "teams_attendance_report.csv on sheets, times as Excel dates (see README.md)."
        ]
    )
    for row in (
        ["Meeting title", "Trafficking in Human Beings: The 4Ps Revisited – Partnership"],
        ["Attended participants", 3],
        ["Start time", at("09:45:02")],
        ["End time", at("12:08:40")],
        ["Meeting duration", "2h 23m 38s"],
    ):
        summary.append(row)
    participants = workbook.create_sheet("2. Participants")
    participants.append(
        ["Name", "First Join", "Last Leave", "In-Meeting Duration", "Email", "Participant ID (UPN)", "Role"]
    )
    participants.append(
        [
            "Khartoum Process Secretariat",
            at("09:45:02"),
            at("12:08:40"),
            "2h 23m 38s",
            secretariat,
            secretariat,
            "Organizer",
        ]
    )
    aida = "aida.awel@ilo.example.org"
    participants.append(["Awel, Aida", at("09:58:12"), at("12:01:30"), "2h 0m 3s", aida, aida, "Attendee"])
    conny = "conny.rijken@tilburg.example.org"
    participants.append(["Conny Rijken", at("10:20:00"), at("10:25:30"), "5m 30s", conny, conny, "Attendee"])
    activities = workbook.create_sheet("3. In-Meeting Activities")
    activities.append(["Name", "Join Time", "Leave Time", "Duration", "Email", "Role"])
    for join, leave, duration in (
        ("09:58:12", "10:31:40", "33m 28s"),
        ("10:33:05", "11:02:10", "29m 5s"),
        ("11:04:00", "12:01:30", "57m 30s"),
    ):
        activities.append(["Awel, Aida", at(join), at(leave), duration, aida, "Attendee"])
    for sheet in workbook.worksheets:
        for column in ("B", "C"):
            for cell in sheet[column]:
                if isinstance(cell.value, datetime):
                    cell.number_format = "m/d/yy h:mm:ss AM/PM"
    workbook.save(path)


if __name__ == "__main__":
    teams_workbook(Path(__file__).with_name("teams_attendance_report.xlsx"))
