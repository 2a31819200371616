"""Bar charts drawn on the server as SVG, for people who would rather look than read.

No script and no library: plain `rect`, `text` and `line` elements with
presentation attributes (no style attributes), so the same SVG shows in a page
and can be drawn into a PDF. Each chart is an image with a name and a
description (role="img", <title>, <desc>, aria-labelledby) that reads out its
figures; pages also show the figures as a table beside it. Every text is
escaped: labels come from what delegates typed.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from flask_babel import format_decimal, format_percent, ngettext
from flask_babel import gettext as _
from markupsafe import Markup, escape

# Colour-blind-safe fills (after Okabe and Ito), each with the ink readable on it.
PALETTE = (
    ("#12365c", "#ffffff"),
    ("#e69f00", "#1d2330"),
    ("#0b6e4f", "#ffffff"),
    ("#cc79a7", "#1d2330"),
    ("#56b4e9", "#1d2330"),
    ("#d55e00", "#ffffff"),
    ("#7a5195", "#ffffff"),
    ("#4a5568", "#ffffff"),
)
INK, MUTED, GRID = "#1d2330", "#4a5568", "#d8dde5"
FONT = "system-ui, -apple-system, Segoe UI, Roboto, Arial, sans-serif"
FONT_SIZE = 12
CHAR_WIDTH = 6.6  # an average glyph at FONT_SIZE, to lay out labels without measuring text


@dataclass(frozen=True)
class Series:
    """One set of values of a column chart, one value per category."""

    name: str
    values: Sequence[float]


def number(value: float) -> str:
    return format_decimal(value)


# --- the two kinds of chart ----------------------------------------------------------------


def bars(
    chart_id: str,
    title: str,
    description: str,
    items: Sequence[tuple[str, float]],
    *,
    value_label: str,
    width: int = 640,
    fmt: Callable[[float], str] = number,
) -> Markup:
    """Horizontal bars, largest first as given: countries, regions, kinds of organisation."""
    bar, gap, top, bottom = 20, 8, 8, 44
    label_width = _label_width([label for label, _ in items], limit=220)
    plot_x, plot_width = label_width + 10, width - label_width - 10 - 56
    height = top + max(len(items), 1) * (bar + gap) + bottom
    ticks = _ticks(max((value for _, value in items), default=0))
    scale = plot_width / ticks[-1]
    axis_y = height - bottom
    parts = []
    for tick in ticks:
        x = plot_x + tick * scale
        parts.append(_line(x, top, x, axis_y, GRID))
        parts.append(_text(x, axis_y + 16, fmt(tick), anchor="middle", fill=MUTED))
    parts.append(_line(plot_x, top, plot_x, axis_y, MUTED))
    for index, (label, value) in enumerate(items):
        y = top + index * (bar + gap) + gap / 2
        length = value * scale
        parts.append(
            _group(
                f"{label}: {fmt(value)}",
                _rect(plot_x, y, length, bar, PALETTE[0][0]),
                _text(plot_x - 6, y + bar / 2 + 4, _shorten(label, label_width), anchor="end"),
                _text(plot_x + length + 4, y + bar / 2 + 4, fmt(value), weight="bold"),
            )
        )
    parts.append(_text(plot_x + plot_width / 2, height - 8, value_label, anchor="middle", fill=MUTED))
    summary = "; ".join(f"{label}: {fmt(value)}" for label, value in items)
    return _svg(chart_id, width, height, title, _join(description, summary), parts)


def columns(
    chart_id: str,
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    value_label: str,
    category_label: str = "",
    stacked: bool = False,
    width: int = 640,
    height: int = 320,
    fmt: Callable[[float], str] = number,
) -> Markup:
    """Vertical columns per category: side by side for each series, or stacked into one."""
    legend = _legend(series, width) if len(series) > 1 or stacked else []
    legend_height = (max((row for row, _ in legend), default=-1) + 1) * 20
    rotate = _needs_rotation(categories, width)
    left, right = 56, 12
    top = 8 + legend_height + 16
    bottom = 24 + (min(max(map(len, categories), default=0), 22) * 5 if rotate else 18) + 18
    plot_width, plot_height = width - left - right, height - top - bottom
    totals = [sum(values) for values in zip(*(s.values for s in series), strict=True)] if series else []
    highest = max(totals if stacked else [v for s in series for v in s.values], default=0)
    ticks = _ticks(highest)
    scale = plot_height / ticks[-1]
    axis_y = top + plot_height
    parts = _legend_entries(series, legend) if legend else []
    for tick in ticks:
        y = axis_y - tick * scale
        parts.append(_line(left, y, width - right, y, GRID))
        parts.append(_text(left - 6, y + 4, fmt(tick), anchor="end", fill=MUTED))
    parts.append(_line(left, axis_y, width - right, axis_y, MUTED))
    band = plot_width / max(len(categories), 1)
    for index, category in enumerate(categories):
        x = left + index * band
        values = [(s, s.values[index], _colours(position)) for position, s in enumerate(series)]
        draw = _stack if stacked else _side_by_side
        parts.extend(draw(category, values, x, band, axis_y, scale, fmt))
        parts.append(_category_label(x + band / 2, axis_y, category, band, rotate))
    parts.append(
        _text(
            14,
            top + plot_height / 2,
            value_label,
            anchor="middle",
            fill=MUTED,
            rotate=(-90, 14, top + plot_height / 2),
        )
    )
    if category_label:
        parts.append(_text(left + plot_width / 2, height - 6, category_label, anchor="middle", fill=MUTED))
    summary = "; ".join(
        f"{category}: " + ", ".join(f"{s.name} {fmt(s.values[index])}" for s in series)
        for index, category in enumerate(categories)
    )
    return _svg(chart_id, width, height, title, _join(description, summary), parts)


def _side_by_side(category, values, x, band, axis_y, scale, fmt) -> list[str]:
    width = min(band * 0.76 / max(len(values), 1), 56)
    inner = width * len(values)
    start = x + (band - inner) / 2
    parts = []
    for position, (series, value, (fill, _ink)) in enumerate(values):
        bar_x, length = start + position * width, value * scale
        parts.append(
            _group(
                f"{category}, {series.name}: {fmt(value)}",
                _rect(bar_x + 1, axis_y - length, width - 2, length, fill),
                _text(
                    bar_x + width / 2,
                    axis_y - length - 4,
                    fmt(value),
                    anchor="middle",
                    weight="bold",
                    size=11,
                ),
            )
        )
    return parts


def _stack(category, values, x, band, axis_y, scale, fmt) -> list[str]:
    width = min(band * 0.6, 72)
    bar_x, y = x + (band - width) / 2, axis_y
    parts = []
    for series, value, (fill, ink) in values:
        if not value:
            continue
        length = value * scale
        y -= length
        inside = (
            _text(bar_x + width / 2, y + length / 2 + 4, fmt(value), anchor="middle", fill=ink, size=11)
            if length >= 15
            else ""
        )
        parts.append(
            _group(f"{category}, {series.name}: {fmt(value)}", _rect(bar_x, y, width, length, fill), inside)
        )
    total = sum(value for _, value, _ in values)
    parts.append(_text(bar_x + width / 2, y - 4, fmt(total), anchor="middle", weight="bold"))
    return parts


# --- pieces --------------------------------------------------------------------------------


def _ticks(highest: float, count: int = 5) -> list[float]:
    """Round steps (1, 2, 5 x 10^n) from 0 to at least `highest`."""
    if highest <= 0:
        return [0, 1]
    rough = highest / count
    magnitude = 10 ** math.floor(math.log10(rough))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= rough)
    step = max(step, 1)
    return [step * i for i in range(math.ceil(highest / step) + 1)]


def _label_width(labels: Sequence[str], limit: int) -> int:
    return int(min(max((len(label) for label in labels), default=4) * CHAR_WIDTH + 8, limit))


def _shorten(label: str, space: float) -> str:
    fits = max(int(space / CHAR_WIDTH), 4)
    return label if len(label) <= fits else label[: fits - 1].rstrip() + "…"


def _needs_rotation(categories: Sequence[str], width: int) -> bool:
    band = (width - 68) / max(len(categories), 1)
    return any(len(category) * CHAR_WIDTH > band - 4 for category in categories)


def _category_label(x: float, axis_y: float, category: str, band: float, rotate: bool) -> str:
    if rotate:
        y = axis_y + 14
        return _text(x, y, _shorten(category, 22 * CHAR_WIDTH), anchor="end", rotate=(-35, x, y))
    return _text(x, axis_y + 16, _shorten(category, band), anchor="middle")


def _legend(series: Sequence[Series], width: int) -> list[tuple[int, float]]:
    """(row, x) of each series' entry, wrapping to fit the width."""
    places, row, x = [], 0, 56.0
    for entry in series:
        entry_width = 18 + len(entry.name) * CHAR_WIDTH + 16
        if x + entry_width > width and x > 56:
            row, x = row + 1, 56.0
        places.append((row, x))
        x += entry_width
    return places


