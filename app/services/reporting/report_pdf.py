"""Printable reports of an event, a series or the programme: a modern version of the
secretariat's Reader, as PDF bytes made in the request (a few pages, a few charts).

A report is first written as plain blocks (headings, paragraphs, tables, charts),
then drawn on A4 with fpdf2. Writing it first lets the drawing know every text
it will set, and so choose the font as the certificates do (certificates.py):
the PDF core fonts when everything fits latin-1, DejaVu Sans when something does
not and the machine has it (shaped: Arabic joined and set right to left), else the
text transliterated rather than refused.

The charts are the very SVGs of the summary pages (charts.py): fpdf2 draws
their bars, lines and <text> labels. Only their font is changed here, to the
report's, and their <title>/<desc> (the screen reader's description, which a PDF
drawing cannot carry) are left out; the same figures follow each chart as a table.
fpdf2 draws SVG text unshaped, so an Arabic label is shaped here beforehand
(drawn_in_order).

The public reports carry what the public summary pages show: aggregates, the
agenda and speakers, public documents -- never a registrant's name.
"""

from __future__ import annotations

import html
import io
import logging
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import current_app
from flask_babel import format_date, format_percent, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from fpdf import FPDF
from fpdf.bidi import BidiParagraph, auto_detect_base_direction
from fpdf.enums import TextDirection
from fpdf.fonts import FontFace, TTFFont

from ...database import utcnow
from ...formatting import agenda_hours, event_when, isolate, long_date
from ...models import AgendaItem, Document, Event, Series, SpeakerRole
from ..links import external_url
from ..mail.certificates import (
    CORE_FONT,
    GREY,
    NAVY,
    UNICODE_FONT,
    add_unicode_font,
    to_latin1,
)
from . import charts, delegations, narrative, summaries
from .figure_exports import Figure, event_figures, participants_label, programme_figures, series_figures
from .summaries import EventSummary, ProgrammeSummary, SeriesSummary, local_date

# fontTools reports every glyph it keeps when the Unicode font is subset: noise in the logs.
logging.getLogger("fontTools").setLevel(logging.WARNING)

PDF_MIMETYPE = "application/pdf"
LIGHT = (232, 237, 243)
STRIPE = (246, 248, 250)
RULE = (200, 207, 216)
CHART_WIDTH = 170  # mm


# --- the blocks a report is written in ---------------------------------------------------------------


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Text:
    text: str
    muted: bool = False


@dataclass(frozen=True)
class Bullets:
    items: Sequence[str]


@dataclass(frozen=True)
class Grid:
    """A table: a header row and rows of text; every column after the first is right-aligned
    unless `aligns` says otherwise; `widths` are relative."""

    header: Sequence[str]
    rows: Sequence[Sequence[str]]
    widths: Sequence[float] | None = None
    aligns: Sequence[str] | None = None


@dataclass(frozen=True)
class Chart:
    svg: str


Block = Heading | Text | Bullets | Grid | Chart


def _block_texts(block: Block) -> Iterator[str]:
    if isinstance(block, Heading | Text):
        yield block.text
    elif isinstance(block, Bullets):
        yield from block.items
    elif isinstance(block, Grid):
        yield from block.header
        for row in block.rows:
            yield from row
    else:
        yield block.svg  # only its labels can be other than ASCII


@dataclass
class Report:
    """What a report says, already in the reader's language."""

    filename: str
    programme: str
    kicker: str
    title: str
    lines: list[str] = field(default_factory=list)  # under the title on the cover: dates, place
    people: list[tuple[str, str]] = field(default_factory=list)  # (capacity, who)
    blocks: list[Block] = field(default_factory=list)

    def texts(self) -> Iterator[str]:
        yield from (self.programme, self.kicker, self.title, *self.lines)
        for capacity, who in self.people:
            yield from (capacity, who)
        for block in self.blocks:
            yield from _block_texts(block)


@dataclass(frozen=True)
class PdfFile:
    filename: str
    content: bytes
    mimetype: str = PDF_MIMETYPE


# --- pieces shared by the reports ---------------------------------------------------------------------


