"""Participant reports of online platforms: read, recognised, and merged into one entry per person.

Plain functions without the database. A report arrives as bytes and goes through:

1. `read_table`: the file as rows of text cells. XLSX (a ZIP) is read with openpyxl, once
   its central directory shows it unpacks within MAX_REPORT_UNPACKED_BYTES and
   ZIP_MAX_RATIO (see archives.py);
   anything else is text: UTF-8 with or without BOM, UTF-16 (Teams and Webex export
   it, tab separated), else Windows-1252; tab, comma or semicolon separated.
2. `read_report`: finds the participant tables by their header rows, past any
   preamble (Zoom's meeting block, Teams' "1. Summary"), reads every row (a row that
   cannot be read is left out and listed in `Report.left_out`, naming its line; only a
   report of which nothing can be read is refused) and merges the rows of each
   person: someone who left and joined again is one participant with the first
   join, the last leave and the time online without counting overlaps twice.
   Teams' list of "Joined"/"Left" actions is made into sessions first; Zoom's
   waiting-room rows are left out. Each participant gets a kind (KINDS: a host, a
   panellist, an interpreter, a room system, a phone ... from the report's role
   columns, section titles and names, see report_clues) and the country the report gives.
   A table whose columns we do not know raises `UnknownColumns`, carrying the
   table for the organiser to map by hand (`read_mapped`).

Times without a zone are in the zone the report states (Zoom's "(UTC+01:00)", Webex's
GMT offsets, ISO offsets), else in the zone the caller gives (the event's, by default):
the platforms write them in the account's local time. When numeric dates read either way
round, the order of day and month is decided from the file, else the event's date, else
the organiser (`Report.dates_from` says which).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterable, Set
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from ...database import folded
from ...models import AttendanceSource
from .. import archives
from . import report_clues as clues

# Our fields, in the order the mapping form asks for them.
FIELDS = ("name", "email", "join", "leave", "duration")
# Columns read when a report has them: who someone is, where from, and Teams' list of actions.
CLUES = ("role", "country", "waiting", "action", "timestamp")
MAX_ROWS = 200_000
MAX_COLUMNS = 200
MAX_CELL = 1_000
# Nobody stays in one online meeting for two days: a longer row is a broken report.
MAX_SESSION = timedelta(days=2)
NAME_MAX = 200
EMAIL_MAX = 254

NOT_A_REPORT = _l(
    "This file is not a participant report we can read: upload the CSV or XLSX file exported from "
    "Zoom, Microsoft Teams or Webex."
)


class ReportError(ValueError):
    """A report refused; the message says why, and where if a row is at fault."""

    def __init__(self, message):
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


@dataclass
class Table:
    """A file as text: (line number, cells) for each non-blank row."""

    rows: list[tuple[int, list[str]]]


class UnknownColumns(ReportError):
    """A readable table whose columns we do not recognise: the organiser maps them."""

    def __init__(self, header: tuple[int, list[str]], rows: list[tuple[int, list[str]]]):
        super().__init__(_l("The columns of this report were not recognised: choose them below."))
        self.header = header
        self.rows = rows


# --- from bytes to a table ----------------------------------------------------------------


def read_table(data: bytes, filename: str = "") -> Table:
    if not data.strip():
        raise ReportError(_l("The file is empty."))
    suffix = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if data.startswith(b"PK\x03\x04"):
        return Table(_xlsx_rows(data))
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise ReportError(_l("Old Excel files (.xls) cannot be read: save the report as .xlsx or CSV."))
    if suffix in ("xlsx", "xlsm"):
        raise ReportError(_l("This file is named .xlsx but is not an Excel workbook."))
    return Table(_csv_rows(decode(data)))


def decode(data: bytes) -> str:
    """The report's text, whichever of the encodings the platforms use."""
    if data.startswith(codecs.BOM_UTF8):
        encodings = ["utf-8-sig"]
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings = ["utf-16"]
    elif (order := _utf16_without_bom(data[:400])) is not None:
        encodings = [order]
    else:
        encodings = ["utf-8", "cp1252"]  # Excel on Windows saves CSV in the latter
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _CONTROL_RE.search(text):
            break  # binary content that happened to decode
        return text
    raise ReportError(NOT_A_REPORT)


_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _utf16_without_bom(head: bytes) -> str | None:
    """ASCII text in UTF-16 has a NUL in every other byte."""
    if len(head) < 4:
        return None
    odd, even = head[1::2], head[0::2]
    if odd.count(0) > 0.4 * len(odd) and even.count(0) == 0:
        return "utf-16-le"
    if even.count(0) > 0.4 * len(even) and odd.count(0) == 0:
        return "utf-16-be"
    return None


def _csv_rows(text: str) -> list[tuple[int, list[str]]]:
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows = []
    try:
        for cells in reader:
            cells = [cell.strip() for cell in cells[:MAX_COLUMNS]]
            if any(cells):
                rows.append((reader.line_num, cells))
                if len(rows) > MAX_ROWS:
                    raise ReportError(_l("The report has more than %(max)d rows.", max=MAX_ROWS))
    except csv.Error:
        raise ReportError(_l("Line %(line)d of the file is not valid CSV.", line=reader.line_num)) from None
    return rows


