"""Exports of the registrations table: CSV streamed as it is read, XLSX in constant memory.

Both run the table's own query (the caller's SELECT: same filters, same
order, every page) and read it in batches from a server-side cursor, so a 20,000-row export never holds the
list in memory. Every cell a spreadsheet could take for a formula is
neutralised, and every export of personal data is recorded in the audit log.
"""

from __future__ import annotations

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator
from datetime import UTC
from functools import lru_cache
from typing import IO

import pycountry
import sqlalchemy as sa
import xlsxwriter
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy.sql import Select

from ..database import write_transaction
from ..extensions import db
from ..models import Event, Series
from . import audit

BATCH = 1000
# A spreadsheet reads a cell starting with one of these as a formula (or the start of one).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

COLUMNS = (
    _l("Event"),
    _l("Name"),
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
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@lru_cache(maxsize=512)
def country_name(code: str) -> str:
    country = pycountry.countries.get(alpha_2=code) if code else None
    return getattr(country, "common_name", None) or getattr(country, "name", None) or code


def neutralise(value):
    """Text a spreadsheet would run as a formula, made plain text by a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _cells(row) -> list:
    languages = current_app.config["LANGUAGES"]
    values = [
        row.event_title,
        row.name,
        row.email,
        row.organisation,
        row.organisation_kind.title,
        row.country,
        country_name(row.country),
        row.job_title,
        languages.get(row.language, row.language),
        row.status.title,
        row.created_dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        _("yes") if row.attended else _("no"),
        row.minutes if row.minutes is not None else "",
    ]
    return [neutralise(value) for value in values]


def _rows(statement: Select) -> Iterator[list]:
    """The cells of every row, fetched BATCH at a time (a server-side cursor on PostgreSQL)."""
    result = db.session.execute(statement.execution_options(yield_per=BATCH))
    try:
        for partition in result.partitions():
            for row in partition:
                yield _cells(row)
    finally:
        result.close()


def _header() -> list[str]:
    return [neutralise(str(label)) for label in COLUMNS]


def _record(target: Event | Series, statement: Select, filters: dict, fmt: str) -> int:
    with write_transaction() as session:
        count = session.scalar(sa.select(sa.func.count()).select_from(statement.order_by(None).subquery()))
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
    return _csv_chunks(_rows(statement))


def _csv_chunks(rows: Iterable[list]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")  # the BOM by which Excel knows the file is UTF-8
    writer.writerow(_header())
    for number, row in enumerate(rows, start=1):
        writer.writerow(row)
        if number % BATCH == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_export(target: Event | Series, statement: Select, filters: dict) -> IO[bytes]:
    """Record the export, then write the workbook row by row to an anonymous temporary file."""
    _record(target, statement, filters, "xlsx")
    handle = tempfile.TemporaryFile(suffix=".xlsx")  # noqa: SIM115 - the response closes it
    try:
        _write_workbook(handle, _rows(statement))
    except BaseException:
        handle.close()
        raise
    handle.seek(0)
    return handle


def _write_workbook(handle: IO[bytes], rows: Iterable[list]) -> None:
    # constant_memory: each row goes to disk once written, so memory stays flat.
    workbook = xlsxwriter.Workbook(handle, {"constant_memory": True})
    sheet = workbook.add_worksheet(_("Registrations")[:31])
    bold = workbook.add_format({"bold": True})
    sheet.set_column(0, len(COLUMNS) - 1, 22)
    sheet.freeze_panes(1, 0)
    for column, label in enumerate(_header()):
        sheet.write_string(0, column, label, bold)
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            # write_string, never write(): a text starting with "=" must stay text.
            if isinstance(value, int):
                sheet.write_number(number, column, value)
            else:
                sheet.write_string(number, column, value)
    workbook.close()