def _legend_entries(series: Sequence[Series], places: list[tuple[int, float]]) -> list[str]:
    parts = []
    for position, (entry, (row, x)) in enumerate(zip(series, places, strict=True)):
        y = 8 + row * 20
        parts.append(_rect(x, y, 12, 12, _colours(position)[0]))
        parts.append(_text(x + 18, y + 10, entry.name))
    return parts


def _colours(position: int) -> tuple[str, str]:
    return PALETTE[position % len(PALETTE)]


def _svg(chart_id: str, width: int, height: int, title: str, description: str, parts: list[str]) -> Markup:
    ident = re.sub(r"[^A-Za-z0-9_-]", "-", chart_id) or "chart"
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height:.0f}" '
        f'viewBox="0 0 {width} {height:.0f}" role="img" aria-labelledby="{ident}-title {ident}-desc" '
        f'id="{ident}" font-family="{escape(FONT)}" font-size="{FONT_SIZE}" fill="{INK}">'
        f'<title id="{ident}-title">{escape(title)}</title>'
        f'<desc id="{ident}-desc">{escape(description)}</desc>'
    )
    return Markup(head + "".join(parts) + "</svg>")  # noqa: S704 - every text and attribute escaped


def _join(description: str, summary: str) -> str:
    if not summary:
        return description
    return f"{description.rstrip('.')}. {summary}." if description else f"{summary}."