def _delimiter(text: str) -> str:
    """Tab for Teams and Webex, comma for Zoom, semicolon for European Excel: the one that
    splits the first lines into a recognised header, else the one that splits them most."""
    head = text[: 64 * 1024].splitlines()[:60]
    best, best_score = ",", -1
    for delimiter in ("\t", ",", ";"):
        rows = list(csv.reader(head, delimiter=delimiter))
        if any(_recognise(row) for row in rows):
            return delimiter
        score = sum(1 for row in rows if len(row) > 1)
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _xlsx_rows(data: bytes) -> list[tuple[int, list[str]]]:
    import openpyxl

    broken = ReportError(_l("This Excel file could not be read: it may be damaged."))
    limits = archives.ZipLimits.from_config("MAX_REPORT_UNPACKED_BYTES")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = {entry.filename for entry in archives.check(archive, limits)}
    except archives.ZipRefused as refusal:
        raise ReportError(refusal.message) from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError):
        raise broken from None
    if "xl/workbook.xml" not in names:
        raise ReportError(NOT_A_REPORT)
    rows: list[tuple[int, list[str]]] = []
    line = 0
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            # Every sheet in turn, each after a line naming it: Teams puts its sections on sheets.
            for sheet in workbook.worksheets:
                line += 1
                rows.append((line, [sheet.title]))
                for values in sheet.iter_rows(values_only=True):
                    line += 1
                    if line > 5 * MAX_ROWS:  # mostly empty rows are still rows to read
                        raise ReportError(_l("The report has more than %(max)d rows.", max=MAX_ROWS))
                    cells = [_cell_text(value) for value in values[:MAX_COLUMNS]]
                    if any(cells):
                        rows.append((line, cells))
                    if len(rows) > MAX_ROWS:
                        raise ReportError(_l("The report has more than %(max)d rows.", max=MAX_ROWS))
        finally:
            workbook.close()
    except ReportError:
        raise
    except Exception:  # openpyxl fails in many ways on a damaged workbook
        raise broken from None
    return rows


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date | time):
        return value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


# --- recognising the columns ---------------------------------------------------------------

# Header names of each platform (casefolded, spaces collapsed), the likeliest first.
ALIASES = {
    "name": (
        "name (original name)",
        "user name (original name)",
        "name",
        "full name",
        "participant name",
        "attendee name",
        "display name",
        "user name",
        "participant",
    ),
    "first_name": ("first name",),
    "last_name": ("last name",),
    "email": ("user email", "email", "email address", "e-mail", "attendee email", "participant email"),
    "upn": ("participant id (upn)",),
    "join": ("join time", "first join", "join", "joined", "time joined", "first join time")
    + ("arrival", "arrival time", "time in", "check-in", "signed in"),
    "leave": ("leave time", "last leave", "leave", "left", "time left", "last leave time")
    + ("departure", "departure time", "time out", "check-out", "signed out"),
    "duration": (
        "duration (minutes)",
        "time in session (minutes)",
        "in-meeting duration",
        "duration",
        "attendance duration",
        "duration (mins)",
        "total duration",
        "minutes",
    ),
    "attended": ("attended",),
    "role": ("role", "participant role", "user role", "attendee role"),
    # Teams' attendance list of 2020–21: one row per join or leave.
    "action": ("user action",),
    "timestamp": ("timestamp", "time stamp"),
    "country": ("country/region name", "country/region", "country", "country name"),
    "waiting": ("in waiting room",),
}
# A header with these is a meeting's summary (Zoom's first block), not a participant list.
SUMMARY_COLUMNS = {"topic", "meeting id", "webinar id"}
# A header with these sums up meetings (Webex's site usage report: "Session ID", "Topic:").
SESSION_COLUMNS = SUMMARY_COLUMNS | {"session id", "session id:", "topic:", "meeting number", "session no."}
# Teams' Participants section already sums each person up; its later In-Meeting
# Activities section lists the same people once per join.
SUMMED_UP = {"first join", "last leave", "in-meeting duration"}


def header_name(cell: str) -> str:
    return " ".join(cell.replace("\ufeff", "").strip().strip('"').casefold().split())


@dataclass(frozen=True)
class Columns:
    """Where our fields are in a report's rows (column indexes), and how its values read."""

    header: tuple[str, ...]
    name: int | None = None
    first_name: int | None = None
    last_name: int | None = None
    email: int | None = None
    upn: int | None = None
    join: int | None = None
    leave: int | None = None
    duration: int | None = None
    attended: int | None = None
    role: int | None = None
    action: int | None = None
    timestamp: int | None = None
    country: int | None = None
    waiting: int | None = None
    host_email: int | None = None  # Zoom's usage report: the meeting host's address on each row
    # Columns whose header says "(UTC)", and a duration given in seconds.
    utc_times: bool = False
    duration_in_seconds: bool = False

    @property
    def summed_up(self) -> bool:
        return bool(SUMMED_UP & {header_name(cell) for cell in self.header})

    def used(self) -> dict[str, str]:
        """{our field: their header} for the fields read."""
        found = {name: getattr(self, name) for name in (*FIELDS, *CLUES)}
        if self.name is None and self.first_name is not None:
            found["name"] = self.first_name
        return {name: self.header[index] for name, index in found.items() if index is not None}


_ZONE_SUFFIX = re.compile(r"\s*\((?:utc|gmt)(?:\s*[+\-−]\s*\d{1,2}(?::?\d{2})?)?\)$")


