"""The figures of the summaries, and the attendance of an event, as CSV and XLSX.

A download is a list of tables: the figures ("one row per figure"), then the
breakdowns behind the charts. In CSV the tables follow one another, each under
its title; in XLSX each is a sheet. The same figure rows, with their labels,
make the figures of the PDF reports (report_pdf.py), so a number reads the same
on the page, in the PDF and in the spreadsheet.

Figures are aggregates, readable by every signed-in account. Attendance names
people: it is for organisers, and each export is recorded in the audit log. It
is streamed as it is read, like the registrations export (exports.py), whose
formula neutralisation every cell goes through.
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO
from zoneinfo import ZoneInfo

import sqlalchemy as sa
import xlsxwriter
from flask_babel import format_decimal, format_percent
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session as OrmSession
from sqlalchemy.sql import Select

from ...database import folded, write_transaction
from ...extensions import db
from ...models import (
    Attendance,
    AttendanceSource,
    Delegate,
    Event,
    Registration,
    RegistrationStatus,
    Series,
)
from .. import audit, regions
from . import summaries
from .exports import BATCH, XLSX_MIMETYPE, neutralise
from .summaries import Breakdowns, EventSummary, Figures, ProgrammeSummary, SeriesSummary, local_date

Cell = str | int | float | date | datetime | None


@dataclass(frozen=True)
class Figure:
    """One figure of a summary: its section, label, raw value (for spreadsheets) and text (for reading)."""

    section: str
    label: str
    value: Cell
    text: str


@dataclass(frozen=True)
class Table:
    """A titled table; `rows` may be a generator read once, as it is written."""

    title: str
    header: Sequence[str]
    rows: Iterable[Sequence[Cell]]


# --- the figures, as rows ---------------------------------------------------------------------------


def _number(value: float | None) -> str:
    return "–" if value is None else format_decimal(value)


def _count(section: str, label: str, value: int | None) -> Figure:
    return Figure(section, label, value, _number(value))


def _minutes(section: str, label: str, value: float | None) -> Figure:
    if value is None:
        return Figure(section, label, None, "–")
    return Figure(section, label, round(value, 1), _("%(num)s min", num=format_decimal(round(value))))


def _rate(section: str, label: str, value: float | None) -> Figure:
    if value is None:
        return Figure(section, label, None, "–")
    return Figure(section, label, round(value * 100, 1), format_percent(value))


def participants_label(figures: Figures) -> str:
    return _("Confirmed registrants") if figures.based_on_registrations else _("Participants")


def _profile(section: str, figures: Figures, breakdowns: Breakdowns) -> list[Figure]:
    """The participants' profile: what a public summary shows too (no registration figures)."""
    return [
        _count(section, participants_label(figures), figures.participants),
        _count(section, _("Countries"), breakdowns.country_count),
        _count(section, _("Member states represented"), breakdowns.member_states),
        _count(section, _("First-time participants"), figures.first_time),
        _count(section, _("Returning participants"), figures.returning),
    ]


def event_figures(summary: EventSummary, *, public: bool = False) -> list[Figure]:
    f, outcomes = summary.figures, _("Outcomes")
    participants = _profile(_("Participants"), f, summary.breakdowns)
    recommendations = _count(outcomes, _("Recommendations"), summary.recommendations)
    if public:
        return [*participants, recommendations]
    section = _("Registrations")
    registrations = [
        _count(section, _("Registered"), f.registered),
        _count(section, _("Confirmed"), f.confirmed),
        _count(section, _("On the waiting list"), f.waitlisted),
        _count(section, _("Awaiting approval"), f.pending),
        _count(section, _("Cancelled"), f.cancelled),
        _count(section, _("Not accepted"), f.rejected),
    ]
    section, recorded = _("Attendance"), _("yes") if f.attendance_recorded else _("no")
    attendance = [
        Figure(section, _("Attendance recorded"), recorded, recorded),
        _count(section, _("Attended"), f.attended if f.attendance_recorded else None),
        _rate(section, _("Attendance rate (%)"), f.attendance_rate),
        _count(section, _("No-shows (confirmed, did not attend)"), f.no_shows),
        _count(
            section,
            _("Walk-ins (attended without registering)"),
            f.walk_ins if f.attendance_recorded else None,
        ),
    ]
    if f.in_person:  # at the door: arrivals, no minutes; online apart if the meeting was hybrid
        attendance.append(_count(section, _("Arrivals (checked in at the door)"), f.arrivals))
        if f.online:
            attendance.append(_count(section, _("Took part online"), f.online))
    if f.online or not f.in_person:
        attendance += [
            _minutes(section, _("Average minutes online"), f.average_minutes),
            _minutes(section, _("Median minutes online"), f.median_minutes),
        ]
    return [*registrations, *attendance, *participants, recommendations]


