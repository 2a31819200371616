"""Each chart of the summaries as files for slides and spreadsheets: SVG, PNG at twice the
size, and its figures as CSV; for whoever may read the chart's page, nobody else."""

from __future__ import annotations

import csv
import io
import re

import pytest
from PIL import Image

from app.extensions import db
from app.services.registration import registrations as service
from app.services.reporting import chart_files, charts, summaries
from tests.conftest import make_event
from tests.test_summaries import AMINA, build_four_ps

LINK = re.compile(r'href="(/console/reports/[^"]+/charts/[^"]+)"')


@pytest.fixture
def four_ps(app):
    return build_four_ps()


def links(client, url: str) -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    return [link.replace("&amp;", "&") for link in LINK.findall(response.get_data(as_text=True))]


def test_each_chart_of_each_page_has_its_three_files(four_ps, signed_in):
    viewer = signed_in("viewer")
    pages = {
        f"/console/reports/events/{four_ps.protection.id}": 3,
        f"/console/reports/series/{four_ps.series.id}": 5,
        "/console/reports/programme?from=2020": 5,
    }
    for page, count in pages.items():
        found = links(viewer, page)
        assert len(found) == 3 * count, (page, found)
        for link in found:
            response = viewer.get(link)
            assert response.status_code == 200, link
            kind = link.rsplit(".", 1)[1].split("?")[0]
            assert response.mimetype == {"svg": "image/svg+xml", "png": "image/png", "csv": "text/csv"}[kind]
            assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "from=2020" in links(viewer, "/console/reports/programme?from=2020")[0]


def test_the_png_is_the_chart_at_twice_its_size(four_ps, signed_in):
    url = f"/console/reports/events/{four_ps.protection.id}/charts/event-kinds"
    viewer = signed_in("viewer")
    svg = viewer.get(f"{url}.svg").get_data(as_text=True)
    assert svg.startswith("<?xml") and 'role="img"' in svg
    width, height = (float(v) for v in re.search(r'width="([\d.]+)" height="([\d.]+)"', svg).groups())
    image = Image.open(io.BytesIO(viewer.get(f"{url}.png").get_data()))
    assert image.format == "PNG" and image.size == (round(width * 2), round(height * 2))
    # The bars are drawn in the chart's first colour, on white.
    colours = {colour for _count, colour in image.convert("RGB").getcolors(1 << 20)}
    assert (0x12, 0x36, 0x5C) in colours and (255, 255, 255) in colours


def test_the_csv_holds_the_figures_as_numbers_and_no_formula(app, signed_in):
    event = make_event("Partnership")
    service.register(event, AMINA)
    viewer = signed_in("viewer")
    text = (
        viewer.get(f"/console/reports/events/{event.id}/charts/event-kinds.csv")
        .get_data()
        .decode("utf-8-sig")
    )
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["Kind of organisation", "Confirmed registrants", "Share (%)"]
    assert rows[1] == ["Member state", "1", "100.0"]


def test_a_label_like_a_formula_is_neutralised(app):
    exhibit = charts.Exhibit("x", "X", charts.Markup("<svg/>"), ["Organisation", "People"], [], [["=1+2", 3]])
    rows = list(csv.reader(io.StringIO(chart_files.csv_file(exhibit).decode("utf-8-sig"))))
    assert rows == [["Organisation", "People"], ["'=1+2", "3"]]


def test_arabic_and_rotated_labels_are_drawn(app):
    with app.test_request_context("/?lang=ar"):
        svg = charts.columns(
            "c",
            "عنوان",
            "وصف",
            ["الوقاية", "الحماية", "الملاحقة القضائية الطويلة جدا", "الشراكة"],
            [charts.Series("المشاركون", [3, 5, 2, 4])],
            value_label="الأشخاص",
        )
        assert "rotate(" in str(svg)
        exhibit = charts.Exhibit("c", "عنوان", svg, [], [])
        image = Image.open(io.BytesIO(chart_files.png_file(exhibit)))
    assert image.size == (1280, 640)
    ink = sum(image.convert("L").histogram()[:128])
    assert ink > 2000  # labels, ticks and bars: drawn, not left blank


def test_unknown_charts_and_formats_are_404_and_strangers_are_sent_to_sign_in(four_ps, client, signed_in):
    viewer = signed_in("viewer")
    base = f"/console/reports/events/{four_ps.protection.id}/charts"
    assert viewer.get(f"{base}/nothing.png").status_code == 404
    assert viewer.get(f"{base}/event-kinds.gif").status_code == 404
    assert viewer.get("/console/reports/events/999/charts/event-kinds.png").status_code == 404
    assert (
        viewer.get("/console/reports/programme/charts/programme-meetings.csv?from=nonsense").status_code
        == 400
    )
    assert client.get(f"{base}/event-kinds.png").status_code in (302, 303, 401)


PUBLIC_LINK = re.compile(r'href="(/(?:events|series|programme)[^"]*/charts/[^"]+)"')


def test_a_published_summary_offers_its_charts_files_and_an_unpublished_one_none(four_ps, client):
    event = four_ps.protection
    assert client.get(f"/events/{event.id}/summary/charts/event-kinds.png").status_code == 404
    event.summary_published = True
    db.session.commit()
    summaries.publish_figures(event)  # public pages show the figures last published
    page = client.get(f"/events/{event.id}/summary").get_data(as_text=True)
    found = PUBLIC_LINK.findall(page)
    assert len(found) == 9
    for link in found:
        response = client.get(link.replace("&amp;", "&"))
        assert response.status_code == 200, link
    csv_link = next(link for link in found if link.endswith("event-countries.csv"))
    text = client.get(csv_link).get_data().decode("utf-8-sig")
    assert "@" not in text  # figures only, no one's address
    programme = client.get("/programme").get_data(as_text=True)
    assert PUBLIC_LINK.search(programme)
    assert client.get("/programme/charts/programme-meetings.png?from=nonsense").status_code == 400