def _recognise(cells: list[str]) -> Columns | None:
    names = [header_name(cell) for cell in cells]
    # Zoom's usage report repeats the meeting's columns on every participant's row: its second
    # "User Email" and "Duration (Minutes)" are the participant's, its first the host's.
    if SESSION_COLUMNS & set(names) and "name (original name)" not in names:
        return None  # a meeting's summary (Zoom's first block), not a participant list
    usage = bool(SUMMARY_COLUMNS & set(names))
    utc = any(name.endswith("(utc)") for name in names)
    # "Join Time (UTC)", "Join Time (UTC+01:00)", "Start time (GMT+2)": the zone is read apart.
    bare = [_ZONE_SUFFIX.sub("", name) for name in names]
    found = {}
    for our, aliases in ALIASES.items():
        for alias in aliases:
            if alias in bare:
                found[our] = len(bare) - 1 - bare[::-1].index(alias) if usage else bare.index(alias)
                break
    has_name = "name" in found or ("first_name" in found and "last_name" in found)
    has_time = (
        "duration" in found
        or ("join" in found and "leave" in found)
        or ("action" in found and "timestamp" in found)
    )
    if not (has_name and has_time):
        return None
    seconds = "duration" in found and (
        "second" in bare[found["duration"]] or "(sec" in bare[found["duration"]]
    )
    if usage and bare.count("user email") > 1:
        found["host_email"] = bare.index("user email")
    return Columns(header=tuple(cells), utc_times=utc, duration_in_seconds=seconds, **found)


def columns_from_mapping(header: list[str], mapping: dict[str, int | None]) -> Columns:
    """The organiser's choice of columns: a name, and a duration or both times."""
    chosen: dict[str, Any] = {name: index for name, index in mapping.items() if index is not None}
    if any(index < 0 or index >= len(header) for index in chosen.values()):
        raise ReportError(_l("Choose columns of this report."))
    if "name" not in chosen:
        raise ReportError(_l("Choose the column with the participants' names."))
    if "duration" not in chosen and not ("join" in chosen and "leave" in chosen):
        raise ReportError(_l("Choose the duration column, or both the join and the leave time columns."))
    if len(set(chosen.values())) != len(chosen):
        raise ReportError(_l("Each column can be used for one field only."))
    return Columns(header=tuple(header), **chosen)


def detect_source(columns: Columns, preamble: Iterable[str]) -> AttendanceSource:
    names = {header_name(cell) for cell in columns.header}
    if names & {"name (original name)", "user name (original name)", "time in session (minutes)"} or any(
        "zoom" in line.casefold() or line.casefold().startswith("attendee report") for line in preamble
    ):
        return AttendanceSource.ZOOM
    if names & {"first join", "last leave", "in-meeting duration", "participant id (upn)", "user action"}:
        return AttendanceSource.TEAMS
    if {"invited", "registered"} <= names or "webex" in " ".join(preamble).casefold():
        return AttendanceSource.WEBEX
    return AttendanceSource.OTHER


# --- who a participant is ------------------------------------------------------------------------

DELEGATE, HOST, CO_HOST, PANELLIST, INTERPRETER, ROOM, PHONE = KINDS = (
    "delegate",
    "host",
    "co_host",
    "panellist",
    "interpreter",
    "room",
    "phone",
)
KIND_LABELS = {
    DELEGATE: _l("Delegate"),
    HOST: _l("Host"),
    CO_HOST: _l("Co-host"),
    PANELLIST: _l("Panellist"),
    INTERPRETER: _l("Interpreter"),
    ROOM: _l("Room system"),
    PHONE: _l("Phone"),
}


def _kind(role: str, section_kind: str | None, name: str) -> str:
    """What a role column says, else the name (an interpreter among Zoom's panellists is an
    interpreter), else the section's title."""
    return (role and clues.kind_of_role(role)) or clues.kind_of_name(name) or section_kind or DELEGATE


def _strongest(kinds: Iterable[str]) -> str:
    """The kind of a person whose rows say different things: a host who also dialled in is a host."""
    return min(kinds, key=lambda kind: KINDS.index(kind) if kind != DELEGATE else len(KINDS))


# --- reading the rows ------------------------------------------------------------------------


@dataclass
class Row:
    line: int
    name: str
    email: str
    join: datetime | None
    leave: datetime | None
    seconds: int | None
    kind: str = DELEGATE
    country: str = ""


@dataclass
class Participant:
    """One person of a report, their rows merged."""

    name: str
    email: str
    first_join: datetime | None
    last_leave: datetime | None
    seconds: int
    # The time online as intervals without overlaps; None when a row had no join or leave.
    spans: list[tuple[datetime, datetime]] | None
    rows: int
    kind: str = DELEGATE
    country: str = ""  # ISO 3166 alpha-2, as the report gives it; "" if it does not

    @property
    def minutes(self) -> int:
        return minutes_of(self.seconds)


# Where the zone of the report's times comes from, and the order of day and month in its dates.
ZONE_FROM_FILE, ZONE_GIVEN, ZONE_OF_EVENT = "file", "given", "event"
DAY_FIRST, MONTH_FIRST = "day_first", "month_first"
DATES_FROM_FILE, DATES_FROM_SUMMARY, DATES_FROM_EVENT, DATES_FROM_LOCALE = (
    "file",
    "summary",
    "event",
    "locale",
)
DATES_CHOSEN, DATES_ASKED, DATES_CLOCK = "chosen", "ask", "clock"


@dataclass
class Report:
    source: AttendanceSource
    columns: dict[str, str]
    participants: list[Participant]
    rows: int
    # Rows left out: without a name, or of registrants Zoom lists as not attending.
    skipped: int = 0
    # Rows that could not be read, each with why (its line is in the message); the rest is read.
    left_out: list[tuple[int, str]] = field(default_factory=list)
    # Rows of people in Zoom's waiting room: not in the meeting, so no minutes.
    waiting_room: int = 0
    zone: str = ""
    zone_from: str = ZONE_GIVEN
    # DAY_FIRST or MONTH_FIRST when the dates could be read either way, else "".
    dates: str = ""
    dates_from: str = ""