def series_figures(summary: SeriesSummary) -> list[Figure]:
    section = _("Series")
    return [
        _count(section, _("Modules"), summary.modules),
        _count(section, _("Different participants"), summary.unique_participants),
        _count(section, _("Participations (a person counted once per module)"), summary.participations),
        _count(section, _("Countries"), summary.breakdowns.country_count),
        _count(section, _("Member states represented"), summary.breakdowns.member_states),
        _count(section, _("Recommendations"), summary.recommendations),
    ]


def programme_figures(summary: ProgrammeSummary) -> list[Figure]:
    section = _("Programme")
    return [
        _count(section, _("Meetings"), summary.meeting_count),
        _count(section, _("Delegates gathered (a person counted once per meeting)"), summary.participations),
        _count(section, _("Different people"), summary.unique_participants),
        _count(section, _("Countries"), summary.breakdowns.country_count),
        _count(section, _("Recommendations"), summary.recommendations),
        _count(section, _("Meetings whose attendance was not recorded"), summary.events_without_attendance),
    ]


def _figures_table(figures: Sequence[Figure]) -> Table:
    return Table(
        _("Figures"),
        [_("Section"), _("Figure"), _("Value")],
        [[figure.section, figure.label, figure.value] for figure in figures],
    )


# --- the breakdowns, as tables ------------------------------------------------------------------------


def breakdown_tables(breakdowns: Breakdowns, people: str) -> list[Table]:
    """Countries, regions, sub-regions and kinds of organisation: the tables behind the charts."""
    total = sum(share.count for share in breakdowns.organisation_kinds) or 1
    return [
        Table(
            _("Countries"),
            [_("Country code"), _("Country"), people],
            [[share.key, share.label, share.count] for share in breakdowns.countries],
        ),
        Table(
            _("Regions"),
            [_("Region"), _("Countries"), people],
            [[share.label, share.countries, share.count] for share in breakdowns.regions],
        ),
        Table(
            _("Sub-regions"),
            [_("Sub-region"), _("Countries"), people],
            [[share.label, share.countries, share.count] for share in breakdowns.sub_regions],
        ),
        Table(
            _("Kinds of organisation"),
            [_("Kind of organisation"), people, _("Share (%)")],
            [
                [share.label, share.count, round(share.count * 100 / total, 1)]
                for share in breakdowns.organisation_kinds
            ],
        ),
    ]


def event_tables(summary: EventSummary) -> list[Table]:
    people = participants_label(summary.figures)
    top = Table(
        _("Top organisations"),
        [_("Organisation"), people],
        [[share.label, share.count] for share in summary.top_organisations],
    )
    return [_figures_table(event_figures(summary)), *breakdown_tables(summary.breakdowns, people), top]


def _change(change) -> Cell:
    return None if change is None else change.difference


MODULE_HEADER = (
    _l("Module"),
    _l("Date"),
    _l("Registered"),
    _l("Confirmed"),
    _l("On the waiting list"),
    _l("Awaiting approval"),
    _l("Cancelled"),
    _l("Not accepted"),
    _l("Participants"),
    _l("Counted from"),
    _l("Attendance rate (%)"),
    _l("No-shows"),
    _l("Walk-ins"),
    _l("Average minutes online"),
    _l("Median minutes online"),
    _l("Countries"),
    _l("First-time participants"),
    _l("Returning participants"),
    _l("Recommendations"),
    _l("Change in registrations"),
    _l("Change in participants"),
)


