"""Participant reports of online platforms: read, recognised, and merged into one entry per person.

Plain functions without the database. A report arrives as bytes and goes through:

1. `read_table`: the file as rows of text cells. XLSX (a ZIP) is read with openpyxl, once
   its central directory shows it unpacks within MAX_REPORT_UNPACKED_BYTES and
   ZIP_MAX_RATIO (see archives.py);
   anything else is text: UTF-8 with or without BOM, UTF-16 (Teams and Webex export
   it, tab separated), else Windows-1252; tab, comma or semicolon separated.
2. `read_report`: finds the participant tables by their header rows, past any
   preamble (Zoom's meeting block, Teams' "1. Summary"), reads every row strictly
   (one bad cell refuses the file, naming its line) and merges the rows of each
   person: someone who left and joined again is one participant with the first
   join, the last leave and the time online without counting overlaps twice.
   A table whose columns we do not know raises `UnknownColumns`, carrying the
   table for the organiser to map by hand (`read_mapped`).

Times without a zone are in the zone the caller gives (the event's, by default):
the platforms write them in the account's local time.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l

from ...models import AttendanceSource
from .. import archives

# Our fields, in the order the mapping form asks for them.
FIELDS = ("name", "email", "join", "leave", "duration")
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
    "join": ("join time", "first join", "join", "joined", "time joined", "first join time"),
    "leave": ("leave time", "last leave", "leave", "left", "time left", "last leave time"),
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
}
# A header with these is a meeting's summary (Zoom's first block), not a participant list.
SUMMARY_COLUMNS = {"topic", "meeting id", "webinar id"}
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
    # Columns whose header says "(UTC)", and a duration given in seconds.
    utc_times: bool = False
    duration_in_seconds: bool = False

    @property
    def summed_up(self) -> bool:
        return bool(SUMMED_UP & {header_name(cell) for cell in self.header})

    def used(self) -> dict[str, str]:
        """{our field: their header} for the fields read."""
        found = {name: getattr(self, name) for name in FIELDS}
        if self.name is None and self.first_name is not None:
            found["name"] = self.first_name
        return {name: self.header[index] for name, index in found.items() if index is not None}


def _recognise(cells: list[str]) -> Columns | None:
    names = [header_name(cell) for cell in cells]
    if SUMMARY_COLUMNS & set(names):
        return None
    utc = any(name.endswith("(utc)") for name in names)
    bare = [re.sub(r"\s*\(utc\)$", "", name) for name in names]
    found = {}
    for our, aliases in ALIASES.items():
        for alias in aliases:
            if alias in bare:
                found[our] = bare.index(alias)
                break
    has_name = "name" in found or ("first_name" in found and "last_name" in found)
    has_time = "duration" in found or ("join" in found and "leave" in found)
    if not (has_name and has_time):
        return None
    seconds = "duration" in found and (
        "second" in bare[found["duration"]] or "(sec" in bare[found["duration"]]
    )
    return Columns(header=tuple(cells), utc_times=utc, duration_in_seconds=seconds, **found)


def columns_from_mapping(header: list[str], mapping: dict[str, int | None]) -> Columns:
    """The organiser's choice of columns: a name, and a duration or both times."""
    chosen = {name: index for name, index in mapping.items() if index is not None}
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
    if names & {"first join", "last leave", "in-meeting duration", "participant id (upn)"}:
        return AttendanceSource.TEAMS
    if {"invited", "registered"} <= names or "webex" in " ".join(preamble).casefold():
        return AttendanceSource.WEBEX
    return AttendanceSource.OTHER


# --- reading the rows ------------------------------------------------------------------------


@dataclass
class Row:
    line: int
    name: str
    email: str
    join: datetime | None
    leave: datetime | None
    seconds: int | None


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

    @property
    def minutes(self) -> int:
        return minutes_of(self.seconds)


@dataclass
class Report:
    source: AttendanceSource
    columns: dict[str, str]
    participants: list[Participant]
    rows: int
    # Rows left out: without a name, or of registrants Zoom lists as not attending.
    skipped: int = 0


@dataclass
class _Section:
    line: int
    columns: Columns
    rows: list[tuple[int, list[str]]] = field(default_factory=list)


def minutes_of(seconds: int) -> int:
    return (seconds + 30) // 60


def read_report(table: Table, zone: ZoneInfo) -> Report:
    """The participants of a report whose columns we recognise."""
    sections, preamble = _sections(table.rows)
    if not sections:
        raise _unknown(table.rows)
    summed = [section for section in sections if section.columns.summed_up]
    chosen = summed[:1] or sections
    source = detect_source(chosen[0].columns, preamble)
    return _report(chosen, zone, source)


def read_mapped(header: tuple[int, list[str]], rows, mapping: dict[str, int | None], zone) -> Report:
    """The participants of a report whose columns the organiser chose."""
    columns = columns_from_mapping(header[1], mapping)
    section = _Section(header[0], columns, [(line, cells) for line, cells in rows])
    return _report([section], zone, AttendanceSource.OTHER)


def _sections(rows: list[tuple[int, list[str]]]) -> tuple[list[_Section], list[str]]:
    """Each recognised header with the rows under it, up to a title line; and the lines before."""
    sections: list[_Section] = []
    preamble: list[str] = []
    current: _Section | None = None
    for line, cells in rows:
        columns = _recognise(cells) if current is None or _names_a_column(current.columns, cells) else None
        if columns is not None:
            current = _Section(line, columns)
            sections.append(current)
            continue
        filled = [cell for cell in cells if cell]
        if len(filled) == 1 and cells[0]:
            current = None  # "Panelist Details", "3. In-Meeting Activities": a new section
        if current is None:
            if not sections:
                preamble.append(" ".join(filled))
            continue
        current.rows.append((line, cells))
    return sections, preamble