@dataclass
class _Section:
    line: int
    columns: Columns
    rows: list[tuple[int, list[str]]] = field(default_factory=list)
    kind: str | None = None  # what its title says of everyone in it ("Panelist Details")
    # The host's address as the report's summary gives it (Zoom's meeting block: "User Email").
    hosts: frozenset[str] = frozenset()


def minutes_of(seconds: int) -> int:
    return (seconds + 30) // 60


def read_report(
    table: Table,
    zone: tzinfo,
    *,
    zone_given: bool = True,
    day: date | None = None,
    day_first: bool | None = None,
) -> Report:
    """The participants of a report whose columns we recognise.

    `zone`: the zone of times written without one; unless `zone_given`, it is the event's and
    gives way to the zone the report states. `day`: the event's date, to decide the order of
    day and month when the dates allow both and to date clock times; `day_first` the
    organiser's choice of that order.
    """
    sections, preamble = _sections(table.rows)
    if not sections:
        raise unknown_columns(table.rows)
    summed = [section for section in sections if section.columns.summed_up]
    chosen = summed[:1] or sections
    source = detect_source(chosen[0].columns, preamble)
    reading = _Reading(zone, zone_given, day, day_first, preamble)
    return _report(chosen, reading, source)


def read_mapped(
    header: tuple[int, list[str]],
    rows,
    mapping: dict[str, int | None],
    zone: tzinfo,
    *,
    zone_given: bool = True,
    day: date | None = None,
    day_first: bool | None = None,
) -> Report:
    """The participants of a report whose columns the organiser chose."""
    columns = columns_from_mapping(header[1], mapping)
    section = _Section(header[0], columns, [(line, cells) for line, cells in rows])
    return _report([section], _Reading(zone, zone_given, day, day_first, []), AttendanceSource.OTHER)


@dataclass
class _Reading:
    """How to read a report's times: the caller's zone, and what helps decide its dates."""

    zone: tzinfo
    zone_given: bool
    day: date | None
    day_first: bool | None
    preamble: list[str]


def _sections(rows: list[tuple[int, list[str]]]) -> tuple[list[_Section], list[str]]:
    """Each recognised header with the rows under it, up to a title line; and the lines before."""
    sections: list[_Section] = []
    preamble: list[str] = []
    current: _Section | None = None
    title = ""
    for line, cells in rows:
        columns = _recognise(cells) if current is None or _names_a_column(current.columns, cells) else None
        if columns is not None:
            current = _Section(line, columns, kind=clues.kind_of_section(title), hosts=_hosts_in(preamble))
            sections.append(current)
            continue
        filled = [cell for cell in cells if cell]
        if len(filled) == 1 and cells[0]:
            current = None  # "Panelist Details", "3. In-Meeting Activities": a new section
            title = filled[0]
        if current is None:
            if not sections:
                preamble.append(" ".join(filled))
            continue
        current.rows.append((line, cells))
    return sections, preamble


_EMAIL_RE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


def _hosts_in(preamble: list[str]) -> frozenset[str]:
    return frozenset(email.lower() for line in preamble for email in _EMAIL_RE.findall(line))


def _names_a_column(columns: Columns, cells: list[str]) -> bool:
    """Whether a row inside a section may be another header (a title line usually comes
    first): its cell under the name column is a name of a column. Cheaper than reading it."""
    index = columns.name if columns.name is not None else columns.first_name
    assert index is not None  # a report's columns name people, whole or by first name
    return index < len(cells) and header_name(cells[index]) in _HEADER_NAMES


_HEADER_NAMES = {alias for aliases in ALIASES.values() for alias in aliases}


def unknown_columns(rows: list[tuple[int, list[str]]]) -> ReportError:
    """Columns for the organiser to map; or a refusal if there is nothing like a table."""
    summary_line = None
    for position, (line, cells) in enumerate(rows[:50]):
        if len([cell for cell in cells if cell]) < 2 or line == summary_line:
            continue
        rest = rows[position + 1 :]
        if not rest:
            return ReportError(_l("The report has a header but no participants."))
        names = {header_name(cell) for cell in cells}
        if names & SESSION_COLUMNS:
            # A meeting's summary: the participants may follow its line of values...
            summary_line = rest[0][0]
            numbers = [line, *(other for other, _ in rest)]
            if all(later == earlier + 1 for earlier, later in zip(numbers, numbers[1:], strict=False)):
                # ...but here every row follows as a meeting (Webex's and Zoom's usage summaries).
                return ReportError(
                    _l(
                        "This file sums up meetings, one row per meeting, and lists no participants: "
                        "export the meeting's participant or attendee report instead."
                    )
                )
            continue
        if names & set(ALIASES["name"]) and not names & {
            alias for our in ("join", "leave", "duration", "timestamp") for alias in ALIASES[our]
        }:
            return ReportError(
                _l(
                    "The report has no join and leave times and no duration: export the report with "
                    "those columns."
                )
            )
        return UnknownColumns((line, cells), rest)
    return ReportError(NOT_A_REPORT)