def _module_row(row) -> list[Cell]:
    f = row.figures
    rate = None if f.attendance_rate is None else round(f.attendance_rate * 100, 1)
    return [
        f.event.title,
        local_date(f.event),
        f.registered,
        f.confirmed,
        f.waitlisted,
        f.pending,
        f.cancelled,
        f.rejected,
        f.participants,
        _("confirmed registrations") if f.based_on_registrations else _("attendance"),
        rate,
        f.no_shows,
        f.walk_ins if f.attendance_recorded else None,
        None if f.average_minutes is None else round(f.average_minutes, 1),
        None if f.median_minutes is None else round(f.median_minutes, 1),
        f.countries,
        f.first_time,
        f.returning,
        f.event.recommendations_count,
        _change(row.registered_change),
        _change(row.attended_change),
    ]


def series_tables(summary: SeriesSummary) -> list[Table]:
    modules = Table(
        _("Modules"), [str(label) for label in MODULE_HEADER], [_module_row(r) for r in summary.rows]
    )
    loyalty = Table(
        _("Modules attended"),
        [_("Modules attended"), _("People")],
        [[count, people] for count, people in summary.modules_attended],
    )
    return [
        _figures_table(series_figures(summary)),
        modules,
        loyalty,
        *breakdown_tables(summary.breakdowns, _("Participations")),
    ]


def meetings_by_year(summary: ProgrammeSummary) -> Table:
    """Meetings of each kind per year, with the delegates they gathered."""
    return Table(
        _("Meetings by kind and year"),
        [_("Year"), *[kind.title for kind in summary.kinds], _("Total"), _("Delegates gathered")],
        [
            [
                year,
                *[summary.meetings[year][kind] for kind in summary.kinds],
                sum(summary.meetings[year].values()),
                summary.participations_by_year.get(year, 0),
            ]
            for year in summary.years
        ],
    )


def programme_tables(summary: ProgrammeSummary) -> list[Table]:
    meetings = Table(
        _("Meetings"),
        [_("Date"), _("Meeting"), _("Kind"), _("Series"), _("Participants"), _("Recommendations")],
        [
            [
                local_date(event),
                event.title,
                event.kind.title,
                event.series.title if event.series else "",
                summary.participations_by_event.get(event.id, 0),
                event.recommendations_count,
            ]
            for event in summary.events
        ],
    )
    return [
        _figures_table(programme_figures(summary)),
        meetings_by_year(summary),
        meetings,
        *breakdown_tables(summary.breakdowns, _("Participations")),
    ]


# --- writing: CSV streamed, XLSX in constant memory --------------------------------------------------


def _plain(value: Cell) -> Cell:
    """A cell as written: text neutralised, numbers kept, a day as 2021-06-30 and an instant
    as 2021-06-30 10:02+02:00 (in the zone it comes in). (No translation here: a CSV is written
    as it streams, after the request.)"""
    if value is None:
        return ""
    if isinstance(value, int | float):
        return value
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    return neutralise(str(value))


def csv_chunks(tables: Sequence[Table]) -> Iterator[str]:
    """UTF-8 CSV with the BOM Excel needs, in chunks of BATCH rows. Several tables follow one
    another, each under its title and separated by an empty row; a single one is just its rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    written = 0
    for position, table in enumerate(tables):
        if len(tables) > 1:
            if position:
                writer.writerow([])
            writer.writerow([_plain(table.title)])
        writer.writerow([_plain(label) for label in table.header])
        for row in table.rows:
            writer.writerow([_plain(cell) for cell in row])
            written += 1
            if written % BATCH == 0:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
    yield buffer.getvalue()


SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
DAY, INSTANT = "yyyy-mm-dd", "yyyy-mm-dd hh:mm"


def _sheet_name(title: str, taken: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique whatever the case."""
    base = SHEET_NAME_FORBIDDEN.sub(" ", title).strip().strip("'")[:31] or "Sheet"
    name, number = base, 1
    while name.casefold() in taken:
        number += 1
        name = f"{base[: 31 - len(str(number)) - 1]} {number}"
    taken.add(name.casefold())
    return name


def write_workbook(handle: IO[bytes], tables: Sequence[Table]) -> None:
    """One sheet per table, each row written once and flushed (constant_memory)."""
    workbook = xlsxwriter.Workbook(handle, {"constant_memory": True})
    bold = workbook.add_format({"bold": True})
    # Days and instants as dates a spreadsheet computes with; an instant in the zone it comes
    # in (the column's header names it: a spreadsheet keeps no zone).
    day, instant = workbook.add_format({"num_format": DAY}), workbook.add_format({"num_format": INSTANT})
    taken: set[str] = set()
    for table in tables:
        sheet = workbook.add_worksheet(_sheet_name(str(table.title), taken))
        sheet.set_column(0, max(len(table.header) - 1, 0), 20)
        sheet.freeze_panes(1, 0)
        for column, label in enumerate(table.header):
            sheet.write_string(0, column, _plain(label), bold)
        for number, row in enumerate(table.rows, start=1):
            for column, value in enumerate(row):
                if isinstance(value, datetime):
                    sheet.write_datetime(number, column, value.replace(tzinfo=None), instant)
                    continue
                if isinstance(value, date):
                    sheet.write_datetime(number, column, value, day)
                    continue
                cell = _plain(value)
                # write_string, never write(): a text starting with "=" must stay text.
                if isinstance(cell, int | float):
                    sheet.write_number(number, column, cell)
                elif cell:
                    sheet.write_string(number, column, cell)
    workbook.close()


def xlsx_file(tables: Sequence[Table]) -> IO[bytes]:
    """The workbook in an anonymous temporary file, rewound; the response closes it."""
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - the response closes it
    try:
        write_workbook(handle, tables)
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle


@dataclass(frozen=True)
class Download:
    """What a view sends: a CSV as chunks of text, or an XLSX as an open file."""

    filename: str
    mimetype: str
    chunks: Iterator[str] | None = None
    file: IO[bytes] | None = None


def download(tables: Sequence[Table], stem: str, fmt: str) -> Download:
    if fmt == "csv":
        return Download(f"{stem}.csv", "text/csv", chunks=csv_chunks(tables))
    return Download(f"{stem}.xlsx", XLSX_MIMETYPE, file=xlsx_file(tables))


# --- attendance ---------------------------------------------------------------------------------------


def attendance_select(event: Event) -> Select:
    """Everyone recorded for the event (registrants and walk-ins, whether or not they stayed
    long enough to count), then the confirmed registrants with no record at all: the no-shows."""
    recorded = (
        sa.select(
            sa.func.coalesce(Registration.name, Attendance.name).label("name"),
            sa.func.coalesce(Delegate.email, Attendance.email).label("email"),
            sa.func.coalesce(Registration.organisation, Attendance.organisation).label("organisation"),
            sa.func.coalesce(Registration.country, Attendance.country).label("country"),
            Registration.status.label("status"),
            Attendance.attended.label("attended"),
            Attendance.minutes.label("minutes"),
            Attendance.first_join_dt.label("first_join"),
            Attendance.last_leave_dt.label("last_leave"),
            Attendance.source.label("source"),
        )
        .select_from(Attendance)
        .outerjoin(Registration, Registration.id == Attendance.registration_id)
        .outerjoin(Delegate, Delegate.id == Registration.delegate_id)
        .where(Attendance.event_id == event.id)
    )
    has_record = (
        sa.select(Attendance.id)
        .where(Attendance.event_id == event.id, Attendance.registration_id == Registration.id)
        .exists()
    )
    missing = (
        sa.select(
            Registration.name,
            Delegate.email,
            Registration.organisation,
            Registration.country,
            Registration.status,
            sa.false(),
            sa.null(),
            sa.null(),
            sa.null(),
            sa.null(),
        )
        .join(Delegate, Delegate.id == Registration.delegate_id)
        .where(
            Registration.event_id == event.id,
            Registration.status == RegistrationStatus.CONFIRMED,
            ~has_record,
        )
    )
    everyone = sa.union_all(recorded, missing).subquery("everyone")
    return sa.select(everyone).order_by(
        everyone.c.attended.desc(), everyone.c.name, everyone.c.email, everyone.c.first_join
    )