def _attrs(**attrs) -> str:
    return " ".join(
        f'{name.replace("_", "-")}="{escape(value)}"' for name, value in attrs.items() if value is not None
    )


def _coord(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


def _rect(x: float, y: float, width: float, height: float, fill: str) -> str:
    size = _attrs(width=_coord(max(width, 0)), height=_coord(max(height, 0)))
    return f"<rect {_attrs(x=_coord(x), y=_coord(y))} {size} {_attrs(fill=fill)}/>"


def _line(x1: float, y1: float, x2: float, y2: float, stroke: str) -> str:
    ends = _attrs(x1=_coord(x1), y1=_coord(y1), x2=_coord(x2), y2=_coord(y2))
    return f'<line {ends} {_attrs(stroke=stroke)} stroke-width="1"/>'


def _text(
    x: float,
    y: float,
    content: str,
    *,
    anchor: str | None = None,
    fill: str | None = None,
    weight: str | None = None,
    size: int | None = None,
    rotate: tuple[float, float, float] | None = None,
) -> str:
    transform = f"rotate({rotate[0]} {_coord(rotate[1])} {_coord(rotate[2])})" if rotate else None
    attrs = _attrs(
        x=_coord(x),
        y=_coord(y),
        text_anchor=anchor,
        fill=fill,
        font_weight=weight,
        font_size=size,
        transform=transform,
    )
    return f"<text {attrs}>{escape(content)}</text>"


def _group(label: str, *children: str) -> str:
    """Shapes that belong together, named for a pointer hovering them."""
    return f"<g><title>{escape(label)}</title>{''.join(children)}</g>"


# --- the charts of the summaries -----------------------------------------------------------------


@dataclass(frozen=True)
class Exhibit:
    """A chart and the same figures as a table, shown side by side; `data` are the table's
    rows as values (numbers as numbers), for the chart's CSV, under `data_headers` if the
    table's headers do not fit them."""

    key: str
    title: str
    svg: Markup
    headers: Sequence[str]
    rows: Sequence[Sequence[str]]
    data: Sequence[Sequence[str | int | float]] = ()
    data_headers: Sequence[str] = ()

    def data_table(self) -> tuple[Sequence[str], Sequence[Sequence]]:
        return (self.data_headers or self.headers), (self.data or self.rows)


COUNTRIES_IN_CHART = 15


def _share_exhibits(prefix: str, breakdowns, people: str) -> list[Exhibit]:
    """Kinds of organisation, regions and countries: the same three for every summary."""
    kinds = breakdowns.organisation_kinds
    total = sum(share.count for share in kinds) or 1
    areas = breakdowns.sub_regions
    countries = breakdowns.countries
    return [
        Exhibit(
            key=f"{prefix}-kinds",
            title=_("Participants by kind of organisation"),
            svg=bars(
                f"{prefix}-kinds-chart",
                _("Participants by kind of organisation"),
                _("Horizontal bars: participants of each kind of organisation"),
                [(share.label, share.count) for share in kinds],
                value_label=people,
            ),
            headers=[_("Kind of organisation"), people, _("Share")],
            rows=[[share.label, number(share.count), format_percent(share.count / total)] for share in kinds],
            data=[[share.label, share.count, round(share.count * 100 / total, 1)] for share in kinds],
            data_headers=[_("Kind of organisation"), people, _("Share (%)")],
        ),
        Exhibit(
            key=f"{prefix}-regions",
            title=_("Participants by region"),
            svg=bars(
                f"{prefix}-regions-chart",
                _("Participants by region"),
                _("Horizontal bars: participants from each region (UN M49)"),
                [(share.label, share.count) for share in areas],
                value_label=people,
            ),
            headers=[_("Region"), _("Countries"), people],
            rows=[[share.label, number(share.countries), number(share.count)] for share in areas],
            data=[[share.label, share.countries, share.count] for share in areas],
        ),
        Exhibit(
            key=f"{prefix}-countries",
            title=_("Participants by country"),
            svg=bars(
                f"{prefix}-countries-chart",
                _("Participants by country"),
                ngettext(
                    "Horizontal bars: the country with most participants",
                    "Horizontal bars: the %(num)d countries with most participants",
                    min(len(countries), COUNTRIES_IN_CHART),
                ),
                [(share.label, share.count) for share in countries[:COUNTRIES_IN_CHART]],
                value_label=people,
            ),
            headers=[_("Country"), people],
            rows=[[share.label, number(share.count)] for share in countries],
            data=[[share.label, share.count] for share in countries],
        ),
    ]


def event_exhibits(summary) -> list[Exhibit]:
    return _share_exhibits(
        "event", summary.breakdowns, _participants_label(summary.figures.based_on_registrations)
    )


def _participants_label(from_registrations: bool) -> str:
    return _("Confirmed registrants") if from_registrations else _("Participants")


def series_exhibits(summary) -> list[Exhibit]:
    titles = [row.figures.event.title for row in summary.rows]
    registered = [row.figures.registered for row in summary.rows]
    took_part = [row.figures.participants for row in summary.rows]
    modules = Exhibit(
        key="series-modules",
        title=_("Registrations and participants per module"),
        svg=columns(
            "series-modules-chart",
            _("Registrations and participants per module"),
            _("Columns: registrations and participants of each module, in order"),
            titles,
            [Series(_("Registrations"), registered), Series(_("Participants"), took_part)],
            value_label=_("People"),
            category_label=_("Module"),
        ),
        headers=[_("Module"), _("Registrations"), _("Participants")],
        rows=[
            [title, number(r), number(p)] for title, r, p in zip(titles, registered, took_part, strict=True)
        ],
        data=[list(row) for row in zip(titles, registered, took_part, strict=True)],
    )
    labels = [
        ngettext("%(num)d module", "%(num)d modules", count) for count, _people in summary.modules_attended
    ]
    loyalty = Exhibit(
        key="series-loyalty",
        title=_("How many modules each participant attended"),
        svg=bars(
            "series-loyalty-chart",
            _("How many modules each participant attended"),
            _("Horizontal bars: people who took part in one, two or more modules"),
            [
                (label, people)
                for label, (_count, people) in zip(labels, summary.modules_attended, strict=True)
            ],
            value_label=_("People"),
        ),
        headers=[_("Modules attended"), _("People")],
        rows=[
            [label, number(people)]
            for label, (_count, people) in zip(labels, summary.modules_attended, strict=True)
        ],
        data=[
            [label, people] for label, (_count, people) in zip(labels, summary.modules_attended, strict=True)
        ],
    )
    return [modules, loyalty, *_share_exhibits("series", summary.breakdowns, _("Participations"))]


def programme_exhibits(summary) -> list[Exhibit]:
    years = [str(year) for year in summary.years]
    by_kind = [
        Series(kind.title, [summary.meetings[year][kind] for year in summary.years]) for kind in summary.kinds
    ]
    meetings = Exhibit(
        key="programme-meetings",
        title=_("Meetings by kind and year"),
        svg=columns(
            "programme-meetings-chart",
            _("Meetings by kind and year"),
            _("Stacked columns: the meetings held each year, by kind"),
            years,
            by_kind,
            value_label=_("Meetings"),
            category_label=_("Year"),
            stacked=True,
        ),
        headers=[_("Year"), *[kind.title for kind in summary.kinds], _("Total")],
        rows=[
            [year, *[number(s.values[index]) for s in by_kind], number(sum(s.values[index] for s in by_kind))]
            for index, year in enumerate(years)
        ],
        data=[
            [year, *[s.values[index] for s in by_kind], sum(s.values[index] for s in by_kind)]
            for index, year in enumerate(years)
        ],
    )
    gathered = [summary.participations_by_year.get(year, 0) for year in summary.years]
    delegates = Exhibit(
        key="programme-delegates",
        title=_("Delegates gathered each year"),
        svg=columns(
            "programme-delegates-chart",
            _("Delegates gathered each year"),
            _("Columns: participants of the year's meetings, a person counted once per meeting"),
            years,
            [Series(_("Delegates"), gathered)],
            value_label=_("Delegates"),
            category_label=_("Year"),
        ),
        headers=[_("Year"), _("Delegates")],
        rows=[[year, number(count)] for year, count in zip(years, gathered, strict=True)],
        data=[[year, count] for year, count in zip(years, gathered, strict=True)],
    )
    return [meetings, delegates, *_share_exhibits("programme", summary.breakdowns, _("Participations"))]