def _report(sections: list[_Section], reading: _Reading, source: AttendanceSource) -> Report:
    left_out: list[tuple[int, str]] = []
    skipped = waiting = 0
    pending = []
    for section in sections:
        for line, cells in section.rows:
            try:
                raw = _raw_row(line, cells, section)
            except ReportError as error:
                left_out.append((line, str(error)))
                continue
            if raw is None:
                skipped += 1
            elif raw["waiting"]:
                waiting += 1
            else:
                pending.append((raw, section.columns))
    if not pending:
        raise _nothing_read(left_out)
    zone, zone_from = _zone(sections, reading)
    times = _TimeReader(zone, reading.day)
    keys = ("timestamp",) if sections[0].columns.action is not None else ("join", "leave")
    times.learn(
        [(raw["line"], raw[key]) for raw, _ in pending for key in keys],
        summary_days(reading.preamble),
        reading.day_first,
    )
    rows: list[Row] = []
    actions: list[tuple[dict, datetime]] = []
    for raw, columns in pending:
        try:
            if columns.action is not None:
                actions.append((raw, _action_time(raw, columns, times)))
            else:
                rows.append(_row(raw, columns, times))
        except ReportError as error:
            left_out.append((raw["line"], str(error)))
    rows.extend(sessions_of_actions(actions))
    if not rows:
        raise _nothing_read(left_out)
    left_out.sort()
    return Report(
        source=source,
        columns=sections[0].columns.used(),
        participants=merge(rows),
        rows=len(rows),
        skipped=skipped,
        left_out=left_out,
        waiting_room=waiting,
        zone=clues.name_of_zone(zone)
        if zone_from != ZONE_FROM_FILE or times.offset is None
        else times.offset,
        zone_from=ZONE_FROM_FILE if times.offset is not None else zone_from,
        dates=times.order,
        dates_from=times.order_from,
    )


def _nothing_read(left_out: list[tuple[int, str]]) -> ReportError:
    if left_out:
        return ReportError(left_out[0][1])
    return ReportError(_l("The report has a header but no participants."))


def _zone(sections: list[_Section], reading: _Reading) -> tuple[tzinfo, str]:
    """The zone of the report's times without one: the organiser's, else the report's own, else
    the event's."""
    if reading.zone_given:
        return reading.zone, ZONE_GIVEN
    stated = clues.zone_stated([*reading.preamble, *(" ".join(s.columns.header) for s in sections)])
    if stated is not None:
        return clues.zone_named(stated), ZONE_FROM_FILE
    return reading.zone, ZONE_OF_EVENT


def _cell(cells: list[str], index: int | None, line: int, header: tuple[str, ...]) -> str:
    """A cell's text. A name that looks like a formula ("+249…", "=…") is text here: formulas are
    neutralised where they could run, in the exports."""
    if index is None:
        return ""
    if index >= len(cells):
        raise ReportError(
            _l(
                "Line %(line)d has %(count)d fields where the header has %(expected)d.",
                line=line,
                count=len(cells),
                expected=len(header),
            )
        )
    value = cells[index]
    if len(value) > MAX_CELL:
        raise ReportError(
            _l("Line %(line)d has a value longer than %(max)d characters.", line=line, max=MAX_CELL)
        )
    return "" if value in ("--", "-") else value


def _raw_row(line: int, cells: list[str], section: _Section) -> dict | None:
    columns = section.columns
    extra = [cell for cell in cells[len(columns.header) :] if cell]
    if extra:
        raise ReportError(
            _l(
                "Line %(line)d has %(count)d fields where the header has %(expected)d.",
                line=line,
                count=len(cells),
                expected=len(columns.header),
            )
        )
    get = lambda index: _cell(cells, index, line, columns.header)  # noqa: E731
    if columns.attended is not None and get(columns.attended).casefold() in ("no", "false", "0"):
        return None  # Zoom lists registrants who never came
    name = get(columns.name) if columns.name is not None else ""
    if not name:
        name = " ".join(part for part in (get(columns.first_name), get(columns.last_name)) if part)
    email = _email(get(columns.email)) or _email(get(columns.upn))
    if not name:
        name = email
    if not name:
        return None
    name = " ".join(name.split())[:NAME_MAX]
    # The columns most reports lack are not looked for: tens of thousands of rows.
    optional = lambda index: "" if index is None else get(index)  # noqa: E731
    kind = _kind(optional(columns.role), section.kind, name)
    if kind == DELEGATE and email and email in (section.hosts or {_email(optional(columns.host_email))}):
        kind = HOST
    return {
        "line": line,
        "name": clues.phone_display(name) if kind == PHONE else name,
        "email": email,
        "join": get(columns.join),
        "leave": get(columns.leave),
        "duration": get(columns.duration),
        "action": optional(columns.action),
        "timestamp": optional(columns.timestamp),
        "kind": kind,
        "country": clues.country_code(optional(columns.country)),
        "waiting": optional(columns.waiting).casefold() in ("yes", "y", "true", "1"),
    }


def _email(value: str) -> str:
    value = value.strip().lower()
    if "@" in value and " " not in value and len(value) <= EMAIL_MAX and not value.startswith("@"):
        return value
    return ""


