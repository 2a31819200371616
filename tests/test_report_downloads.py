"""Downloads of the summaries: PDF reports of an event, a series and the programme, the figures
as CSV and XLSX, an event's attendance (personal data: organisers, audited), and the public PDFs
of published summaries."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import zlib
from collections import Counter
from datetime import datetime, timedelta

import openpyxl
import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import gettext as _
from fontTools.ttLib import TTFont

from app.database import utcnow
from app.extensions import db
from app.models import AuditEntry, Document, DocumentKind, Event
from app.services.mail import certificates
from app.services.reporting import summaries
from app.services.reporting.summaries import local_date
from tests.conftest import add_keynote, make_event, make_series
from tests.test_summaries import attend, build_four_ps

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Registrants of the 4Ps who are not speakers: never in a public PDF.
REGISTRANTS = ("Amina Yusuf", "Siham Osman", "Vincent Cochetel", "Aida Awel", "Walker", "Johan Kruger")


@pytest.fixture
def four_ps(app):
    programme = build_four_ps()
    event = programme.protection
    add_keynote(event, "Conny Rijken", "Professor of Human Trafficking", "Tilburg University")
    event.outcomes = "The participants agreed:\n\n- to **share** good practices\n- to meet again"
    db.session.add_all(
        [
            Document(
                event=event,
                kind=DocumentKind.BACKGROUND_NOTE,
                title="Background note on Protection",
                url="https://example.org/note.pdf",
                position=1,
            ),
            Document(
                event=event,
                kind=DocumentKind.PRESENTATION,
                title="Slides for registrants",
                url="https://example.org/slides.pdf",
                is_public=False,
                position=2,
            ),
        ]
    )
    db.session.commit()
    return programme


# --- reading what a PDF says ----------------------------------------------------------------------------


def pdf_text(pdf: bytes) -> str:
    """The text the pages show in a core font: the string operands of Tj, streams inflated."""
    streams = re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S)
    # A stream whose last byte is a CR loses it to the pattern's "\r?": a decompressor
    # object takes what is there (the checksum may be short; the text is whole).
    operators = "".join(
        zlib.decompressobj().decompress(s).decode("latin-1") for s in streams if s.startswith(b"x")
    )
    shown = re.findall(r"\(((?:[^()\\]|\\.)*)\)\s*Tj", operators)
    return " ".join(re.sub(r"\\(.)", r"\1", text) for text in shown)


def pdf_objects(pdf: bytes) -> dict[bytes, bytes]:
    return dict(re.findall(rb"(?m)^(\d+) 0 obj\s*(.*?)\s*endobj$", pdf, re.S))


def stream_data(obj: bytes) -> bytes:
    data = re.search(rb"stream\r?\n(.*?)\r?\nendstream", obj, re.S).group(1)
    return zlib.decompressobj().decompress(data) if b"/FlateDecode" in obj else data


def reference(obj: bytes, key: bytes) -> bytes:
    return re.search(rb"/" + key + rb"\s*\[?\s*(\d+) 0 R", obj).group(1)


def embedded_fonts(pdf: bytes) -> dict[str, tuple[dict[int, str], TTFont]]:
    """The embedded (TrueType) fonts by resource name: the text each glyph code stands for
    (its ToUnicode map), and the font file itself."""
    objects = pdf_objects(pdf)
    fonts = {}
    for name, number in set(re.findall(rb"/(F\d+) (\d+) 0 R", pdf)):
        font = objects[number]
        if b"/ToUnicode" not in font:
            continue  # a core font
        pairs = re.findall(
            rb"<([0-9A-F]{4})> <([0-9A-F]+)>", stream_data(objects[reference(font, b"ToUnicode")])
        )
        codes = {int(code, 16): bytes.fromhex(text.decode()).decode("utf-16-be") for code, text in pairs}
        descriptor = objects[reference(objects[reference(font, b"DescendantFonts")], b"FontDescriptor")]
        file = TTFont(io.BytesIO(stream_data(objects[reference(descriptor, b"FontFile2")])))
        fonts[name.decode()] = (codes, file)
    return fonts


def shown_lines(pdf: bytes) -> list[str]:
    """What each text object (BT ... ET) of the pages shows, glyph by glyph in the order drawn
    (left to right), each glyph read back as the text it stands for."""
    fonts = embedded_fonts(pdf)
    objects = pdf_objects(pdf)
    lines, line, font = [], "", None
    for page in objects.values():
        if not re.search(rb"/Type /Page\s", page):
            continue
        operators = stream_data(objects[reference(page, b"Contents")]).decode("latin-1")
        pattern = r"/(F\d+) [\d.]+ Tf|\(((?:[^()\\]|\\.)*)\)\s*Tj|\b(ET)\b"
        for name, string, end in re.findall(pattern, operators):
            if name:
                font = name
            elif end:
                lines += [line] if line else []
                line = ""
            else:
                data = re.sub(r"\\(.)", lambda m: "\r" if m.group(1) == "r" else m.group(1), string)
                if font in fonts:
                    codes, raw = fonts[font][0], data.encode("latin-1")
                    line += "".join(
                        codes[int.from_bytes(raw[i : i + 2], "big")] for i in range(0, len(raw), 2)
                    )
                else:
                    line += data
    return lines


def joined_forms(pdf: bytes) -> set[int]:
    """The Arabic presentation forms (the letters' initial, medial and final shapes, U+FE70-FEFF)
    whose glyphs the embedded fonts keep: none unless the text was shaped."""
    return {
        codepoint
        for _codes, font in embedded_fonts(pdf).values()
        for codepoint in font.getBestCmap()
        if 0xFE70 <= codepoint <= 0xFEFF
    }


def needs_unicode_font() -> None:
    if certificates.unicode_font_folder() is None:
        pytest.skip("DejaVu Sans is not installed: Arabic is transliterated to latin-1, not shaped")


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b(?!s)", pdf))


def pdf_title(pdf: bytes) -> str:
    literal, utf16 = re.search(rb"/Title (?:\((.*?)\)|<feff([0-9a-fA-F]+)>)", pdf).groups()
    if literal is not None:
        return literal.decode("latin-1")
    return bytes.fromhex(utf16.decode()).decode("utf-16-be")


def get_pdf(client, url: str, filename: str | None = None) -> bytes:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment; filename=")
    assert re.fullmatch(r'attachment; filename="[a-z0-9-]+\.pdf"', disposition), disposition
    if filename:
        assert disposition == f'attachment; filename="{filename}"'
    pdf = response.get_data()
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    return pdf


def read_csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


def sections(rows: list[list[str]]) -> dict[str, list[list[str]]]:
    """The tables of a CSV of several: each a title row, a header and rows, then an empty row."""
    found, title = {}, None
    for row in rows:
        if not row:
            title = None
        elif title is None:
            title = row[0]
            found[title] = []
        else:
            found[title].append(row)
    return found


def workbook(response):
    assert response.status_code == 200
    assert response.mimetype == XLSX
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True)


def sheet_rows(book, name: str) -> list[tuple]:
    return [tuple(row) for row in book[name].iter_rows(values_only=True)]


def figure_value(rows: list[list[str]], label: str) -> str:
    [value] = [row[2] for row in rows if row[1] == label]
    return value


# --- PDF reports -----------------------------------------------------------------------------------------


def test_the_event_report(four_ps, signed_in):
    event = four_ps.protection
    viewer = signed_in("viewer")
    pdf = get_pdf(
        viewer, f"/console/reports/events/{event.id}/report.pdf", f"event-{event.id}-protection-report.pdf"
    )
    assert pdf_pages(pdf) >= 4
    assert pdf_title(pdf) == "Protection"
    text = pdf_text(pdf)
    local = event.start_dt.astimezone(event.zone)
    for expected in (
        # the cover: programme, title, series, the date in the event's zone, chair and organiser
        "Khartoum Process",
        "Protection",
        "Trafficking in Human Beings: The 4Ps Revisited",
        f"{local.day} {local:%B %Y}, {local:%H:%M}",
        "(UTC+0",
        "The Netherlands",
        "Khartoum Process Secretariat",
        # the generated paragraph, the figures as on the page, the charts' labels and their tables
        "The webinar gathered 5 participants from 4 countries",
        "Registered 7",
        "Attendance rate (%) 60%",
        "Walk-ins (attended without registering) 2",
        "Participants by region",
        "Eastern Africa",
        "Ministry of Labour",
        # agenda and speakers, documents with their public links, outcomes
        "Keynote",
        "Conny Rijken - Professor of Human Trafficking, Tilburg University",
        "Background note on Protection",
        "http://127.0.0.1:5000/documents/",
        "Slides for registrants",
        "For registrants only",
        "3 recommendations recorded.",
        "to share good practices",
        "Page 2 of",
    ):
        assert expected in text, expected


def test_the_charts_are_drawn_with_their_labels(four_ps, signed_in):
    pdf = get_pdf(signed_in("viewer"), f"/console/reports/events/{four_ps.protection.id}/report.pdf")
    operators = b"".join(
        zlib.decompress(s)
        for s in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S)
        if s.startswith(b"x")
    )
    assert b" re" in operators  # the bars
    # A label drawn by the chart (beside its bar) and again in the table under it.
    assert pdf_text(pdf).count("Western Europe") >= 2


def test_the_report_uses_the_saved_summary_text(four_ps, signed_in):
    summaries.save_summary(four_ps.protection, "Over 140 participants met **online**.")
    text = pdf_text(
        get_pdf(signed_in("viewer"), f"/console/reports/events/{four_ps.protection.id}/report.pdf")
    )
    assert "Over 140 participants met online." in text
    assert "The webinar gathered" not in text


def test_the_series_report(four_ps, signed_in):
    series = four_ps.series
    pdf = get_pdf(signed_in("viewer"), f"/console/reports/series/{series.id}/report.pdf")
    assert pdf_pages(pdf) >= 4
    assert pdf_title(pdf) == series.title
    text = pdf_text(pdf)
    assert "Over its 3 modules, the series gathered 5 participants" in " ".join(text.split())
    assert "Module by module" in text and "Registrations and participants per module" in text
    assert "How many modules each participant attended" in text
    assert "Conny Rijken" in text and "Background note on Protection" in text
    assert "* Attendance not recorded" in text
    # The modules in order, each with its own section.
    assert text.index("Prevention") < text.index("Protection") < text.index("Prosecution")
    assert text.rindex("Prevention") < text.rindex("Protection") < text.rindex("Prosecution")


def test_the_programme_report_and_its_period(four_ps, signed_in):
    viewer = signed_in("viewer")
    text = pdf_text(get_pdf(viewer, "/console/reports/programme/report.pdf", "programme-report.pdf"))
    assert "Programme overview" in text
    assert "3 webinars have gathered 8 delegates" in text
    assert "Meetings by kind and year" in text and "Delegates gathered each year" in text
    assert "Prevention" in text and "Prosecution" in text

    year = utcnow().year
    url = f"/console/reports/programme/report.pdf?from={year - 5}&to={year - 4}-12"
    text = pdf_text(get_pdf(viewer, url, f"programme-{year - 5}-01-01-{year - 4}-12-31-report.pdf"))
    assert "No meeting was held in this period." in text
    assert "Prevention" not in text


def test_an_empty_programme_still_makes_a_report(app, signed_in):
    pdf = get_pdf(signed_in("viewer"), "/console/reports/programme/report.pdf")
    assert "No meeting was held in this period." in pdf_text(pdf)


UNICODE_TITLE = "Ḥimāya – حماية"
UNICODE_SPEAKER = "سهام عثمان محمد"


def unicode_event(four_ps) -> Event:
    event = four_ps.protection
    event.title = UNICODE_TITLE
    db.session.commit()
    add_keynote(event, UNICODE_SPEAKER, "Undersecretary", "Ministry of Justice, Sudan")
    return event


def test_unicode_names_are_set_in_a_unicode_font(four_ps, signed_in):
    event = unicode_event(four_ps)
    viewer = signed_in("viewer")
    pdf = get_pdf(
        viewer, f"/console/reports/events/{event.id}/report.pdf", f"event-{event.id}-himaya-report.pdf"
    )
    assert pdf_title(pdf) == UNICODE_TITLE
    if certificates.unicode_font_folder() is not None:
        assert b"/FontFile2" in pdf  # embedded DejaVu, not transliterated
    get_pdf(viewer, f"/console/reports/series/{four_ps.series.id}/report.pdf")


# The joined shapes of UNICODE_SPEAKER: seen, ain and meem initial; heh, theh, meem and hah
# medial; alef and dal final. Unshaped, the letters are drawn isolated (U+0621-064A).
SPEAKER_FORMS = {0xFEB3, 0xFECB, 0xFEE3, 0xFEEC, 0xFE9C, 0xFEE4, 0xFEA4, 0xFE8E, 0xFEAA}


def test_arabic_names_are_joined_and_run_right_to_left(four_ps, signed_in):
    needs_unicode_font()
    event = unicode_event(four_ps)
    pdf = get_pdf(signed_in("viewer"), f"/console/reports/events/{event.id}/report.pdf")
    assert joined_forms(pdf) >= SPEAKER_FORMS
    lines = shown_lines(pdf)
    assert "Ḥimāya – ةيامح" in lines  # the cover's title: Latin left to right, then the Arabic
    # The speaker's line starts with her name, so it runs right to left: her name on the right.
    assert "Undersecretary, Ministry of Justice, Sudan – دمحم نامثع ماهس" in lines


def test_an_arabic_report_runs_right_to_left_page_numbers_included(four_ps, signed_in):
    needs_unicode_font()
    pdf = get_pdf(signed_in("viewer"), f"/console/reports/events/{four_ps.protection.id}/report.pdf?lang=ar")
    pages = pdf_pages(pdf)
    assert 2 <= pages <= 9
    with force_locale("ar"):
        summary, page = _("Summary"), _("Page %(page)s of %(pages)s", page=2, pages=pages)
    lines = shown_lines(pdf)
    assert summary.isalpha() and summary[::-1] in lines
    assert page[::-1] in lines  # e.g. "4 نم 2 ةحفصلا": the count, filled in as the file closes, in its place


def test_arabic_chart_labels_are_joined_and_run_right_to_left(four_ps, signed_in):
    needs_unicode_font()
    pdf = get_pdf(signed_in("viewer"), f"/console/reports/events/{four_ps.protection.id}/report.pdf?lang=ar")
    with force_locale("ar"):
        region = "".join(char for char in _("Western Europe") if unicodedata.category(char) != "Mn")
    lines = shown_lines(pdf)
    assert region[::-1] in lines  # in the table under the chart, shaped by fpdf2
    # Beside its bar: fpdf2 draws SVG text unshaped, so the report gives it the letters' joined
    # forms (presentation forms, which NFKC folds back), in the order they are drawn.
    assert any(
        unicodedata.normalize("NFKC", line) == region[::-1]
        and any("\ufe70" <= char <= "\ufeff" for char in line)
        for line in lines
    )


@pytest.fixture
def without_unicode_font(monkeypatch):
    """A machine without DejaVu Sans installed."""
    monkeypatch.setattr(certificates, "FONT_FOLDERS", ())
    certificates.unicode_font_folder.cache_clear()
    yield
    monkeypatch.undo()
    certificates.unicode_font_folder.cache_clear()


def test_without_a_unicode_font_names_are_transliterated(four_ps, signed_in, without_unicode_font):
    event = unicode_event(four_ps)
    pdf = get_pdf(signed_in("viewer"), f"/console/reports/events/{event.id}/report.pdf")
    assert b"/FontFile2" not in pdf
    assert pdf_title(pdf) == UNICODE_TITLE  # the metadata keeps the name
    text = pdf_text(pdf)
    assert "?im?ya - ?????" in text  # latin-1, typography simplified
    assert "Ministry of Justice, Sudan" in text


# --- figures as CSV and XLSX -------------------------------------------------------------------------------


def test_the_event_figures_as_csv(four_ps, signed_in):
    event = four_ps.protection
    response = signed_in("viewer").get(f"/console/reports/events/{event.id}/figures.csv")
    assert response.headers["Content-Disposition"] == f'attachment; filename="figures-event-{event.id}.csv"'
    tables = sections(read_csv(response))
    assert list(tables) == [
        "Figures",
        "Countries",
        "Regions",
        "Sub-regions",
        "Kinds of organisation",
        "Top organisations",
    ]
    figures = tables["Figures"]
    assert figures[0] == ["Section", "Figure", "Value"]
    assert figure_value(figures, "Registered") == "7"
    assert figure_value(figures, "Confirmed") == "5"
    assert figure_value(figures, "Attendance rate (%)") == "60.0"
    assert figure_value(figures, "Walk-ins (attended without registering)") == "2"
    assert figure_value(figures, "Median minutes online") == "45.0"
    assert figure_value(figures, "Returning participants") == "2"
    assert figure_value(figures, "Recommendations") == "3"
    assert tables["Countries"][0] == ["Country code", "Country", "Participants"]
    assert ["ET", "Ethiopia", "1"] in tables["Countries"]
    assert ["Eastern Africa", "2", "2"] in tables["Sub-regions"]
    assert tables["Top organisations"][1] == ["Ministry of Labour", "2"]


def test_an_event_without_attendance_leaves_its_attendance_figures_empty(four_ps, signed_in):
    response = signed_in("viewer").get(f"/console/reports/events/{four_ps.prevention.id}/figures.csv")
    figures = sections(read_csv(response))["Figures"]
    assert figure_value(figures, "Attendance recorded") == "no"
    assert figure_value(figures, "Attendance rate (%)") == ""
    assert figure_value(figures, "Confirmed registrants") == "2"


def test_formulas_are_neutralised_in_figure_exports(four_ps, signed_in):
    event = four_ps.protection
    attend(
        event, minutes=50, name="Mallory", email="mallory@example.net", organisation='=HYPERLINK("http://x")'
    )
    viewer = signed_in("viewer")
    top = sections(read_csv(viewer.get(f"/console/reports/events/{event.id}/figures.csv")))[
        "Top organisations"
    ]
    assert ['\'=HYPERLINK("http://x")', "1"] in top
    book = workbook(viewer.get(f"/console/reports/events/{event.id}/figures.xlsx"))
    assert ('\'=HYPERLINK("http://x")', 1) in sheet_rows(book, "Top organisations")


def test_the_event_figures_as_xlsx(four_ps, signed_in):
    event = four_ps.protection
    book = workbook(signed_in("viewer").get(f"/console/reports/events/{event.id}/figures.xlsx"))
    assert book.sheetnames == [
        "Figures",
        "Countries",
        "Regions",
        "Sub-regions",
        "Kinds of organisation",
        "Top organisations",
    ]
    figures = sheet_rows(book, "Figures")
    assert figures[0] == ("Section", "Figure", "Value")
    assert ("Registrations", "Registered", 7) in figures
    assert ("Attendance", "Attendance rate (%)", 60) in figures
    assert ("Attendance", "Average minutes online", 49) in figures


def test_the_series_figures_have_a_row_per_module(four_ps, signed_in):
    series = four_ps.series
    viewer = signed_in("viewer")
    tables = sections(read_csv(viewer.get(f"/console/reports/series/{series.id}/figures.csv")))
    modules = tables["Modules"]
    header = modules[0]
    assert header[:3] == ["Module", "Date", "Registered"]
    assert [row[0] for row in modules[1:]] == ["Prevention", "Protection", "Prosecution"]
    column = dict(zip(header, modules[2], strict=True))
    assert column["Registered"] == "7" and column["Participants"] == "5"
    assert column["Counted from"] == "attendance"
    assert column["Change in registrations"] == "4"
    assert dict(zip(header, modules[1], strict=True))["Counted from"] == "confirmed registrations"
    assert figure_value(tables["Figures"], "Different participants") == "5"
    assert tables["Modules attended"][1:] == [["1", "2"], ["2", "3"], ["3", "0"]]

    book = workbook(viewer.get(f"/console/reports/series/{series.id}/figures.xlsx"))
    assert [row[0] for row in sheet_rows(book, "Modules")] == [
        "Module",
        "Prevention",
        "Protection",
        "Prosecution",
    ]


def test_the_programme_figures_by_kind_and_year(four_ps, signed_in):
    viewer = signed_in("viewer")
    tables = sections(read_csv(viewer.get("/console/reports/programme/figures.csv")))
    by_year = tables["Meetings by kind and year"]
    assert by_year[0] == ["Year", "Webinar", "Total", "Delegates gathered"]
    years = Counter(
        local_date(event).year for event in (four_ps.prevention, four_ps.protection, four_ps.prosecution)
    )
    assert {row[0]: row[1] for row in by_year[1:]} == {str(year): str(count) for year, count in years.items()}
    assert sum(int(row[3]) for row in by_year[1:]) == 8
    assert figure_value(tables["Figures"], "Meetings") == "3"
    assert [row[1] for row in tables["Meetings"][1:]] == ["Prevention", "Protection", "Prosecution"]

    year = utcnow().year
    response = viewer.get(f"/console/reports/programme/figures.xlsx?from={year - 5}&to={year - 4}")
    book = workbook(response)
    assert sheet_rows(book, "Meetings by kind and year") == [("Year", "Total", "Delegates gathered")]
    assert (
        f"figures-programme-{year - 5}-01-01-{year - 4}-12-31.xlsx" in response.headers["Content-Disposition"]
    )


# --- attendance: personal data --------------------------------------------------------------------------


def test_the_attendance_export(four_ps, console):
    event = four_ps.protection
    response = console.get(f"/console/reports/events/{event.id}/attendance.csv")
    assert (
        response.headers["Content-Disposition"] == f'attachment; filename="attendance-event-{event.id}.csv"'
    )
    rows = read_csv(response)
    header = rows[0]
    assert header == [
        "Name",
        "Email",
        "Organisation",
        "Country code",
        "Country",
        "Registration status",
        "Attended",
        "Minutes",
        "First join (Europe/Brussels)",
        "Last leave (Europe/Brussels)",
        "Source",
    ]
    people = {row[0]: dict(zip(header, row, strict=True)) for row in rows[1:]}
    assert set(people) == {
        "Amina Yusuf",
        "Conny Rijken",
        "Vincent Cochetel",
        "Siham Osman",  # 5 minutes: recorded, did not count as attended
        "Aida Awel",  # confirmed, not in the report: a no-show
        "Walker O.",  # a walk-in known as a delegate, under the name the report gave
        "Anonymous caller",  # a walk-in nobody knows
    }
    assert people["Amina Yusuf"]["Email"] == "amina.yusuf@example.org"
    assert people["Amina Yusuf"]["Registration status"] == "Confirmed"
    assert (people["Amina Yusuf"]["Attended"], people["Amina Yusuf"]["Minutes"]) == ("yes", "90")
    assert people["Amina Yusuf"]["Source"] == "Zoom report"
    assert people["Amina Yusuf"]["Country"] == "Ethiopia"
    assert (people["Siham Osman"]["Attended"], people["Siham Osman"]["Minutes"]) == ("no", "5")
    assert (
        people["Aida Awel"]["Attended"],
        people["Aida Awel"]["Minutes"],
        people["Aida Awel"]["Source"],
    ) == (
        "no",
        "",
        "",
    )
    assert people["Anonymous caller"]["Registration status"] == "Walk-in (not registered)"
    assert people["Walker O."]["Email"] == "walker.odhiambo@example.org"
    # Those who attended first.
    assert [row[6] for row in rows[1:]] == sorted((row[6] for row in rows[1:]), key=lambda v: v != "yes")

    [entry] = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "attendance.export")).all()
    assert entry.target_type == "event" and entry.target_id == event.id
    assert entry.account_id == console.account.id
    assert entry.details == {"format": "csv", "rows": 7}


def test_join_and_leave_are_in_the_events_zone_with_its_offset(app, console):
    start = utcnow().replace(month=1, day=15, hour=9, minute=0, second=0, microsecond=0) - timedelta(days=366)
    event = make_event("Winter meeting", start=start, timezone="Africa/Addis_Ababa")
    attend(
        event,
        minutes=62,
        name="=1+2",
        email="walk.in@example.net",
        first_join_dt=start + timedelta(minutes=2),
        last_leave_dt=start + timedelta(minutes=64),
    )
    rows = read_csv(console.get(f"/console/reports/events/{event.id}/attendance.csv"))
    [row] = rows[1:]
    assert row[0] == "'=1+2"  # a formula made text
    assert row[8] == f"{start:%Y-%m-%d} 12:02+03:00"
    assert row[9] == f"{start:%Y-%m-%d} 13:04+03:00"

    book = workbook(console.get(f"/console/reports/events/{event.id}/attendance.xlsx"))
    [sheet] = book.sheetnames
    header, *cells = sheet_rows(book, sheet)
    assert header[8] == "First join (Africa/Addis_Ababa)"
    assert cells == [
        (
            "'=1+2",
            "walk.in@example.net",
            None,
            None,
            None,
            "Walk-in (not registered)",
            "yes",
            62,
            # Dates a spreadsheet computes with, in the zone the header names.
            datetime(start.year, start.month, start.day, 12, 2),
            datetime(start.year, start.month, start.day, 13, 4),
            "Zoom report",
        )
    ]
    assert book[sheet]["I2"].is_date and book[sheet]["I2"].number_format == "yyyy-mm-dd hh:mm"
    formats = db.session.scalars(
        sa.select(AuditEntry.details).where(AuditEntry.action == "attendance.export").order_by(AuditEntry.id)
    ).all()
    assert [details["format"] for details in formats] == ["csv", "xlsx"]


# --- who may download what ----------------------------------------------------------------------------


def test_viewers_get_figures_but_not_attendance(four_ps, signed_in):
    event = four_ps.protection
    viewer = signed_in("viewer")
    for fmt in ("csv", "xlsx"):
        assert viewer.get(f"/console/reports/events/{event.id}/attendance.{fmt}").status_code == 403
        assert viewer.get(f"/console/reports/events/{event.id}/figures.{fmt}").status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.action == "attendance.export")) == 0


def test_anonymous_visitors_are_sent_to_sign_in(four_ps, client):
    event, series = four_ps.protection, four_ps.series
    for url in (
        f"/console/reports/events/{event.id}/report.pdf",
        f"/console/reports/series/{series.id}/report.pdf",
        "/console/reports/programme/report.pdf",
        f"/console/reports/events/{event.id}/figures.csv",
        f"/console/reports/series/{series.id}/figures.xlsx",
        "/console/reports/programme/figures.csv",
        f"/console/reports/events/{event.id}/attendance.csv",
    ):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.headers["Location"].startswith("/console/login"), url


def test_the_summary_pages_link_their_downloads(four_ps, signed_in):
    event = four_ps.protection
    viewer, organiser = signed_in("viewer"), signed_in("organiser")
    html = viewer.get(f"/console/reports/events/{event.id}").get_data(as_text=True)
    assert f"/console/reports/events/{event.id}/report.pdf" in html
    assert f"/console/reports/events/{event.id}/figures.xlsx" in html
    assert "attendance.csv" not in html
    html = organiser.get(f"/console/reports/events/{event.id}").get_data(as_text=True)
    assert f"/console/reports/events/{event.id}/attendance.csv" in html
    html = viewer.get(f"/console/reports/series/{four_ps.series.id}").get_data(as_text=True)
    assert f"/console/reports/series/{four_ps.series.id}/figures.csv" in html
    html = viewer.get("/console/reports/programme?from=2015&to=2030").get_data(as_text=True)
    assert "/console/reports/programme/report.pdf?from=2015&amp;to=2030" in html


# --- bad input ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/console/reports/events/999/report.pdf",
        "/console/reports/series/999/report.pdf",
        "/console/reports/events/999/figures.csv",
        "/console/reports/series/999/figures.xlsx",
        "/console/reports/events/999/attendance.csv",
        "/console/reports/events/999/attendance.xlsx",
        "/console/reports/events/1/figures.pdf",
        "/console/reports/events/x/report.pdf",
        "/events/999/summary.pdf",
        "/series/999/summary.pdf",
    ],
)
def test_unknown_ids_and_formats_are_404(app, signed_in, url):
    assert signed_in("organiser").get(url).status_code == 404


@pytest.mark.parametrize(
    "query", ["from=2015-13", "from=15", "to=x", "from=2020&to=2019", "from=" + "9" * 50, "to=2020-00"]
)
def test_a_bad_period_is_400_with_the_form(four_ps, signed_in, query):
    viewer = signed_in("viewer")
    for url in ("/console/reports/programme/report.pdf", "/console/reports/programme/figures.csv"):
        response = viewer.get(f"{url}?{query}")
        assert response.status_code == 400, (url, query)
        assert response.mimetype == "text/html"
        assert "error-summary" in response.get_data(as_text=True)


# --- the public PDFs of published summaries -------------------------------------------------------------


def test_the_public_event_pdf_only_once_published_and_without_registrants(four_ps, client):
    event = four_ps.protection
    url = f"/events/{event.id}/summary.pdf"
    assert client.get(url).status_code == 404
    summaries.save_summary(event, "Over 140 participants from a broad geographical range.")
    assert client.get(url).status_code == 404  # saved, not published

    summaries.save_summary(event, "Over 140 participants from a broad geographical range.", publish=True)
    pdf = get_pdf(client, url, f"event-{event.id}-protection-summary.pdf")
    text = pdf_text(pdf)
    assert "Over 140 participants from a broad geographical range." in text
    assert "Participants by country" in text and "Eastern Africa" in text
    assert "Conny Rijken" in text  # a speaker: public on the event page
    assert "Background note on Protection" in text
    assert "Slides for registrants" not in text
    assert "Registered" not in text and "No-shows" not in text
    assert "Ministry of Labour" not in text  # the organisations of registrants
    for name in REGISTRANTS:
        assert name not in text, name
    assert client.get(f"/events/{event.id}/summary").status_code == 200
    assert f"/events/{event.id}/summary.pdf" in client.get(f"/events/{event.id}/summary").get_data(
        as_text=True
    )

    db.session.rollback()  # the pages above committed the people they counted
    event.is_published = False
    db.session.commit()
    assert client.get(url).status_code == 404


def test_the_public_series_pdf(four_ps, client):
    series = four_ps.series
    url = f"/series/{series.id}/summary.pdf"
    assert client.get(url).status_code == 404
    four_ps.prosecution.is_published = False
    db.session.commit()
    summaries.save_summary(series, "Four webinars on the 4Ps.", publish=True)
    text = pdf_text(get_pdf(client, url))
    assert "Four webinars on the 4Ps." in text
    assert "Prevention" in text and "Protection" in text
    assert "Prosecution" not in text  # not published
    for name in REGISTRANTS:
        assert name not in text, name
    assert url in client.get(f"/series/{series.id}/summary").get_data(as_text=True)


def test_a_standalone_event_report_names_the_programme_as_organiser(app, signed_in):
    event = make_event("Senior Officials' Meeting", start=utcnow() - timedelta(days=3), series=None)
    series = make_series("Empty series")
    viewer = signed_in("viewer")
    text = pdf_text(get_pdf(viewer, f"/console/reports/events/{event.id}/report.pdf"))
    assert "ORGANISER Khartoum Process" in text
    assert "No participants were recorded for this event." in text
    text = pdf_text(get_pdf(viewer, f"/console/reports/series/{series.id}/report.pdf"))
    assert "This series has no events yet." in text
    modules = sections(read_csv(viewer.get(f"/console/reports/series/{series.id}/figures.csv")))["Modules"]
    assert modules[0][0] == "Module" and len(modules) == 1