def _names_a_column(columns: Columns, cells: list[str]) -> bool:
    """Whether a row inside a section may be another header (a title line usually comes
    first): its cell under the name column is a name of a column. Cheaper than reading it."""
    index = columns.name if columns.name is not None else columns.first_name
    return index < len(cells) and header_name(cells[index]) in _HEADER_NAMES


_HEADER_NAMES = {alias for aliases in ALIASES.values() for alias in aliases}


def _unknown(rows: list[tuple[int, list[str]]]) -> ReportError:
    """Columns for the organiser to map; or a refusal if there is nothing like a table."""
    for position, (line, cells) in enumerate(rows[:50]):
        if len([cell for cell in cells if cell]) < 2:
            continue
        rest = rows[position + 1 :]
        if not rest:
            return ReportError(_l("The report has a header but no participants."))
        names = {header_name(cell) for cell in cells}
        if names & set(ALIASES["name"]) and not names & {
            alias for our in ("join", "leave", "duration") for alias in ALIASES[our]
        }:
            return ReportError(
                _l(
                    "The report has no join and leave times and no duration: export the report with "
                    "those columns."
                )
            )
        return UnknownColumns((line, cells), rest)
    return ReportError(NOT_A_REPORT)


def _report(sections: list[_Section], zone: ZoneInfo, source: AttendanceSource) -> Report:
    rows: list[Row] = []
    skipped = 0
    times = _TimeReader(zone)
    pending = []
    for section in sections:
        for line, cells in section.rows:
            raw = _raw_row(line, cells, section.columns)
            if raw is None:
                skipped += 1
                continue
            pending.append((raw, section.columns))
    if not pending:
        raise ReportError(_l("The report has a header but no participants."))
    times.learn([(raw["line"], raw[key]) for raw, _ in pending for key in ("join", "leave")])
    for raw, columns in pending:
        rows.append(_row(raw, columns, times))
    participants = merge(rows)
    return Report(
        source=source,
        columns=sections[0].columns.used(),
        participants=participants,
        rows=len(rows),
        skipped=skipped,
    )


def _cell(cells: list[str], index: int | None, line: int, header: tuple[str, ...]) -> str:
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
    if _FORMULA_RE.match(value):
        raise ReportError(
            _l(
                "Line %(line)d holds a spreadsheet formula (%(value)s) in the column “%(column)s”: "
                "a participant report has none. Export the report again from the platform.",
                line=line,
                value=value[:40],
                column=header[index],
            )
        )
    return "" if value in ("--", "-") else value


# "=…", "+…", "@…" start a formula in spreadsheets ("-" too, but Zoom writes "--" for nothing).
_FORMULA_RE = re.compile(r"^\s*(?:[=+@]|-[^-\d\s])")


def _raw_row(line: int, cells: list[str], columns: Columns) -> dict | None:
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
    return {
        "line": line,
        "name": " ".join(name.split())[:NAME_MAX],
        "email": email,
        "join": get(columns.join),
        "leave": get(columns.leave),
        "duration": get(columns.duration),
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
    return Row(line, raw["name"], raw["email"], join, leave, seconds)


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
# Month first before day first: Zoom and Teams write US dates unless the account says otherwise,
# and a report is read with the first format that reads every one of its times.
FORMATS = tuple(d + joiner + t for d in _DATES for joiner in (" ", ", ") for t in _TIMES)
ISO = "iso"


class _TimeReader:
    """Reads the report's timestamps with one format for the whole file, chosen from its values."""

    def __init__(self, zone: ZoneInfo):
        self.zone = zone
        self.parsed: dict[str, datetime] = {}

    def learn(self, values: list[tuple[int, str]]) -> None:
        present = [(line, value) for line, value in values if value]
        if not present:
            return
        first_line, first = present[0]
        candidates = [fmt for fmt in (ISO, *FORMATS) if _parse(first, fmt) is not None]
        if not candidates:
            raise _not_a_time(first_line, first)
        failure = None
        for fmt in candidates:
            parsed: dict[str, datetime] = {}
            for line, value in present:
                if value not in parsed and (moment := _parse(value, fmt)) is None:
                    failure = (line, value)
                    break
                parsed.setdefault(value, moment)
            else:
                self.parsed = parsed
                return
        raise _not_a_time(*failure)

    def read(self, value: str, line: int, columns: Columns) -> datetime | None:
        if not value:
            return None
        moment = self.parsed.get(value)
        if moment is None:
            raise _not_a_time(line, value)
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=_UTC if columns.utc_times else self.zone)
        if not 2000 <= moment.year <= 2100:
            raise _not_a_time(line, value)
        return moment


_UTC = ZoneInfo("UTC")
# "a.m." and "p.m." (Teams in some languages) as strptime's %p reads them.
_DOTTED_MERIDIEM_RE = re.compile(r"\b([ap])\.m\.?", re.IGNORECASE)


def _parse(value: str, fmt: str) -> datetime | None:
    try:
        if fmt == ISO:
            return datetime.fromisoformat(value)
        return datetime.strptime(_DOTTED_MERIDIEM_RE.sub(r"\1m", value.strip()), fmt)
    except ValueError:
        return None


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
    text = unicodedata.normalize("NFKD", name.casefold())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(sorted(re.findall(r"[^\W_]+", text)))


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
    spans = union([(row.join, row.leave) for row in rows]) if with_times else None
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


def union(spans: Iterable[tuple[datetime, datetime]]) -> list[tuple[datetime, datetime]]:
    """Overlapping or touching intervals merged into one."""
    merged: list[tuple[datetime, datetime]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged
