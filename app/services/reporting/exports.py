"""Exports of the registrations table: CSV and XLSX, both streamed as the rows are read.

Both run the table's own query (the caller's SELECT: same filters, same order, every
page) once, and read its rows as plain tuples (no ORM objects) in batches from a
server-side cursor, so a 20,000-row export never holds the list in memory. What the rows
say in words (statuses, kinds of organisation, languages, yes and no) is translated once
per export, in the request: a translation looked up per cell was three quarters of the
time. Every cell a spreadsheet could take for a formula is neutralised, and every export
of personal data is recorded in the audit log before its first byte.
"""

from __future__ import annotations

import csv
import io
import operator
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.sql import Select

from ...database import write_transaction
from ...extensions import db
from ...models import Event, OrganisationKind, Question, RegistrationStatus, Series
from .. import audit, fields, regions
from ..registration import questions as asked
from . import xlsx_stream

BATCH = 1000
# A spreadsheet reads a cell starting with one of these as a formula (or the start of one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = (
    _l("Event"),
    _l("Name"),
    _l("Name in Latin letters"),
    _l("Email"),
    _l("Organisation"),
    _l("Kind of organisation"),
    _l("Country code"),
    _l("Country"),
    _l("Job title"),
    _l("Language"),
    _l("Status"),
    _l("Registered at (UTC)"),
    _l("Attended"),
    _l("Minutes"),
)
XLSX_MIMETYPE = xlsx_stream.MIMETYPE
CSV_INSTANT = "%Y-%m-%dT%H:%M:%SZ"


def neutralise(value):
    """Text a spreadsheet would run as a formula, made plain text by a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


@dataclass(frozen=True)
class Words:
    """What the rows say in words, translated once, in the request's language."""

    kinds: dict[OrganisationKind, str]
    statuses: dict[RegistrationStatus, str]
    languages: dict[str, str]
    # The cells of the country code and of the country's name, in the reader's language.
    countries: dict[str, tuple[str, str]]
    yes: str
    no: str
    # The standard fields' values in words, per column (services/fields.py).
    standard: dict[str, dict]
    # The cells of the organisers' questions, one per question (services/registration/questions.py).
    answers: Callable[[dict | None], list[str]]

    def country_cells(self, code: str) -> tuple[str, str]:
        return self.countries.get(code) or (neutralise(code), neutralise(code))

    def standard_cell(self, column: str, value):
        if column == "representing_country":
            return self.country_cells(value)[1]
        words = self.standard.get(column)
        if words:
            return words.get(value, neutralise(value))
        return neutralise(value)


def _words(questions: list[Question]) -> Words:
    locale = str(get_locale() or "en")
    names = regions.country_names(locale)
    return Words(
        kinds={kind: kind.title for kind in OrganisationKind},
        statuses={status: status.title for status in RegistrationStatus},
        languages=dict(current_app.config["LANGUAGES"]),
        countries={"": ("", ""), **{code: (code, neutralise(name)) for code, name in names.items()}},
        yes=_("yes"),
        no=_("no"),
        standard={column: fields.value_words(column) for column in fields.LABELS},
        answers=asked.cell_maker(questions, locale),
    )


# The columns of the table's SELECT that make the cells, in the order of COLUMNS.
FIELDS = (
    "event_title",
    "name",
    "latin_name",
    "email",
    "organisation",
    "organisation_kind",
    "country",
    "job_title",
    "language",
    "status",
    "created_dt",
    "attended",
    "minutes",
)
REGISTERED = 11  # the cell of "Registered at (UTC)"


def standard_columns(target: Event | Series) -> list[str]:
    """A column per standard field its form asked (or any of the series' events' forms), the
    name in Latin letters apart (a column of every export)."""
    events = target.events if isinstance(target, Series) else [target]
    chosen = fields.asked_by_any(event.asked_fields for event in events)
    return [column for column in fields.asked_columns(chosen) if column not in FIELDS]


def _picker(statement: Select, extra: list[str]) -> Callable:
    """A row's FIELDS, its answers, then the `extra` columns as one tuple, taken by position: a
    lookup by name per cell costs more."""
    names = list(statement.selected_columns.keys())
    return operator.itemgetter(*(names.index(field) for field in (*FIELDS, "answers", *extra)))


def _cells(values: tuple, words: Words) -> list:
    """One row's cells, typed: text neutralised, the registration's instant as a datetime
    (UTC), the minutes attended as a number (None if not recorded)."""
    (
        title,
        name,
        latin_name,
        email,
        organisation,
        kind,
        code,
        job_title,
        language,
        status,
        registered,
        attended,
        minutes,
    ) = values[: len(FIELDS)]
    code, country = words.country_cells(code)
    return [
        neutralise(title),
        neutralise(name),
        neutralise(latin_name),
        neutralise(email),
        neutralise(organisation),
        words.kinds[kind],
        code,
        country,
        neutralise(job_title),
        words.languages.get(language) or neutralise(language),
        words.statuses[status],
        registered,
        words.yes if attended else words.no,
        minutes,
    ]


def _rows(statement: Select, words: Words, extra: list[str]) -> Iterator[list]:
    """The cells of every row of one query, fetched BATCH at a time (a server-side cursor on
    PostgreSQL), as plain rows: the ORM is not asked to build anything per row."""
    pick = _picker(statement, extra)
    result = db.session.connection().execute(statement.execution_options(yield_per=BATCH))
    try:
        for partition in result.partitions():
            for row in partition:
                values = pick(row)
                cells = _cells(values, words)
                cells.extend(
                    words.standard_cell(column, value)
                    for column, value in zip(extra, values[len(FIELDS) + 1 :], strict=True)
                )
                cells.extend(neutralise(cell) for cell in words.answers(values[len(FIELDS)]))
                yield cells
    finally:
        result.close()


def _header(extra: list[str], questions: list[Question]) -> list[str]:
    """The columns, the standard fields asked, then one per question of the organisers, in the
    export's language."""
    locale = str(get_locale() or "en")
    labels = [asked.label(question, locale) for question in questions]
    return [
        neutralise(str(label)) for label in (*COLUMNS, *(fields.label(column) for column in extra), *labels)
    ]


def _record(target: Event | Series, statement: Select, filters: dict, fmt: str) -> int:
    with write_transaction() as session:
        count = (
            session.scalar(sa.select(sa.func.count()).select_from(statement.order_by(None).subquery())) or 0
        )
        audit.record(
            "registrations.export",
            target,
            f"{target.title}: {count} registrations exported as {fmt.upper()}",
            format=fmt,
            rows=count,
            filters=filters,
        )
    return count


def csv_export(target: Event | Series, statement: Select, filters: dict) -> Iterator[str]:
    """Record the export now, then give the CSV in chunks as the rows of `statement` are read.

    `statement` is the table's SELECT, `filters` what the organiser chose (for the audit log).
    """
    _record(target, statement, filters, "csv")
    extra, questions = standard_columns(target), asked.for_target(target)
    return _csv_chunks(_header(extra, questions), _rows(statement, _words(questions), extra))


def _csv_instant(moment: datetime) -> str:
    """2025-03-12T08:00:00Z: the instant as stored, in UTC (isoformat is a third quicker
    than strftime)."""
    return moment.isoformat(timespec="seconds")[:19] + "Z"


def _csv_chunks(header: list[str], rows: Iterable[list]) -> Iterator[str]:
    """The header at once (the download starts while the rows' query runs), then a chunk
    per BATCH rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)  # None, the minutes of no one recorded, is written as ""
    buffer.write("\ufeff")  # the BOM by which Excel knows the file is UTF-8
    writer.writerow(header)
    yield _taken(buffer)
    for number, row in enumerate(rows, start=1):
        row[REGISTERED] = _csv_instant(row[REGISTERED])
        writer.writerow(row)
        if number % BATCH == 0:
            yield _taken(buffer)
    yield buffer.getvalue()


def _taken(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def xlsx_export(target: Event | Series, statement: Select, filters: dict) -> Iterator[bytes]:
    """Record the export now, then give the workbook in chunks as the rows are read: text as
    text, the registration's instant as a date, the minutes as a number."""
    _record(target, statement, filters, "xlsx")
    extra, questions = standard_columns(target), asked.for_target(target)
    return xlsx_stream.workbook(
        _("Registrations"), _header(extra, questions), _rows(statement, _words(questions), extra), batch=BATCH
    )