def attendance_header(event: Event) -> list[str]:
    return [
        _("Name"),
        _("Email"),
        _("Organisation"),
        _("Country code"),
        _("Country"),
        _("Registration status"),
        _("Attended"),
        _("Minutes"),
        _("First join (%(zone)s)", zone=event.timezone),
        _("Last leave (%(zone)s)", zone=event.timezone),
        _("Source"),
    ]


@dataclass(frozen=True)
class _Words:
    """What the attendance rows say in words, translated in the request: the rows themselves
    are read and written as the response streams, after the request's contexts are gone."""

    zone: ZoneInfo
    statuses: dict
    sources: dict
    countries: dict[str, str]
    yes: str
    no: str
    walk_in: str


def _words(event: Event, countries: Iterable[str]) -> _Words:
    return _Words(
        zone=event.zone,
        statuses={status: status.title for status in RegistrationStatus},
        sources={source: source.title for source in AttendanceSource},
        countries={code: regions.country_name(code) for code in countries if code},
        yes=_("yes"),
        no=_("no"),
        walk_in=_("Walk-in (not registered)"),
    )


def _local(moment: datetime | None, zone: ZoneInfo) -> datetime | None:
    """An instant in the event's zone: a date in a workbook, 2021-06-30 10:02+02:00 in a CSV."""
    return None if moment is None else moment.astimezone(zone)


def _attendance_cells(row, words: _Words) -> list[Cell]:
    return [
        row.name,
        row.email,
        row.organisation,
        row.country,
        words.countries.get(row.country, row.country),
        words.statuses[row.status] if row.status else words.walk_in,
        words.yes if row.attended else words.no,
        row.minutes,
        _local(row.first_join, words.zone),
        _local(row.last_leave, words.zone),
        words.sources[row.source] if row.source else "",
    ]


def _attendance_rows(engine: sa.Engine, statement: Select, words: _Words) -> Iterator[list[Cell]]:
    """The rows, BATCH at a time (a server-side cursor on PostgreSQL), on a session of this
    generator's own: it runs as the response streams, outside the request's app context."""
    with OrmSession(engine) as session:
        result = session.execute(statement.execution_options(yield_per=BATCH))
        rows = [row for partition in result.partitions() for row in partition]
    # Names in the order a reader expects ("Álvarez" with the A's), which neither database's
    # binary order gives for the walk-ins' names: sorted here, an event's people at a time.
    rows.sort(key=lambda row: (not row.attended, folded(row.name or ""), row.email or ""))
    for row in rows:
        yield _attendance_cells(row, words)


def attendance_export(event: Event, fmt: str) -> Download:
    """The attendance of `event` as CSV (streamed) or XLSX; recorded in the audit log first,
    as every export of personal data is."""
    statement = attendance_select(event)
    everyone = statement.order_by(None).subquery()
    with write_transaction() as session:
        count = session.scalar(sa.select(sa.func.count()).select_from(everyone))
        countries: Sequence[str] = session.scalars(sa.select(everyone.c.country).distinct()).all()
        audit.record(
            "attendance.export",
            event,
            f"{event.title}: {count} attendance rows exported as {fmt.upper()}",
            format=fmt,
            rows=count,
        )
    rows = _attendance_rows(db.engine, statement, _words(event, countries))
    return download(
        [Table(_("Attendance"), attendance_header(event), rows)], f"attendance-event-{event.id}", fmt
    )


def event_figures_export(event: Event, fmt: str) -> Download:
    return download(event_tables(summaries.event_summary(event)), f"figures-event-{event.id}", fmt)


def series_figures_export(series: Series, fmt: str) -> Download:
    return download(series_tables(summaries.series_summary(series)), f"figures-series-{series.id}", fmt)


def programme_figures_export(start: date | None, end: date | None, fmt: str) -> Download:
    period = "-".join(day.isoformat() for day in (start, end) if day) or "all"
    return download(
        programme_tables(summaries.programme_summary(start, end)), f"figures-programme-{period}", fmt
    )
