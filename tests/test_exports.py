"""Exports of the registrations table: CSV and XLSX, with the table's filters and order,
formulas neutralised, streamed, and recorded in the audit log."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import UTC, datetime, timedelta
from html import unescape

import flask_babel
import openpyxl
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEntry, Delegate, Event, OrganisationKind, Registration, RegistrationStatus
from app.services.registration import registrations as service
from app.services.reporting import xlsx_stream
from app.services.reporting.exports import neutralise
from tests.conftest import make_event, make_series, statements
from tests.test_console_registrations import applicant, attend, by_name, register

HEADER = [
    "Event",
    "Name",
    "Name in Latin letters",
    "Email",
    "Organisation",
    "Kind of organisation",
    "Country code",
    "Country",
    "Job title",
    "Language",
    "Status",
    "Registered at (UTC)",
    "Attended",
    "Minutes",
]


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:1000]
    assert response.mimetype == "text/csv"
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())  # the BOM by which Excel reads UTF-8
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def sheet_cells(response) -> list[list[str]]:
    """The text of each row of the workbook's first sheet (inline strings and numbers)."""
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as workbook:
        xml = workbook.read("xl/worksheets/sheet1.xml").decode("utf-8")
    rows = []
    for row in re.findall(r"<row [^>]*>(.*?)</row>", xml, re.S):
        cells = re.findall(r"<c [^>]*?(?:/>|>(.*?)</c>)", row, re.S)
        rows.append([unescape(re.sub(r"<[^>]+>", "", cell)) for cell in cells])
    return rows


@pytest.fixture
def partnership(app):
    event = make_event("Partnership", capacity=2)
    register(event, "Amina Yusuf", organisation="Ministry of Labour", country="ET", job_title="Director")
    register(event, "Dawit Bekele", organisation="IOM", country="ER")
    register(event, "Chiara Rossi", organisation="Università di Bologna", country="IT", language="fr")
    attend(by_name("Amina Yusuf"), minutes=82)
    return event