def _row(raw: dict, columns: Columns, times: _TimeReader) -> Row:
    line = raw["line"]
    join = times.read(raw["join"], line, columns)
    leave = times.read(raw["leave"], line, columns)
    seconds = None
    if raw["duration"]:
        seconds = parse_duration(raw["duration"], in_seconds=columns.duration_in_seconds)
        if seconds is None:
            raise ReportError(
                _l(
                    "Line %(line)d: “%(value)s” is not a duration.",
                    line=line,
                    value=raw["duration"][:40],
                )
            )
    if join and leave:
        if leave < join:
            raise ReportError(_l("Line %(line)d: the leave time is before the join time.", line=line))
        if leave - join > MAX_SESSION:
            raise ReportError(
                _l("Line %(line)d: a stay of more than two days is not possible in one meeting.", line=line)
            )
    if seconds is not None and seconds > MAX_SESSION.total_seconds():
        raise ReportError(
            _l(
                "Line %(line)d: a duration of %(value)s is not possible in one meeting.",
                line=line,
                value=raw["duration"][:40],
            )
        )
    if seconds is None and not (join and leave):
        raise ReportError(_l("Line %(line)d has neither both times nor a duration.", line=line))
    return Row(line, raw["name"], raw["email"], join, leave, seconds, raw["kind"], raw["country"])


# --- Teams' attendance list of 2020–21: sessions from "Joined" and "Left" ---------------------------

_JOINED = ("joined", "joined before", "join")
_LEFT = ("left", "leave", "left meeting")


def _action_time(raw: dict, columns: Columns, times: _TimeReader) -> datetime:
    action = " ".join(raw["action"].casefold().split())
    if action not in _JOINED and action not in _LEFT:
        raise ReportError(
            _l(
                "Line %(line)d: “%(value)s” is neither “Joined” nor “Left”.",
                line=raw["line"],
                value=raw["action"][:40],
            )
        )
    moment = times.read(raw["timestamp"], raw["line"], columns)
    if moment is None:
        raise _not_a_time(raw["line"], raw["timestamp"])
    return moment


def sessions_of_actions(actions: list[tuple[dict, datetime]]) -> list[Row]:
    """Each join paired with the next leave of the same person; a join never left lasts until
    the list's last timestamp, a leave never joined counts from its first (the person was
    there before the list began)."""
    if not actions:
        return []
    first = min(moment for _, moment in actions)
    last = max(moment for _, moment in actions)
    people: dict[str, list[tuple[dict, datetime]]] = {}
    for raw, moment in actions:
        people.setdefault(raw["email"] or name_key(raw["name"]), []).append((raw, moment))
    rows = []
    for entries in people.values():
        entries.sort(key=lambda item: (item[1], item[0]["line"]))
        open_joins: list[tuple[dict, datetime]] = []
        for raw, moment in entries:
            if " ".join(raw["action"].casefold().split()) in _JOINED:
                open_joins.append((raw, moment))
            else:
                start_raw, start = open_joins.pop(0) if open_joins else (raw, first)
                rows.append(_session(start_raw, start, moment))
        rows.extend(_session(raw, start, last) for raw, start in open_joins)
    return rows


def _session(raw: dict, join: datetime, leave: datetime) -> Row:
    return Row(raw["line"], raw["name"], raw["email"], join, leave, None, raw["kind"], raw["country"])


# --- times and durations -----------------------------------------------------------------------

_DATES = (
    "%m/%d/%Y",
    "%m/%d/%y",
    "%d/%m/%Y",
    "%d/%m/%y",
    "%d.%m.%Y",
    "%d.%m.%y",
    "%Y/%m/%d",
    "%d-%m-%Y",
    "%b %d, %Y",
    "%B %d, %Y",
    "%d %b %Y",
    "%d %B %Y",
)
_TIMES = ("%I:%M:%S %p", "%I:%M %p", "%H:%M:%S", "%H:%M")
FORMATS = tuple(d + joiner + t for d in _DATES for joiner in (" ", ", ") for t in _TIMES)
# A hand-made sign-in sheet's clock times ("09:05"), on the event's day.
CLOCKS = tuple("clock " + t for t in _TIMES)
ISO = "iso"


def _order(fmt: str) -> str:
    if fmt.startswith("%m/"):
        return MONTH_FIRST
    if fmt.startswith("%d/"):
        return DAY_FIRST
    return ""


