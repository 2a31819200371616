"""Exports of the registrations table: CSV and XLSX, with the table's filters and order,
formulas neutralised, streamed, and recorded in the audit log."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import timedelta
from html import unescape

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEntry, Delegate, Event, OrganisationKind, Registration, RegistrationStatus
from app.services import registrations as service
from app.services.exports import neutralise
from tests.conftest import make_event, make_series
from tests.test_console_registrations import applicant, attend, by_name, register

HEADER = [
    "Event",
    "Name",
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
    assert amina[:9] == [
        "Partnership",
        "Amina Yusuf",
        "amina.yusuf@example.org",
        "Ministry of Labour",
        "Member state",
        "ET",
        "Ethiopia",
        "Director",
        "English",
    ]
    assert amina[9:] == ["Confirmed", amina[10], "yes", "82"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", amina[10])
    chiara = rows[2]
    assert chiara[2] == "chiara.rossi@example.org" and chiara[3] == "Università di Bologna"
    assert chiara[8] == "Français" and chiara[9] == "On the waiting list"
    assert chiara[11:] == ["no", ""]


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
    assert cells[1][4] == "Academia"


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
    assert rows[1][3] == f"'{start}1+2" and rows[1][7] == "'@SUM(A1)"
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


def test_the_csv_streams_in_chunks(console, app):
    event = make_event(capacity=None)
    count = 2500
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
    response = console.get(f"/console/events/{event.id}/registrations.csv")
    assert response.is_streamed
    chunks = list(response.response)
    assert len(chunks) >= 3  # a chunk per thousand rows, not the whole file at once
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"), newline="")))
    assert len(rows) == count + 1 and rows[0] == HEADER


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