def safe_filename(*parts: object) -> str:
    """ASCII letters, digits and hyphens only: safe in a Content-Disposition header on any system."""
    text = "-".join(str(part) for part in parts if part not in (None, ""))
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    stem = re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower()[:80].rstrip("-")
    return f"{stem or 'report'}.pdf"


LIST_ITEM = re.compile(r"^\s*(?:[-*+]|\d+[.)])\s+")
MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\(([^)\s]+)[^)]*\)")
EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1|(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?!\w)")


def _inline(text: str) -> str:
    """Markdown's inline marks dropped, links written out: what the words say on paper."""
    text = MARKDOWN_LINK.sub(
        lambda m: m.group(1) if m.group(1) == m.group(2) else f"{m.group(1)} ({m.group(2)})", text
    )
    text = EMPHASIS.sub(lambda m: m.group(2) or m.group(3), text)
    return text.replace("`", "")


def prose(markdown: str) -> list[Block]:
    """Organiser-written Markdown as paragraphs, lists and small headings (no HTML, no images)."""
    blocks: list[Block] = []
    for chunk in re.split(r"\n\s*\n", (markdown or "").strip()):
        lines = [line.strip() for line in chunk.splitlines() if line.strip()]
        if not lines:
            continue
        if all(LIST_ITEM.match(line) for line in lines):
            blocks.append(Bullets([_inline(LIST_ITEM.sub("", line)) for line in lines]))
        elif len(lines) == 1 and lines[0].startswith("#"):
            blocks.append(Heading(_inline(lines[0].lstrip("#").strip()), level=3))
        else:
            blocks.append(Text(_inline(" ".join(line.lstrip("> ") for line in lines))))
    return blocks


def _figure_blocks(figures: Sequence[Figure]) -> list[Block]:
    """The figures under their sections, each section a two-column table."""
    blocks: list[Block] = []
    sections: dict[str, list[Figure]] = {}
    for figure in figures:
        sections.setdefault(figure.section, []).append(figure)
    for section, rows in sections.items():
        if len(sections) > 1:
            blocks.append(Heading(section, level=2))
        blocks.append(Grid([_("Figure"), _("Value")], [[f.label, f.text] for f in rows], widths=(3, 1)))
    return blocks


def _exhibit_blocks(exhibits: Sequence[charts.Exhibit]) -> list[Block]:
    blocks: list[Block] = []
    for exhibit in exhibits:
        blocks.append(Heading(exhibit.title, level=2))
        if exhibit.rows:
            blocks.append(Chart(str(exhibit.svg)))
            widths = (2.5, *[1] * (len(exhibit.headers) - 1))
            blocks.append(Grid(list(exhibit.headers), [list(row) for row in exhibit.rows], widths=widths))
        else:
            blocks.append(Text(_("No participants to show."), muted=True))
    return blocks


def _speaker(speaker) -> str:
    about = ", ".join(part for part in (speaker.title, speaker.organisation) if part)
    text = f"{isolate(speaker.name)} – {isolate(about)}" if about else isolate(speaker.name)
    if speaker.role == SpeakerRole.MODERATOR:
        text += f" ({speaker.role_title})"
    return text


def _agenda_item(item: AgendaItem) -> list[Block]:
    kind = item.kind.title
    heading = kind if item.title in ("", kind) else f"{kind}: {item.title}"
    if hours := agenda_hours(item):
        heading = f"{narrative.isolated(hours)} {heading}"
    blocks: list[Block] = [Heading(heading, level=3)]
    if item.room:
        blocks.append(Text(_("Room or session: %(room)s", room=narrative.isolated(item.room)), muted=True))
    blocks += prose(item.description)
    if item.speakers:
        blocks.append(Bullets([_speaker(speaker) for speaker in item.speakers]))
    return blocks


def _agenda_blocks(event: Event, level: int = 1) -> list[Block]:
    if not event.agenda_items:
        return []
    blocks: list[Block] = [Heading(_("Agenda and speakers"), level=level)]
    for item in event.agenda_items:
        blocks += _agenda_item(item)
    return blocks


def _document_link(document: Document, owner_published: bool) -> str:
    if not document.is_public:
        return _("For registrants only")
    if not owner_published:
        return _("Not published yet")
    return external_url("public.document", document_id=document.id)