def test_csv_has_every_column_and_row(console, partnership):
    rows = read_csv(console.get(f"/console/events/{partnership.id}/registrations.csv?sort=name&order=asc"))
    assert rows[0] == HEADER
    assert [row[1] for row in rows[1:]] == ["Amina Yusuf", "Chiara Rossi", "Dawit Bekele"]
    amina = rows[1]
    assert amina[:10] == [
        "Partnership",
        "Amina Yusuf",
        "",
        "amina.yusuf@example.org",
        "Ministry of Labour",
        "Member state",
        "ET",
        "Ethiopia",
        "Director",
        "English",
    ]
    assert amina[10:] == ["Confirmed", amina[11], "yes", "82"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", amina[11])
    chiara = rows[2]
    assert chiara[3] == "chiara.rossi@example.org" and chiara[4] == "Università di Bologna"
    assert chiara[9] == "Français" and chiara[10] == "On the waiting list"
    assert chiara[12:] == ["no", ""]


def test_exports_apply_the_tables_filters_and_order_across_all_pages(console, app):
    event = make_event("Thematic meeting", capacity=None)
    for number in range(60):
        kind = OrganisationKind.NGO if number % 2 else OrganisationKind.ACADEMIA
        register(event, f"Delegate {number:02d}", organisation_kind=kind)
    url = f"/console/events/{event.id}/registrations"
    rows = read_csv(console.get(f"{url}.csv?kind=ngo&sort=name&order=desc&per_page=25&page=2"))
    assert [row[1] for row in rows[1:]] == [f"Delegate {n:02d}" for n in range(59, 0, -2)]  # all 30
    everyone = read_csv(console.get(f"{url}.csv"))
    assert len(everyone) == 61
    searched = read_csv(console.get(f"{url}.csv?q=delegate 0"))
    assert len(searched) == 11
    cells = sheet_cells(console.get(f"{url}.xlsx?kind=academia&sort=name&order=asc"))
    assert cells[0] == HEADER
    assert [row[1] for row in cells[1:]] == [f"Delegate {n:02d}" for n in range(0, 60, 2)]
    assert cells[1][4] == "Academia"  # an empty cell (no Latin-script name) is not written


def test_a_series_export_has_the_registrations_of_all_its_events(console, app):
    series = make_series()
    prevention = make_event("Prevention", series=series, starts_in=timedelta(days=5))
    partnership = make_event("Partnership", series=series, starts_in=timedelta(days=50))
    register(prevention, "Amina Yusuf")
    register(partnership, "Amina Yusuf", "amina.yusuf@example.org")
    register(make_event("Elsewhere"), "Someone Else")
    response = console.get(f"/console/series/{series.id}/registrations.csv?sort=registered&order=asc")
    rows = read_csv(response)
    assert [(row[0], row[1]) for row in rows[1:]] == [
        ("Prevention", "Amina Yusuf"),
        ("Partnership", "Amina Yusuf"),
    ]
    assert f"registrations-series-{series.id}.csv" in response.headers["Content-Disposition"]
    assert len(sheet_cells(console.get(f"/console/series/{series.id}/registrations.xlsx"))) == 3


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_every_formula_start_is_neutralised_in_csv_and_xlsx(console, app, start):
    event = make_event()
    name = f'{start}HYPERLINK("http://evil.example","click")'
    service.register(
        event, applicant("mallory@example.org", name, organisation=f"{start}1+2", job_title="@SUM(A1)")
    )
    rows = read_csv(console.get(f"/console/events/{event.id}/registrations.csv"))
    assert rows[1][1] == "'" + name
    assert rows[1][4] == f"'{start}1+2" and rows[1][8] == "'@SUM(A1)"
    cells = sheet_cells(console.get(f"/console/events/{event.id}/registrations.xlsx"))
    assert cells[1][1].startswith("'") and cells[1][1].endswith('"click")')
    assert cells[1][3].startswith("'") and cells[1][3].endswith("1+2") and cells[1][7] == "'@SUM(A1)"
    db.session.rollback()
    assert db.session.scalar(sa.select(Registration.name)) == name  # the data stays as given


def test_neutralise_leaves_ordinary_values_alone():
    assert neutralise("Amina Yusuf") == "Amina Yusuf"
    assert neutralise("") == ""
    assert neutralise(82) == 82
    assert neutralise("a=b") == "a=b"
    assert [neutralise(c + "x") for c in "=+-@\t\r"] == ["'" + c + "x" for c in "=+-@\t\r"]


def add_registrations(event: Event, count: int) -> None:
    """`count` registrations, inserted in bulk."""
    db.session.execute(
        sa.insert(Delegate),
        [
            {"id": n, "email": f"delegate{n}@example.org", "name": f"Delegate {n}"}
            for n in range(1, count + 1)
        ],
    )
    db.session.execute(
        sa.insert(Registration),
        [
            {
                "event_id": event.id,
                "delegate_id": n,
                "status": RegistrationStatus.CONFIRMED,
                "consent_privacy_dt": event.created_dt,
                "name": f"Delegate {n}",
            }
            for n in range(1, count + 1)
        ],
    )
    db.session.commit()


def test_the_csv_streams_in_chunks(console, app):
    event = make_event(capacity=None)
    count = 2500
    add_registrations(event, count)
    response = console.get(f"/console/events/{event.id}/registrations.csv")
    assert response.is_streamed
    chunks = list(response.response)
    assert len(chunks) >= 3  # a chunk per thousand rows, not the whole file at once
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"), newline="")))
    assert len(rows) == count + 1 and rows[0] == HEADER


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_both_exports_read_their_rows_as_the_response_streams(console, app, fmt):
    """The download starts before the rows are read (the test client, as a server does, takes
    the first chunk at once): their one query runs as the body is sent, never a whole file
    written first (an XLSX of 20,000 rows took 3 s before its first byte)."""
    event = make_event(capacity=None)
    add_registrations(event, 2500)
    with statements() as in_the_view:
        response = console.get(f"/console/events/{event.id}/registrations.{fmt}")
    assert response.status_code == 200 and response.is_streamed
    with statements() as while_streaming:
        chunks = list(response.response)
    rows_query = [statement for statement in while_streaming if "ORDER BY" in statement]
    assert len(rows_query) == 1 and "JOIN delegate" in rows_query[0]  # one query for all rows
    # The rows are not read in the view (the organisers' questions, for the columns, are).
    assert not [
        statement for statement in in_the_view if "ORDER BY" in statement and "JOIN delegate" in statement
    ]
    assert len(chunks) >= 3  # a chunk per thousand rows
    if fmt == "xlsx":
        book = openpyxl.load_workbook(io.BytesIO(b"".join(chunks)), read_only=True)
        assert len(list(book.active.iter_rows(values_only=True))) == 2501


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_words_are_translated_once_per_export_not_once_per_row(console, app, monkeypatch, fmt):
    """Statuses, kinds, yes and no looked up in the catalogue for each row were three quarters
    of the time of a 20,000-row export: the lookups must not grow with the rows."""
    lookups = []
    lookup = flask_babel.Domain.gettext

    def counted(self, string, **variables):
        lookups.append(string)
        return lookup(self, string, **variables)

    monkeypatch.setattr(flask_babel.Domain, "gettext", counted)
    event = make_event(capacity=None)
    counts = []
    for rows in (10, 400):
        db.session.execute(sa.delete(Registration))
        db.session.execute(sa.delete(Delegate))
        add_registrations(event, rows)
        lookups.clear()
        response = console.get(f"/console/events/{event.id}/registrations.{fmt}?lang=fr")
        assert response.status_code == 200 and len(response.get_data()) > 0
        counts.append(len(lookups))
    assert counts[0] == counts[1], counts


def test_the_xlsx_has_dates_as_dates_and_minutes_as_numbers(console, partnership):
    response = console.get(f"/console/events/{partnership.id}/registrations.xlsx?sort=name&order=asc")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert f"registrations-event-{partnership.id}.xlsx" in response.headers["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.get_data())).active
    assert sheet.title == "Registrations"
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    header, amina, chiara, _dawit = sheet.iter_rows(values_only=True)
    assert list(header) == HEADER
    registered = by_name("Amina Yusuf").created_dt.astimezone(UTC).replace(tzinfo=None)
    assert isinstance(amina[11], datetime) and abs(amina[11] - registered) < timedelta(milliseconds=1)
    assert sheet["L2"].is_date and sheet["L2"].number_format == "yyyy-mm-dd hh:mm:ss"
    assert amina[12:] == ("yes", 82)  # the minutes a number, not text
    assert chiara[12:] == ("no", None)  # nothing recorded: an empty cell, not 0
    assert amina[:11] == (
        "Partnership",
        "Amina Yusuf",
        None,
        "amina.yusuf@example.org",
        "Ministry of Labour",
        "Member state",
        "ET",
        "Ethiopia",
        "Director",
        "English",
        "Confirmed",
    )


def test_the_workbook_keeps_any_text_as_text():
    texts = ['A & <B> "q"', " spaces kept ", "bell\x07 and\r\nreturn", "_x0041_ literal", "=1+2"]
    rows = [[text, 3, 1.5, None, datetime(2025, 3, 12, 8, 0, 5, tzinfo=UTC)] for text in texts]
    data = b"".join(
        xlsx_stream.workbook("Regis[tr]ations: 2025", ["Text", "Int", "Float", "None", "At"], rows)
    )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        xml = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in xml  # no formula, whatever the text starts with
    # Control characters and a carriage return as Excel's escapes; text like an escape kept literal.
    assert "bell_x0007_ and_x000D_\nreturn" in xml and "_x005F_x0041_ literal" in xml
    book = openpyxl.load_workbook(io.BytesIO(data))
    assert book.sheetnames == ["Regis tr ations  2025"]
    cells = list(book.active.iter_rows(min_row=2, values_only=True))
    assert [row[0] for row in cells if "_x" not in row[0]] == ['A & <B> "q"', " spaces kept ", "=1+2"]
    assert cells[0][1:] == (3, 1.5, None, datetime(2025, 3, 12, 8, 0, 5))
    assert book.active["A6"].data_type == "s"  # "=1+2" as text


def test_exports_are_recorded_in_the_audit_log_with_filters_and_count(console, partnership):
    console.get(f"/console/events/{partnership.id}/registrations.csv?status=confirmed&q=a")
    console.get(f"/console/events/{partnership.id}/registrations.xlsx")
    db.session.rollback()
    entries = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "registrations.export").order_by(AuditEntry.id)
    ).all()
    assert [(e.target_type, e.target_id, e.account_id) for e in entries] == [
        ("event", partnership.id, console.account.id)
    ] * 2
    assert entries[0].details == {
        "format": "csv",
        "rows": 2,
        "filters": {"search": "a", "status": "confirmed", "sort": "registered", "descending": True},
    }
    assert entries[1].details["rows"] == 3 and entries[1].details["format"] == "xlsx"


def test_viewers_cannot_export_and_bad_filters_give_no_file(console, signed_in, partnership):
    viewer = signed_in("viewer")
    for fmt in ("csv", "xlsx"):
        assert viewer.get(f"/console/events/{partnership.id}/registrations.{fmt}").status_code == 403
    for query in ("sort=password_hash", "status=approved", "q=" + "x" * 201, "country=Ethiopia"):
        response = console.get(f"/console/events/{partnership.id}/registrations.csv?{query}")
        assert response.status_code == 400
        assert "The filters of this export are not valid" in response.get_data(as_text=True)
    assert console.get(f"/console/events/{partnership.id}/registrations.pdf").status_code == 404
    assert console.get("/console/events/999/registrations.xlsx").status_code == 404
    db.session.rollback()
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEntry.id)).where(AuditEntry.action == "registrations.export")
        )
        == 0
    )
    assert db.session.get(Event, partnership.id) is not None