class _TimeReader:
    """Reads the report's timestamps with one format for the whole file: the one that reads
    the most of its values (a value it cannot read leaves its row out). When day and month
    could be either way round, the order is decided from the file (a value above 12, the
    meeting's date in its summary), else from the event's date, else from the locale the times
    are written in (24-hour times: a day-first locale), else the organiser is asked."""

    SAMPLE = 50

    def __init__(self, zone: tzinfo, day: date | None = None):
        self.zone = zone
        self.day = day
        self.parsed: dict[str, datetime] = {}
        self.order = ""
        self.order_from = ""
        self.offset: str | None = None  # the report's own zone, when its times carry one

    def learn(self, values: list[tuple[int, str]], summary: Set[date] = frozenset(), day_first=None) -> None:
        distinct = list(dict.fromkeys(value.strip() for _, value in values if value))
        if not distinct:
            return
        formats = (ISO, *FORMATS, *(CLOCKS if self.day else ()))
        sample = distinct[: self.SAMPLE]
        candidates = [fmt for fmt in formats if any(self._parse(value, fmt) for value in sample)]
        results: dict[str, dict[str, datetime]] = {}
        for fmt in candidates:
            parsed = {}
            for value in distinct:
                if (moment := self._parse(value, fmt)) is not None:
                    parsed[value] = moment
            results[fmt] = parsed
        if not results:
            return  # every time unreadable: every row is left out, saying so
        best = max(len(parsed) for parsed in results.values())
        winners = [fmt for fmt in candidates if len(results[fmt]) == best]
        fmt = self._decide(winners, results, summary, day_first)
        self.parsed = results[fmt]
        if fmt.startswith("clock"):
            self.order_from = DATES_CLOCK
        first = next(iter(self.parsed.values()))
        if first.tzinfo is not None:
            self.offset = clues.name_of_zone(first.tzinfo)

    def _decide(self, winners: list[str], results, summary: Set[date], day_first: bool | None) -> str:
        by_order: dict[str, str] = {}
        for fmt in winners:
            by_order.setdefault(_order(fmt), fmt)
        if day_first is not None:
            wanted = DAY_FIRST if day_first else MONTH_FIRST
            readable = [fmt for fmt in results if _order(fmt) == wanted]
            if readable:
                self.order, self.order_from = wanted, DATES_CHOSEN
                return max(readable, key=lambda fmt: len(results[fmt]))
        if not (DAY_FIRST in by_order and MONTH_FIRST in by_order):
            fmt = winners[0]
            self.order = _order(fmt)
            self.order_from = DATES_FROM_FILE if self.order else ""
            return fmt
        days = {order: {moment.date() for moment in results[fmt].values()} for order, fmt in by_order.items()}
        for evidence, source in ((summary, DATES_FROM_SUMMARY), (_around(self.day), DATES_FROM_EVENT)):
            fitting = [order for order in (DAY_FIRST, MONTH_FIRST) if days[order] & evidence]
            if len(fitting) == 1:
                self.order, self.order_from = fitting[0], source
                return by_order[fitting[0]]
        if "%H" in by_order[DAY_FIRST]:
            # 24-hour times with numeric dates: the way of day-first locales (en-GB, fr, de);
            # en-US writes AM and PM.
            self.order, self.order_from = DAY_FIRST, DATES_FROM_LOCALE
            return by_order[DAY_FIRST]
        self.order, self.order_from = MONTH_FIRST, DATES_ASKED
        return by_order[MONTH_FIRST]

    def _parse(self, value: str, fmt: str) -> datetime | None:
        if fmt.startswith("clock "):
            moment = _parse(value, fmt[6:])
            assert self.day is not None  # the clock formats are tried only with the event's day
            return moment and datetime.combine(self.day, moment.time())
        return _parse(value, fmt)

    def read(self, value: str, line: int, columns: Columns) -> datetime | None:
        if not value:
            return None
        moment = self.parsed.get(value.strip())
        if moment is None:
            raise _not_a_time(line, value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=_UTC if columns.utc_times else self.zone)
        if not 2000 <= moment.year <= 2100:
            raise _not_a_time(line, value)
        return moment


def _around(day: date | None) -> set[date]:
    return {day + timedelta(days=shift) for shift in (-1, 0, 1)} if day else set()


_SUMMARY_DATE = re.compile(
    r"\b(?:(?P<iso>\d{4}-\d{2}-\d{2})"
    r"|(?P<a>\d{1,2})(?P<sep>[/.])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})"
    r"|(?P<mon>[A-Za-z]{3,9})\.? (?P<md>\d{1,2}),? (?P<my>\d{4})"
    r"|(?P<dm>\d{1,2}) (?P<mon2>[A-Za-z]{3,9}) (?P<my2>\d{4}))\b"
)


def summary_days(lines: list[str]) -> set[date]:
    """The dates a report's summary block gives unambiguously: in ISO form, with the month's
    name, or with a day above 12 (or dots, which only day-first locales use)."""
    days = set()
    for line in lines:
        for match in _SUMMARY_DATE.finditer(line):
            try:
                day = _summary_day(match)
            except (ValueError, KeyError, TypeError):
                continue
            if day is not None:
                days.add(day)
    return days


def _summary_day(match: re.Match) -> date | None:
    found = match.groupdict()
    if found["iso"]:
        return date.fromisoformat(found["iso"])
    if found["mon"] or found["mon2"]:
        month = _MONTHS[(found["mon"] or found["mon2"])[:3].casefold()]
        return date(int(found["my"] or found["my2"]), month, int(found["md"] or found["dm"]))
    a, b = int(found["a"]), int(found["b"])
    year = int(found["y"]) if len(found["y"]) == 4 else 2000 + int(found["y"])
    if found["sep"] == "." or a > 12:
        return date(year, b, a)
    if b > 12:
        return date(year, a, b)
    return None


_UTC = ZoneInfo("UTC")
_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
    )
}
# What the platforms write and strptime does not read: "a.m."/"p.m." (some languages' Teams and
# Zoom exports), and a month's name shortened otherwise than Python's "Sep" ("Sept" in en-GB).
_MERIDIEM = re.compile(r"\b([ap])\.?m\.?$", re.IGNORECASE)
_MONTH_NAME = re.compile(r"[^\W\d_]{3,9}")


def _parse(value: str, fmt: str) -> datetime | None:
    value = value.strip()
    if fmt == ISO:
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    if "%p" in fmt:
        value = _MERIDIEM.sub(r"\1M", value)
    if "%b" in fmt or "%B" in fmt:
        value = _MONTH_NAME.sub(_month_abbreviation, value, count=1)
        fmt = fmt.replace("%B", "%b")
    try:
        moment = datetime.strptime(value, fmt)
    except ValueError:
        return None
    # strptime puts "69" to "99" in the 1900s; a report's two-digit year is this century's.
    return moment.replace(year=2000 + moment.year % 100) if "%y" in fmt else moment


def _month_abbreviation(name: re.Match) -> str:
    start = name[0][:3].casefold()
    return start if start in _MONTHS else name[0]