def _document_blocks(
    documents: Sequence[Document], owner_published: bool, public: bool, level: int = 1
) -> list[Block]:
    shown = [doc for doc in documents if doc.is_public or not public]
    if not shown:
        return []
    rows = [[doc.title, doc.kind.title, _document_link(doc, owner_published)] for doc in shown]
    return [
        Heading(_("Documents"), level=level),
        Grid([_("Document"), _("Kind"), _("Link")], rows, widths=(2.2, 1.1, 3), aligns=("LEFT",) * 3),
    ]


def _outcome_blocks(event: Event, level: int = 1) -> list[Block]:
    count = event.recommendations_count
    if not count and not event.outcomes.strip():
        return []
    blocks: list[Block] = [Heading(_("Outcomes and recommendations"), level=level)]
    blocks.append(
        Text(ngettext("%(num)d recommendation recorded.", "%(num)d recommendations recorded.", count))
    )
    return blocks + prose(event.outcomes)


def _people(series: Series | None) -> list[tuple[str, str]]:
    organiser = (series.organiser if series else "") or current_app.config["PROGRAMME_NAME"]
    people = []
    if series and series.chair:
        people.append((_("Chair"), series.chair))
    people.append((_("Organiser"), organiser))
    return people


def _place(event: Event) -> str:
    return " · ".join(part for part in (event.format.title, event.place) if part)


def _local_day(event: Event) -> str:
    return long_date(event.start_dt.astimezone(event.zone))


def _summary_text(text: str, generated: str) -> list[Block]:
    return prose(text) or [Text(generated)]


# --- the event report ---------------------------------------------------------------------------------


def event_report(event: Event, *, public: bool = False) -> Report:
    # The public report: the figures last published (None: never published).
    summary = summaries.event_summary(event, published=public)
    generated = narrative.event_paragraph(summary) if summary else ""
    text = event.summary_text if public else (event.summary_text or generated)
    blocks: list[Block] = []
    if event.is_cancelled:
        blocks.append(Text(_("This event was cancelled."), muted=True))
    blocks += [Heading(_("Summary")), *_summary_text(text, generated)]
    if summary is None:
        blocks += [Heading(_("In figures")), Text(_("Figures not yet published."), muted=True)]
    else:
        blocks += [
            Heading(_("In figures")),
            *_event_notice(summary),
            *_figure_blocks(event_figures(summary, public=public)),
            *_arrival_blocks(summary.figures),
        ]
        blocks += [Heading(_("Who took part")), *_exhibit_blocks(charts.event_exhibits(summary))]
        blocks += [] if public else _gender_blocks(summaries.gender_figures([event]))
        blocks += [] if public else _delegation_blocks(delegations.delegation_figures(event))
    if summary and summary.top_organisations and not public:
        blocks += [
            Heading(_("Organisations with most participants"), level=2),
            Grid(
                [_("Organisation"), participants_label(summary.figures)],
                [[share.label, charts.number(share.count)] for share in summary.top_organisations],
                widths=(3, 1),
            ),
        ]
    if not public:  # answers are never published
        blocks += _answer_blocks(event)
    blocks += _agenda_blocks(event)
    blocks += _document_blocks(event.documents, event.is_published, public)
    blocks += _outcome_blocks(event)
    series = event.series
    return Report(
        filename=safe_filename("event", event.id, event.title, "summary" if public else "report"),
        programme=current_app.config["PROGRAMME_NAME"],
        kicker=_("Published summary") if public else _("Event report"),
        title=event.title,
        lines=[line for line in (series.title if series else "", event_when(event), _place(event)) if line],
        people=_people(series),
        blocks=blocks,
    )


def _answer_blocks(event: Event) -> list[Block]:
    """The answers to the organisers' choice, yes/no and country questions, counted."""
    counted = summaries.answer_breakdowns(event, str(get_locale() or "en"))
    if not counted:
        return []
    blocks: list[Block] = [Heading(_("Answers to the questions"), level=2)]
    for breakdown in counted:
        blocks.append(
            Grid(
                [breakdown.label, _("People")],
                [[shown, charts.number(count)] for shown, count in breakdown.counts],
                widths=(3, 1),
            )
        )
    return blocks


def _arrival_blocks(figures) -> list[Block]:
    """Arrivals at the door by quarter of an hour: an in-person meeting's time, not minutes."""
    if not figures.arrival_times:
        return []
    return [
        Heading(_("Arrivals by quarter of an hour"), level=2),
        Grid(
            [_("From"), _("Arrivals")],
            [[time, charts.number(count)] for time, count in figures.arrival_times],
            widths=(1, 1),
        ),
    ]


def _gender_blocks(gender: summaries.GenderFigures | None) -> list[Block]:
    """Registered and attended by gender, where the form asked it ("not collected" apart)."""
    if gender is None:
        return []
    blocks: list[Block] = [
        Heading(_("Participation by gender"), level=2),
        Text(
            ngettext(
                "Among the registrants of the %(num)d event whose form asked it.",
                "Among the registrants of the %(num)d events whose form asked it.",
                gender.events,
            ),
            muted=True,
        ),
        Grid(
            [_("Gender"), _("Registered"), _("Attended")],
            [[share.label, _count(share.registered), _count(share.attended)] for share in gender.shares],
            widths=(2, 1, 1),
        ),
    ]
    if gender.heads_of_delegation:
        blocks.append(
            Text(
                _(
                    "Heads of delegation: %(registered)s registered, %(attended)s attended.",
                    registered=_count(gender.heads_of_delegation),
                    attended=_count(gender.heads_attended),
                )
            )
        )
    return blocks


def _delegation_blocks(figures: delegations.DelegationFigures | None) -> list[Block]:
    """Member states represented and heads of delegation present, then each delegation."""
    if figures is None:
        return []
    blocks: list[Block] = [
        Heading(_("Participation by delegation"), level=2),
        Text(
            _(
                "Member states represented: %(confirmed)s confirmed, %(present)s present. "
                "Heads of delegation: %(heads_confirmed)s confirmed, %(heads_present)s present.",
                confirmed=_count(figures.member_states_confirmed),
                present=_count(figures.member_states_present),
                heads_confirmed=_count(figures.heads_confirmed),
                heads_present=_count(figures.heads_present),
            )
        ),
    ]
    if figures.delegations:
        blocks.append(
            Grid(
                [_("Delegation"), _("Registered"), _("Confirmed"), _("Present"), _("Head of delegation")],
                [
                    [
                        row.label,
                        _count(row.registered),
                        _count(row.confirmed),
                        _count(row.present),
                        _("present")
                        if row.head_present
                        else _("seat confirmed")
                        if row.head_confirmed
                        else "–",
                    ]
                    for row in figures.delegations
                ],
                widths=(3, 1, 1, 1, 2),
            )
        )
    return blocks


def _event_notice(summary: EventSummary) -> list[Block]:
    if summary.figures.based_on_registrations:
        return [Text(_("Based on registrations; attendance not recorded."), muted=True)]
    return []


# --- the series report --------------------------------------------------------------------------------


def series_report(series: Series, *, public: bool = False) -> Report:
    summary = summaries.series_summary(series, published_only=public)
    generated = narrative.series_paragraph(summary)
    text = series.summary_text if public else (series.summary_text or generated)
    events = [row.figures.event for row in summary.rows]
    blocks: list[Block] = [Heading(_("Summary")), *_summary_text(text, generated)]
    blocks += [Heading(_("In figures")), *_figure_blocks(series_figures(summary))]
    blocks += _modules_table(summary, public)
    blocks += [Heading(_("Who took part")), *_exhibit_blocks(charts.series_exhibits(summary))]
    blocks += [] if public else _gender_blocks(summaries.gender_figures(events))
    blocks += _document_blocks(series.documents, series.is_published, public)
    for event in events:
        blocks += _module_blocks(event, public)
    when = " – ".join(dict.fromkeys(_local_day(event) for event in (events[:1] + events[-1:])))
    return Report(
        filename=safe_filename("series", series.id, series.title, "summary" if public else "report"),
        programme=current_app.config["PROGRAMME_NAME"],
        kicker=_("Published summary") if public else _("Series report"),
        title=series.title,
        lines=[line for line in (when, ngettext("%(num)d module", "%(num)d modules", len(events))) if line],
        people=_people(series),
        blocks=blocks,
    )


