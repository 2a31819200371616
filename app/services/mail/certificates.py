"""Certificates of attendance: one A4 landscape page per person, as PDF bytes.

Most names and titles fit the PDF core fonts (latin-1), which cost about a
millisecond per certificate. Anything else (Arabic, Amharic in Latin letters
with diacritics outside latin-1, ...) is set in DejaVu Sans, a TrueType font
that covers them, when the machine has it: parsing it costs a tenth of a
second, too much to pay for every attendee of a 150-person webinar. Without
it, the text is transliterated to latin-1 rather than refused.

With DejaVu Sans, text is shaped (HarfBuzz, through fpdf2 and uharfbuzz): Arabic
letters take their joined forms and run right to left, within Latin text too.
The report PDFs (report_pdf.py) choose their font here as well.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from flask_babel import ngettext
from fpdf import FPDF

from ...formatting import isolate, long_date
from ...models import Event

FONT_FOLDERS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts/dejavu"),
)
UNICODE_FONT = "DejaVu"
UNICODE_FILES = {"": "DejaVuSans.ttf", "B": "DejaVuSans-Bold.ttf"}
CORE_FONT = "Helvetica"

NAVY = (18, 54, 92)
GREY = (74, 85, 104)

# Typography the core fonts lack, and its closest latin-1 form.
TO_LATIN1 = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u2026": "...",
        "\u00a0": " ",
        "\u202f": " ",
        # The isolates of a right-to-left text (formatting.isolate) have no glyph to transliterate.
        "\u2066": None,
        "\u2068": None,
        "\u2069": None,
    }
)


def to_latin1(text: str) -> str:
    """`text` in the core fonts' encoding: typography simplified, anything else replaced by '?'."""
    return text.translate(TO_LATIN1).encode("latin-1", "replace").decode("latin-1")


def fits_latin1(text: str) -> bool:
    try:
        text.translate(TO_LATIN1).encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


@cache
def unicode_font_folder() -> Path | None:
    """Where DejaVu Sans (regular and bold) is installed, if anywhere."""
    for folder in FONT_FOLDERS:
        if all((folder / name).is_file() for name in UNICODE_FILES.values()):
            return folder
    return None


def add_unicode_font(pdf: FPDF, texts: Iterable[str]) -> bool:
    """Give `pdf` DejaVu Sans, shaped, if one of `texts` needs more than latin-1 and the machine
    has the font; whether it did. Without it the caller sets the core font and to_latin1 text.

    Shaping joins Arabic letters and lays out right-to-left runs by the Unicode bidi algorithm;
    each paragraph takes the direction of its first strong letter.
    """
    folder = unicode_font_folder()
    if folder is None or all(fits_latin1(text) for text in texts):
        return False
    for style, filename in UNICODE_FILES.items():
        pdf.add_font(UNICODE_FONT, style, str(folder / filename))
    pdf.set_text_shaping(True)
    return True


@dataclass(frozen=True)
class Certificate:
    """What a certificate says, already in the reader's language."""

    programme: str
    heading: str
    certify: str
    name: str
    attended: str
    on_date: str
    duration: str
    signatures: tuple[tuple[str, str], ...]  # (who, in what capacity)
    document_title: str

    def texts(self) -> Iterable[str]:
        yield from (self.programme, self.heading, self.certify, self.name, self.attended)
        yield from (self.on_date, self.duration, self.document_title)
        for who, capacity in self.signatures:
            yield from (who, capacity)


def certificate_for(event: Event, name: str, minutes: int) -> Certificate:
    """The certificate of `name` for `event`, in the current locale (the caller forces the reader's)."""
    series = event.series
    # The quotes are the reader's (« » in Arabic), the title isolated: in Arabic a Latin title
    # would otherwise take the quotes along to the wrong side.
    title = _("“%(title)s”", title=isolate(event.title)) + (f" – {isolate(series.title)}" if series else "")
    organiser = (series.organiser if series else "") or current_app.config["PROGRAMME_NAME"]
    signatures = [(organiser, _("Organiser"))]
    if series and series.chair:
        signatures.append((series.chair, _("Chair")))
    heading = _("Certificate of attendance")
    return Certificate(
        programme=current_app.config["PROGRAMME_NAME"],
        heading=heading,
        certify=_("This is to certify that"),
        name=name,
        attended=_("attended %(event)s", event=title),
        on_date=_("on %(date)s", date=long_date(event.start_dt.astimezone(event.zone))),
        duration=(
            ngettext("Time attended: %(num)d minute", "Time attended: %(num)d minutes", minutes)
            if minutes > 0
            else ""
        ),
        signatures=tuple(signatures),
        document_title=_("%(heading)s: %(name)s", heading=heading, name=isolate(name)),
    )


def render(certificate: Certificate) -> bytes:
    pdf = _CertificatePdf(certificate)
    return pdf.draw()


class _CertificatePdf(FPDF):
    def __init__(self, certificate: Certificate):
        super().__init__(orientation="L", unit="mm", format="A4")
        self.certificate = certificate
        self.unicode = add_unicode_font(self, certificate.texts())
        self.set_auto_page_break(False)
        self.set_margins(25, 20, 25)
        # Metadata in Unicode whatever the font: readers (and the tests) find the name there.
        self.set_title(certificate.document_title)
        self.set_subject(certificate.attended)
        self.set_author(certificate.signatures[0][0])
        self.set_creator(certificate.programme)

    def use(self, size: float, *, bold: bool = False, colour=NAVY) -> None:
        self.set_font(UNICODE_FONT if self.unicode else CORE_FONT, "B" if bold else "", size)
        self.set_text_color(*colour)

    def encoded(self, text: str) -> str:
        return text if self.unicode else to_latin1(text)

    def write_line(self, text: str, size: float, *, bold: bool = False, colour=NAVY) -> None:
        if text:
            self.use(size, bold=bold, colour=colour)
            self.multi_cell(0, size * 0.5, self.encoded(text), align="C", new_x="LMARGIN", new_y="NEXT")

    def draw(self) -> bytes:
        c = self.certificate
        self.add_page()
        self.set_draw_color(*NAVY)
        self.set_line_width(1.2)
        self.rect(10, 10, self.w - 20, self.h - 20)
        self.set_line_width(0.3)
        self.rect(13, 13, self.w - 26, self.h - 26)

        self.set_y(32)
        self.write_line(c.programme, 16, colour=GREY)
        self.ln(8)
        self.write_line(c.heading, 32, bold=True)
        self.ln(14)
        self.write_line(c.certify, 14, colour=GREY)
        self.ln(5)
        self.write_line(c.name, 28, bold=True)
        self.ln(9)
        self.write_line(c.attended, 16)
        self.ln(2)
        self.write_line(c.on_date, 14)
        self.ln(6)
        self.write_line(c.duration, 13, colour=GREY)
        self.signatures()
        return bytes(self.output())

    def signatures(self) -> None:
        count = len(self.certificate.signatures)
        width = (self.w - self.l_margin - self.r_margin) / count
        for index, (who, capacity) in enumerate(self.certificate.signatures):
            left = self.l_margin + index * width + 15
            self.set_draw_color(*GREY)
            self.line(left, 168, left + width - 30, 168)
            self.set_xy(left, 170)
            for text, size, bold in ((who, 12, True), (capacity, 10, False)):
                self.use(size, bold=bold)
                self.set_x(left)
                self.multi_cell(width - 30, 6, self.encoded(text), align="C", new_x="LEFT", new_y="NEXT")
