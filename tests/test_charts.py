"""The server-drawn SVG charts: well-formed, named and described, escaped, and plain enough for a PDF."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest

from app.database import utcnow
from app.services.reporting import charts, summaries
from tests.conftest import make_event

SVG = "{http://www.w3.org/2000/svg}"
ALLOWED = {"svg", "title", "desc", "g", "rect", "text", "line"}
NASTY = 'Ministry of <Justice> & "Home" Affairs'


@pytest.fixture
def request_context(app):
    with app.test_request_context():
        yield


def parse(svg) -> ET.Element:
    root = ET.fromstring(str(svg))  # noqa: S314 - our own output, parsed to check it
    assert root.tag == f"{SVG}svg"
    return root


def texts(root: ET.Element) -> list[str]:
    return [element.text or "" for element in root.iter(f"{SVG}text")]


def assert_accessible(root: ET.Element, title: str) -> None:
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    found = {element.get("id"): element for element in root}
    assert found[title_id].tag == f"{SVG}title" and found[title_id].text == title
    assert found[desc_id].tag == f"{SVG}desc" and found[desc_id].text
    assert root.get("viewBox")


def assert_plain(root: ET.Element) -> None:
    """Only shapes a PDF renderer draws, presentation attributes rather than styles, no script."""
    for element in root.iter():
        assert element.tag.removeprefix(SVG) in ALLOWED, element.tag
        assert "style" not in element.attrib
        assert not any(name.startswith("on") for name in element.attrib)


def test_horizontal_bars(request_context):
    svg = charts.bars(
        "kinds",
        "Participants by kind",
        "Bars",
        [(NASTY, 12), ("Academia", 3), ("NGO", 0)],
        value_label="Participants",
    )
    root = parse(svg)
    assert_accessible(root, "Participants by kind")
    assert_plain(root)
    labels = texts(root)
    assert any(label.startswith("Ministry of <Justice> &") for label in labels)  # escaped, then parsed back
    assert {"12", "3", "0", "Participants"} <= set(labels)
    assert "<Justice>" not in str(svg) and "&lt;Justice&gt;" in str(svg)
    assert f"{NASTY}: 12" in root.find(f"{SVG}desc").text
    widths = [float(rect.get("width")) for rect in root.iter(f"{SVG}rect")]
    assert widths[0] > widths[1] > widths[2] == 0  # lengths follow the values


def test_grouped_columns(request_context):
    svg = charts.columns(
        "modules",
        "Per module",
        "Columns",
        ["Prevention", "Protection", NASTY],
        [charts.Series("Registered", [103, 160, 120]), charts.Series("Attended", [80, 147, 101])],
        value_label="People",
        category_label="Module",
    )
    root = parse(svg)
    assert_accessible(root, "Per module")
    assert_plain(root)
    labels = texts(root)
    assert {"103", "160", "147", "People", "Module", "Registered", "Attended"} <= set(labels)
    desc = root.find(f"{SVG}desc").text
    assert "Protection: Registered 160, Attended 147" in desc
    assert str(svg).count("<rect") == 6 + 2  # the bars and the legend's swatches


def test_stacked_columns_show_each_total(request_context):
    svg = charts.columns(
        "meetings",
        "Meetings",
        "Stacked",
        ["2016", "2017"],
        [charts.Series("Steering Committee", [3, 2]), charts.Series("Thematic", [4, 0])],
        value_label="Meetings",
        stacked=True,
    )
    root = parse(svg)
    assert_plain(root)
    labels = texts(root)
    assert "7" in labels and "2" in labels  # the totals on top
    bars = [rect for rect in root.iter(f"{SVG}rect") if float(rect.get("height")) > 12]
    assert len(bars) == 3  # a zero value draws nothing


def test_empty_and_zero_charts_are_still_well_formed(request_context):
    for svg in (
        charts.bars("empty", "Nothing", "", [], value_label="People"),
        charts.bars("zero", "Zero", "", [("A", 0)], value_label="People"),
        charts.columns("none", "None", "", [], [], value_label="People"),
    ):
        assert_plain(parse(svg))


def test_two_charts_on_a_page_have_their_own_ids(request_context):
    first = parse(charts.bars("a b<", "One", "", [("x", 1)], value_label="v"))
    second = parse(charts.bars("other", "Two", "", [("x", 1)], value_label="v"))
    assert first.get("id") == "a-b-" and second.get("id") == "other"
    assert first.get("aria-labelledby") != second.get("aria-labelledby")


def test_ticks_are_round():
    assert charts._ticks(0) == [0, 1]
    assert charts._ticks(7) == [0, 2, 4, 6, 8]
    assert charts._ticks(147) == [0, 50, 100, 150]
    assert charts._ticks(1780)[-1] >= 1780


def test_the_exhibits_of_a_summary_have_a_table_beside_each_chart(app, request_context):
    from app.services.registration.registrations import Applicant, register

    event = make_event("Partnership", start=utcnow() - timedelta(days=3))
    register(
        event,
        Applicant(email="a@example.org", name="A", country="ET", organisation_kind="ngo", organisation=NASTY),
        now=event.start_dt - timedelta(days=5),
    )
    exhibits = charts.event_exhibits(summaries.event_summary(event))
    assert [exhibit.key for exhibit in exhibits] == ["event-kinds", "event-regions", "event-countries"]
    for exhibit in exhibits:
        root = parse(exhibit.svg)
        assert_accessible(root, exhibit.title)
        assert exhibit.rows and all(len(row) == len(exhibit.headers) for row in exhibit.rows)
    assert exhibits[1].rows == [["Eastern Africa", "1", "1"]]
    assert exhibits[2].rows == [["Ethiopia", "1"]]