def _modules_table(summary: SeriesSummary, public: bool) -> list[Block]:
    unpublished: list[Block] = []
    if summary.unpublished:  # the public report: modules whose figures are not published yet
        titles = ", ".join(event.title for event in summary.unpublished)
        unpublished = [Text(_("Figures not yet published for: %(modules)s.", modules=titles), muted=True)]
    if not summary.rows:
        return unpublished or [Text(_("This series has no events yet."), muted=True)]
    columns = PUBLIC_MODULE_COLUMNS if public else MODULE_COLUMNS
    header = [_("Module"), *[str(label) for label, _cell in columns]]
    rows = [
        [
            f"{row.figures.event.title}\n{_local_day(row.figures.event)}",
            *[cell(row.figures) for _label, cell in columns],
        ]
        for row in summary.rows
    ]
    blocks: list[Block] = [Heading(_("Module by module"), level=2), Grid(header, rows), *unpublished]
    if summary.any_based_on_registrations:
        blocks.append(
            Text(_("* Attendance not recorded: the confirmed registrants are counted."), muted=True)
        )
    return blocks


def _count(value: int | None) -> str:
    return "–" if value is None else charts.number(value)


def _participants_cell(f) -> str:
    return _count(f.participants) + ("*" if f.based_on_registrations else "")


PUBLIC_MODULE_COLUMNS = (
    (_l("Participants"), _participants_cell),
    (_l("Countries"), lambda f: _count(f.countries)),
)
MODULE_COLUMNS = (
    (_l("Registered"), lambda f: _count(f.registered)),
    (_l("Participants"), _participants_cell),
    (
        _l("Attendance rate"),
        lambda f: "–" if f.attendance_rate is None else format_percent(f.attendance_rate),
    ),
    (_l("No-shows"), lambda f: _count(f.no_shows)),
    (_l("Walk-ins"), lambda f: _count(f.walk_ins if f.attendance_recorded else None)),
    (_l("Countries"), lambda f: _count(f.countries)),
    (_l("Recommendations"), lambda f: _count(f.event.recommendations_count)),
)


def _module_blocks(event: Event, public: bool) -> list[Block]:
    blocks: list[Block] = [Heading(event.title), Text(event_when(event), muted=True)]
    if event.theme:
        blocks.append(Text(event.theme))
    blocks += _agenda_blocks(event, level=2)
    blocks += _document_blocks(event.documents, event.is_published, public, level=2)
    blocks += _outcome_blocks(event, level=2)
    return blocks


# --- the programme report -----------------------------------------------------------------------------


def programme_report(start: date | None, end: date | None) -> Report:
    summary = summaries.programme_summary(start, end)
    blocks: list[Block] = [Heading(_("Summary")), Text(narrative.programme_paragraph(summary))]
    blocks += [Heading(_("In figures")), *_figure_blocks(programme_figures(summary))]
    if summary.kinds:
        blocks += [
            Heading(_("Meetings by kind"), level=2),
            Grid(
                [_("Kind"), _("Meetings")],
                [[kind.title, charts.number(summary.meetings_of(kind))] for kind in summary.kinds],
                widths=(3, 1),
            ),
            Heading(_("Charts")),
            *_exhibit_blocks(charts.programme_exhibits(summary)),
            *_meetings_table(summary),
        ]
    period = _period(summary)
    return Report(
        filename=safe_filename("programme", *(day.isoformat() for day in (start, end) if day), "report"),
        programme=current_app.config["PROGRAMME_NAME"],
        kicker=_("Programme report"),
        title=_("Programme overview"),
        lines=[period] if period else [],
        people=[(_("Organiser"), current_app.config["PROGRAMME_NAME"])],
        blocks=blocks,
    )


def _period(summary: ProgrammeSummary) -> str:
    start, end = summary.start or summary.first_date, summary.end or summary.last_date
    if not start or not end:
        return ""
    return f"{format_date(start, 'MMMM y')} – {format_date(end, 'MMMM y')}"


