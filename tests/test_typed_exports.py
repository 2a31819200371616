"""Exports a spreadsheet reads as a person expects: dates as dates, minutes as numbers,
countries by their names in the reader's language (and sorted by them), accented names
sorted with their letter."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import openpyxl
import pytest

from app.database import utcnow
from app.services.regions import by_country_name, country_ranks
from tests.conftest import make_event
from tests.test_console_registrations import names_on, register
from tests.test_exports import read_csv
from tests.test_summaries import attend, build_four_ps

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def workbook(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == XLSX
    return openpyxl.load_workbook(io.BytesIO(response.get_data()))


@pytest.fixture
def countries(app):
    """Three registrants whose countries sort differently in English and in French."""
    event = make_event("Partnership", capacity=100)
    register(event, "Dawit Bekele", country="DE")  # Germany, Allemagne
    register(event, "Amina Yusuf", country="ES")  # Spain, Espagne
    register(event, "Chiara Rossi", country="EG")  # Egypt, Égypte
    return event


def test_the_country_order_follows_the_names_in_each_language():
    assert by_country_name(["DE", "ES", "EG"], "en") == ["EG", "DE", "ES"]  # Egypt, Germany, Spain
    assert by_country_name(["DE", "ES", "EG"], "fr") == ["DE", "EG", "ES"]  # Allemagne, Égypte, Espagne
    ranks = country_ranks("en")
    assert ranks["AF"] < ranks["AX"] < ranks["AL"]  # "Åland Islands" with the A's, before Albania


def test_the_table_sorts_countries_by_their_names_in_the_readers_language(console, countries):
    url = f"/console/events/{countries.id}/registrations?sort=country&order=asc"
    assert names_on(console, url) == ["Chiara Rossi", "Dawit Bekele", "Amina Yusuf"]
    assert names_on(console, url + "&lang=fr") == ["Dawit Bekele", "Chiara Rossi", "Amina Yusuf"]
    assert names_on(console, url.replace("asc", "desc") + "&lang=fr") == [
        "Amina Yusuf",
        "Chiara Rossi",
        "Dawit Bekele",
    ]


def test_the_exports_name_countries_in_the_readers_language_and_sort_by_them(console, countries):
    url = f"/console/events/{countries.id}/registrations"
    rows = read_csv(console.get(f"{url}.csv?sort=country&order=asc&lang=fr"))
    assert [(row[6], row[7]) for row in rows[1:]] == [
        ("DE", "Allemagne"),
        ("EG", "Égypte"),
        ("ES", "Espagne"),
    ]
    sheet = workbook(console.get(f"{url}.xlsx?sort=country&order=asc&lang=ar")).active
    names = [row[7] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert names == ["إسبانيا", "ألمانيا", "مصر"]


def test_accented_names_sort_with_their_letter_in_the_table_and_the_exports(console, app):
    event = make_event("Partnership", capacity=100)
    for name in ("Zoë Ashworth", "Ömer Çelik", "Álvarez Núñez", "Bekele Dawit", "Øverland Kari"):
        register(event, name)
    expected = ["Álvarez Núñez", "Bekele Dawit", "Ömer Çelik", "Øverland Kari", "Zoë Ashworth"]
    url = f"/console/events/{event.id}/registrations"
    assert names_on(console, f"{url}?sort=name&order=asc") == expected
    assert [row[1] for row in read_csv(console.get(f"{url}.csv?sort=name&order=asc"))[1:]] == expected
    sheet = workbook(console.get(f"{url}.xlsx?sort=name&order=asc")).active
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == expected


def test_the_attendance_export_sorts_accented_names_with_their_letter(console, app):
    start = utcnow() - timedelta(days=3)
    event = make_event("Winter meeting", start=start)
    for name in ("Zoë Ashworth", "Ángel Ruiz", "Bekele Dawit", "Émile Durand"):
        attend(event, minutes=60, name=name, email=f"{name.split()[1].lower()}@example.net")
    rows = read_csv(console.get(f"/console/reports/events/{event.id}/attendance.csv"))
    assert [row[0] for row in rows[1:]] == ["Ángel Ruiz", "Bekele Dawit", "Émile Durand", "Zoë Ashworth"]


def test_the_figures_workbooks_hold_days_as_dates(app, signed_in):
    programme = build_four_ps()
    viewer = signed_in("viewer")
    book = workbook(viewer.get(f"/console/reports/series/{programme.series.id}/figures.xlsx"))
    modules = book["Modules"]
    assert modules["B1"].value == "Date"
    assert isinstance(modules["B2"].value, datetime) and modules["B2"].number_format == "yyyy-mm-dd"
    assert isinstance(modules["C2"].value, int)  # registered: a number
    book = workbook(viewer.get("/console/reports/programme/figures.xlsx"))
    meetings = book["Meetings"]
    assert meetings["A1"].value == "Date" and meetings["A2"].number_format == "yyyy-mm-dd"
    assert isinstance(meetings["A2"].value, datetime)
    # The CSV keeps the day as text a person reads.
    rows = read_csv(viewer.get(f"/console/reports/series/{programme.series.id}/figures.csv"))
    day = next(row[1] for row in rows if row and row[0] == "Prevention")
    assert date.fromisoformat(day)