def _not_a_time(line: int, value: str) -> ReportError:
    return ReportError(
        _l("Line %(line)d: “%(value)s” is not a date and time we can read.", line=line, value=value[:40])
    )


_NUMBER_RE = re.compile(r"\d+(?:[.,]\d+)?")
_CLOCK_RE = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{2})")
_UNITS = {"h": 3600, "hr": 3600, "hrs": 3600, "hour": 3600, "hours": 3600}
_UNITS.update({"m": 60, "min": 60, "mins": 60, "minute": 60, "minutes": 60})
_UNITS.update({"s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1})
_PART = r"(\d+(?:[.,]\d+)?)\s*(hours|hour|hrs|hr|h|minutes|minute|mins|min|m|seconds|second|secs|sec|s)"
_PARTS_RE = re.compile(rf"(?:\s*{_PART}\s*)+")
_PART_RE = re.compile(_PART)


def parse_duration(text: str, in_seconds: bool = False) -> int | None:
    """Seconds from "65", "65.5", "1h 5m 3s", "65 mins", "1:05:03" or "47:03"; None if unreadable.

    A bare number is minutes, as in every platform's CSV (seconds if the header says so).
    """
    value = text.strip().casefold()
    if _NUMBER_RE.fullmatch(value):
        number = float(value.replace(",", "."))
        return round(number if in_seconds else number * 60)
    if match := _CLOCK_RE.fullmatch(value):
        hours, minutes, seconds = (int(part) if part else 0 for part in match.groups())
        if match.group(1) is None:  # "47:03" is minutes and seconds
            hours, minutes, seconds = 0, hours + minutes, seconds
        return hours * 3600 + minutes * 60 + seconds
    if _PARTS_RE.fullmatch(value):
        return round(sum(float(n.replace(",", ".")) * _UNITS[unit] for n, unit in _PART_RE.findall(value)))
    return None


# --- one entry per person ------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """A name for comparing: case, accents, punctuation and word order ignored
    ("Awel, Aida" and "Aida Awel" are the same)."""
    return " ".join(sorted(re.findall(r"[^\W_]+", folded(name))))


def name_keys(name: str) -> list[str]:
    """The name as given, then without what is in parentheses, then what is: Zoom writes
    "Display name (Original name)", and people add their organisation."""
    inside = re.findall(r"\(([^()]*)\)", name)
    outside = re.sub(r"\([^()]*\)", " ", name)
    keys = [name_key(name), name_key(outside), *(name_key(part) for part in inside)]
    return list(dict.fromkeys(key for key in keys if key))


def merge(rows: list[Row]) -> list[Participant]:
    """The rows of each person as one participant: by email, else by name; rows without an
    email join the person of the same name when there is exactly one."""
    by_email: dict[str, list[Row]] = {}
    by_name: dict[str, list[Row]] = {}
    for row in rows:
        if row.email:
            by_email.setdefault(row.email, []).append(row)
        else:
            by_name.setdefault(name_key(row.name) or row.name, []).append(row)
    names_of_emails: dict[str, list[str]] = {}
    for email, group in by_email.items():
        for key in {name_key(row.name) for row in group}:
            names_of_emails.setdefault(key, []).append(email)
    groups = list(by_email.values())
    for key, group in by_name.items():
        owners = names_of_emails.get(key, [])
        if len(owners) == 1:
            by_email[owners[0]].extend(group)
        else:
            groups.append(group)
    return [_participant(group) for group in groups]


def _participant(rows: list[Row]) -> Participant:
    rows.sort(key=lambda row: (row.join is None, row.join or datetime.min, row.line))
    named = next((row for row in rows if row.email), rows[0])
    joins = [row.join for row in rows if row.join]
    leaves = [row.leave for row in rows if row.leave]
    with_times = all(row.join and row.leave for row in rows) and not any(map(_summed_up, rows))
    spans = union([(row.join, row.leave) for row in rows if row.join and row.leave]) if with_times else None
    if len(rows) > 1 and spans is not None:
        # Several connections: their union, so that two devices at once count once.
        seconds = sum(int((end - start).total_seconds()) for start, end in spans)
    else:
        # The platform's own figure where it gives one: Teams leaves out the gaps of a summed-up row.
        seconds = sum(_row_seconds(row) for row in rows)
    return Participant(
        name=named.name,
        email=next((row.email for row in rows if row.email), ""),
        first_join=min(joins) if joins else None,
        last_leave=max(leaves) if leaves else None,
        seconds=seconds,
        spans=spans,
        rows=len(rows),
        kind=_strongest(row.kind for row in rows),
        country=next((row.country for row in rows if row.country), ""),
    )


def _summed_up(row: Row) -> bool:
    """A row whose own figure is shorter than from its join to its leave (Teams sums up a
    person's connections so): not one connection, so its interval would overstate the time."""
    if row.seconds is None or not (row.join and row.leave):
        return False
    return row.seconds < (row.leave - row.join).total_seconds() - 60


def _row_seconds(row: Row) -> int:
    if row.seconds is not None:
        return row.seconds
    if row.join and row.leave:
        return int((row.leave - row.join).total_seconds())
    return 0


# An instant: a datetime, or (as imports keep them in JSON) seconds since the epoch.
Instant = TypeVar("Instant", datetime, int)


def union(spans: Iterable[tuple[Instant, Instant]]) -> list[tuple[Instant, Instant]]:
    """Overlapping or touching intervals merged into one."""
    merged: list[tuple[Instant, Instant]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