def _meetings_table(summary: ProgrammeSummary) -> list[Block]:
    rows = [
        [
            format_date(local_date(event), "d MMM y"),
            event.title,
            event.kind.title,
            charts.number(summary.participations_by_event.get(event.id, 0)),
            charts.number(event.recommendations_count),
        ]
        for event in summary.events
    ]
    header = [_("Date"), _("Meeting"), _("Kind"), _("Participants"), _("Recommendations")]
    aligns = ("LEFT", "LEFT", "LEFT", "RIGHT", "RIGHT")
    return [Heading(_("The meetings")), Grid(header, rows, widths=(1.2, 2.6, 1.8, 1, 1.2), aligns=aligns)]


# --- drawing ------------------------------------------------------------------------------------------


def render(report: Report) -> bytes:
    return _ReportPdf(report).draw()


def event_pdf(event: Event, *, public: bool = False) -> PdfFile:
    report = event_report(event, public=public)
    return PdfFile(report.filename, render(report))


def series_pdf(series: Series, *, public: bool = False) -> PdfFile:
    report = series_report(series, public=public)
    return PdfFile(report.filename, render(report))


def programme_pdf(start: date | None, end: date | None) -> PdfFile:
    report = programme_report(start, end)
    return PdfFile(report.filename, render(report))


SVG_FONT = re.compile(r'font-family="[^"]*"')
SVG_TEXT_ONLY = re.compile(r"<(title|desc)\b[^>]*>.*?</\1>", re.S)
SVG_SIZE = re.compile(r'<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"')
SVG_LABEL = re.compile(r"(<text\b[^>]*>)([^<]*)(</text>)")
SVG_BOLD = re.compile(r'\sfont-weight="(?:bold|[6-9]00)"')


def _right_to_left(text: str) -> bool:
    return any(unicodedata.bidirectional(char) in ("R", "AL") for char in text)


def glyph_characters(font: TTFFont) -> dict[int, str]:
    """Each glyph of `font` (by id) that a character maps to, and that character (the lowest,
    where several share a glyph)."""
    glyph_ids = font.ttfont.getReverseGlyphMap()
    return {glyph_ids[glyph]: chr(codepoint) for codepoint, glyph in reversed(font.cmap.items())}


def drawn_in_order(font: TTFFont, characters: dict[int, str], text: str) -> str:
    """`text` as fpdf2 must be given it to draw it unshaped, left to right (SVG text): its
    right-to-left runs shaped by HarfBuzz and written glyph by glyph, in the order drawn, as
    the `characters` (glyph_characters) of those glyphs (for Arabic, the presentation forms of
    joined letters). Vowel marks are left out: unpositioned, they would sit on the wrong letter."""
    paragraph = BidiParagraph(text=text)
    runs = paragraph.get_bidi_fragments()  # in reading order; directions alternate
    if paragraph.base_direction == TextDirection.RTL:
        runs = runs[::-1]
    drawn = []
    for run, direction in runs:
        if direction != TextDirection.RTL:
            drawn.append(run)
            continue
        run = "".join(char for char in run if unicodedata.category(char) != "Mn")
        glyphs, _positions = font.perform_harfbuzz_shaping(
            run, 10, {"fragment_direction": TextDirection.RTL, "features": {}}
        )
        # A glyph no character maps to (a rare ligature or variant): the unjoined letter instead.
        drawn += [characters.get(glyph.codepoint, run[glyph.cluster]) for glyph in glyphs]
    return "".join(drawn)


class _ReportPdf(FPDF):
    def __init__(self, report: Report):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.report = report
        self.unicode = add_unicode_font(self, report.texts())
        self.family = UNICODE_FONT if self.unicode else CORE_FONT
        self.label_characters: dict[str, dict[int, str]] = {}  # by font key, for chart labels
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(True, margin=18)
        self.set_title(report.title)
        self.set_subject(report.kicker)
        self.set_author(report.people[0][1] if report.people else report.programme)
        self.set_creator(report.programme)
        self.set_lang(str(get_locale() or "en"))

    # --- text and fonts

    def use(self, size: float, *, bold: bool = False, colour=NAVY) -> None:
        self.set_font(self.family, "B" if bold else "", size)
        self.set_text_color(*colour)

    def encoded(self, text: str) -> str:
        return text if self.unicode else to_latin1(text)

    def paragraph(
        self, text: str, size: float = 10.5, *, bold: bool = False, colour=NAVY, height=None
    ) -> None:
        self.use(size, bold=bold, colour=colour)
        self.multi_cell(0, height or size * 0.52, self.encoded(text), new_x="LMARGIN", new_y="NEXT")

    def room_for(self, height: float) -> None:
        """A new page unless `height` fits below: keeps headings with what follows them."""
        at_top = self.get_y() <= self.t_margin + 10  # a new page would not give more room
        if not at_top and self.get_y() + height > self.page_break_trigger:
            self.add_page()

    # --- page furniture

    def header(self) -> None:
        if self.page_no() == 1:
            return
        self.use(8, colour=GREY)
        self.set_y(9)
        self.cell(0, 4, self.encoded(f"{self.report.programme} · {self.report.title}"), new_x="LMARGIN")
        self.set_draw_color(*RULE)
        self.line(self.l_margin, 14, self.w - self.r_margin, 14)
        self.set_y(18)

    def footer(self) -> None:
        self.set_y(-12)
        self.use(8, colour=GREY)
        page = _("Page %(page)s of %(pages)s", page=self.page_no(), pages=self.str_alias_nb_pages)
        # The page count is written as the file closes, in a box as wide as "000": on the side of
        # the box next to the words, its right side when they run right to left.
        rtl = self.unicode and auto_detect_base_direction(page) == TextDirection.RTL
        self.alias_nb_pages(self.str_alias_nb_pages, align="R" if rtl else "L")
        self.cell(0, 4, self.encoded(page), align="C")

    # --- the report

    def draw(self) -> bytes:
        self.cover()
        self.add_page()
        blocks = self.report.blocks
        for index, block in enumerate(blocks):
            if isinstance(block, Heading):
                self.heading(block, self.lead_height(blocks, index + 1))
            else:
                self.block(block)
        return bytes(self.output())

    def lead_height(self, blocks: Sequence[Block], index: int) -> float:
        """How much of what follows a heading must fit under it for the heading to stay on
        this page: the next heading and its own lead, a whole chart, or a few lines."""
        if index >= len(blocks):
            return 0
        block = blocks[index]
        if isinstance(block, Heading):
            return 14 + self.lead_height(blocks, index + 1)
        if isinstance(block, Chart):
            return self.chart_size(block.svg)[1] + 4
        return {Text: 12, Bullets: 12, Grid: 22}[type(block)]

    def cover(self) -> None:
        r = self.report
        self.add_page()
        self.set_fill_color(*NAVY)
        self.rect(0, 0, self.w, 62, style="F")
        self.set_xy(self.l_margin, 22)
        self.paragraph(r.programme, 15, bold=True, colour=(255, 255, 255))
        self.set_y(36)
        self.paragraph(r.kicker.upper(), 10, colour=(214, 224, 236))
        self.set_y(84)
        self.paragraph(r.title, 26, bold=True, height=12)
        self.ln(4)
        for line in r.lines:
            self.paragraph(line, 12.5, colour=GREY, height=7)
        self.ln(10)
        for capacity, who in r.people:
            self.paragraph(capacity.upper(), 8.5, colour=GREY, height=5)
            self.paragraph(who, 12.5, bold=True, height=6.5)
            self.ln(3)
        self.set_y(self.h - 40)
        self.set_draw_color(*RULE)
        self.line(self.l_margin, self.get_y(), self.w - self.r_margin, self.get_y())
        self.ln(3)
        made = _("Report of %(date)s", date=format_date(utcnow().date(), "d MMMM y"))
        self.paragraph(made, 9, colour=GREY)

    def block(self, block: Block) -> None:
        drawers: dict[type, Callable[[Any], None]] = {
            Heading: self.heading,
            Text: self.text,
            Bullets: self.bullets,
            Grid: self.grid,
            Chart: self.chart,
        }
        drawers[type(block)](block)

    def heading(self, block: Heading, following: float = 20) -> None:
        size, space = {1: (16, 8), 2: (12.5, 5), 3: (11, 3)}[min(block.level, 3)]
        if self.get_y() > self.t_margin + 4:
            self.ln(space)
        self.room_for(size * 0.6 + 6 + following)
        self.paragraph(block.text, size, bold=True, height=size * 0.5)
        if block.level == 1:
            self.set_draw_color(*NAVY)
            self.set_line_width(0.4)
            self.line(self.l_margin, self.get_y() + 1, self.w - self.r_margin, self.get_y() + 1)
            self.set_line_width(0.2)
            self.ln(4)
        else:
            self.ln(1.5)

    # Hides FPDF.text(x, y, text), which neither fpdf nor this class calls.
    def text(self, block: Text) -> None:  # type: ignore[override]
        self.paragraph(block.text, 9.5 if block.muted else 10.5, colour=GREY if block.muted else (29, 35, 48))
        self.ln(2.5)

    def bullets(self, block: Bullets) -> None:
        self.use(10.5, colour=(29, 35, 48))
        for item in block.items:
            self.set_x(self.l_margin + 2)
            self.cell(5, 5.5, self.encoded("•" if self.unicode else "-"))
            self.multi_cell(0, 5.5, self.encoded(item), new_x="LMARGIN", new_y="NEXT")
            self.ln(0.8)
        self.ln(2)

    def grid(self, block: Grid) -> None:
        columns = len(block.header)
        aligns = block.aligns or ("LEFT", *["RIGHT"] * (columns - 1))
        self.room_for(20)
        self.use(9.5 if columns <= 5 else 8.5 if columns <= 6 else 7.5, colour=(29, 35, 48))
        widths = block.widths or self.natural_widths(block)
        self.set_draw_color(*RULE)
        self.set_fill_color(255, 255, 255)  # the rows between the stripes take the current fill
        heading = FontFace(emphasis="BOLD", color=NAVY, fill_color=LIGHT)
        with self.table(
            col_widths=widths,
            text_align=tuple(aligns),
            headings_style=heading,
            borders_layout="HORIZONTAL_LINES",
            cell_fill_color=STRIPE,
            cell_fill_mode="ROWS",
            line_height=self.font_size * 1.45,
            padding=(1.2, 1.5),
            width=self.epw,
        ) as table:
            for cells in [block.header, *block.rows]:
                row = table.row()
                for cell in cells:
                    row.cell(self.encoded(str(cell)))
        self.ln(4)

    def natural_widths(self, block: Grid) -> list[float]:
        """Each column after the first as wide as its longest cell or header word (headers wrap
        between words, never inside one); the first takes what is left."""
        widths = []
        for column in range(1, len(block.header)):
            self.set_font(style="B")
            head = max(
                (self.get_string_width(self.encoded(word)) for word in block.header[column].split()),
                default=0,
            )
            self.set_font(style="")
            body = max(
                (self.get_string_width(self.encoded(str(row[column]))) for row in block.rows), default=0
            )
            widths.append(max(head, body) + 3.5)  # the cell's padding, and a hair
        return [max(self.epw - sum(widths), self.epw * 0.25), *widths]

    def chart_size(self, svg: str) -> tuple[float, float]:
        size = SVG_SIZE.search(svg)
        width = min(CHART_WIDTH, self.epw)
        return width, (width * float(size.group(2)) / float(size.group(1)) if size else width / 2)

    def chart(self, block: Chart) -> None:
        svg = SVG_TEXT_ONLY.sub("", block.svg)
        svg = SVG_FONT.sub(f'font-family="{self.family}"', svg, count=1)
        svg = SVG_LABEL.sub(self.chart_label, svg) if self.unicode else to_latin1(svg)
        width, height = self.chart_size(svg)
        self.room_for(height + 4)
        top = self.get_y()
        self.image(io.BytesIO(svg.encode("utf-8")), x=self.l_margin, y=top, w=width, h=height)
        self.set_y(top + height + 3)

    def chart_label(self, label: re.Match[str]) -> str:
        opening, text, closing = label.groups()
        text = html.unescape(text)
        if not _right_to_left(text):
            return label.group(0)
        key = f"{self.family.lower()}{'B' if SVG_BOLD.search(opening) else ''}"
        font = self.fonts[key]
        assert isinstance(font, TTFFont)  # right-to-left text is set in the TrueType fonts only
        if key not in self.label_characters:  # a font's whole map: built once per report, not per label
            self.label_characters[key] = glyph_characters(font)
        drawn = drawn_in_order(font, self.label_characters[key], text)
        return opening + html.escape(drawn, quote=False) + closing
