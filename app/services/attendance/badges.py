"""Badges for an in-person meeting: A6 cards, one a page or four to an A4 sheet, as PDF bytes.

Each badge says who the wearer is (salutation, given name, the family name emphasised,
organisation, whom they represent), carries a colour band for their role and the QR code
of their check-in code (links.check_in_code): the door scans it (attendance/door.py).

The font is chosen as the certificates choose it (mail/certificates.py): the PDF core fonts
when every text fits latin-1, else DejaVu Sans with text shaping, so that an Arabic name is
joined and set right to left.

Printing records when each badge was printed (`badge_printed_dt`), so that the desk can print
the late arrivals only: the confirmed whose badge was never printed.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import segno
import sqlalchemy as sa
from flask_babel import gettext as _
from fpdf import FPDF

from ...database import utcnow, write_transaction
from ...extensions import db
from ...formatting import long_date
from ...models import (
    Account,
    BadgeRole,
    Event,
    EventFormat,
    OrganisationKind,
    Registration,
    RegistrationStatus,
)
from .. import audit, fields
from ..links import check_in_code
from ..mail.certificates import CORE_FONT, UNICODE_FONT, add_unicode_font, fits_latin1, to_latin1
from ..regions import country_name
from .attendance import AttendanceError, Conflict

# The band of each role: (fill, text) colours, told apart in grey print too (dark, mid, light).
ROLE_COLOURS = {
    BadgeRole.DELEGATE: ((18, 54, 92), (255, 255, 255)),
    BadgeRole.SPEAKER: ((178, 34, 34), (255, 255, 255)),
    BadgeRole.ORGANISER: ((26, 122, 62), (255, 255, 255)),
    BadgeRole.PRESS: ((242, 200, 17), (0, 0, 0)),
}
NAVY = (18, 54, 92)
GREY = (74, 85, 104)

# A6 in millimetres; an A4 sheet holds two by two of them exactly.
BADGE_W, BADGE_H = 105.0, 148.5
QR_SIZE = 34.0
BAND_H = 16.0
MARGIN = 8.0
CUT_MARK = 5.0
QR_MASK = 2


class Layout(enum.StrEnum):
    A6 = "a6"  # one badge a page (a badge printer, or A6 card stock)
    A4 = "a4"  # four badges a sheet, with cut marks


class Who(enum.StrEnum):
    EVERYONE = "everyone"  # every confirmed registrant
    LATE = "late"  # the confirmed whose badge was never printed
    CHOSEN = "chosen"  # the confirmed among those chosen in the registrations table (ticked, or its list)


# --- what a badge says --------------------------------------------------------------------------


@dataclass(frozen=True)
class BadgeLines:
    """What one badge says, already in the reader's language."""

    salutation: str
    given_name: str
    family_name: str  # emphasised: the whole name when given and family names are not known
    organisation: str
    representing: str
    head_of_delegation: bool
    role: BadgeRole
    code: str  # the check-in code the QR holds

    def texts(self) -> Iterable[str]:
        yield from (self.salutation, self.given_name, self.family_name, self.organisation)
        yield from (self.representing, self.role.title)


def badge_lines(registration: Registration) -> BadgeLines:
    """The one place a badge reads a registration: the meeting form's standard fields where
    it asked them (services/fields.py); without given and family names the whole name is
    emphasised, and a member state's delegate represents their country."""
    salutation, given, family = fields.printed_name(registration)
    representing = fields.shown_value("representing_country", registration.representing_country) or (
        registration.representing_organisation.strip()
    )
    if (
        not representing
        and registration.organisation_kind == OrganisationKind.MEMBER_STATE
        and registration.country
    ):
        representing = country_name(registration.country)
    if representing == registration.organisation:
        representing = ""  # said once
    return BadgeLines(
        salutation=salutation,
        given_name=given,
        family_name=family,
        organisation=registration.organisation,
        representing=representing,
        head_of_delegation=bool(registration.head_of_delegation),
        role=registration.badge_role,
        code=check_in_code(registration),
    )


# --- who gets a badge -------------------------------------------------------------------------


class BadgeError(AttendanceError):
    pass


def to_print(event: Event, who: Who, chosen: Sequence[int] = ()) -> list[Registration]:
    """The confirmed registrants whose badges `who` asks for, by name."""
    if event.format == EventFormat.ONLINE:
        raise Conflict(_("This event is held online: it has no badges."))
    statement = (
        sa.select(Registration)
        .where(Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED)
        .order_by(Registration.search_text, Registration.id)
    )
    if who == Who.LATE:
        statement = statement.where(Registration.badge_printed_dt.is_(None))
    elif who == Who.CHOSEN:
        statement = statement.where(Registration.id.in_(list(chosen)))
    return list(db.session.scalars(statement))


def badge_counts(event: Event) -> dict:
    """The confirmed, those of them never printed (the late arrivals), and the last printing."""
    confirmed = sa.and_(
        Registration.event_id == event.id, Registration.status == RegistrationStatus.CONFIRMED
    )
    total, late, last = db.session.execute(
        sa.select(
            sa.func.count(Registration.id),
            sa.func.count(Registration.id).filter(Registration.badge_printed_dt.is_(None)),
            sa.func.max(Registration.badge_printed_dt),
        ).where(confirmed)
    ).one()
    return {"confirmed": total, "late": late, "last_printed": last}


def print_badges(event: Event, who: Who, layout: Layout, *, by: Account, chosen: Sequence[int] = ()) -> bytes:
    """The badges as a PDF, each recorded as printed now. Refused when there is nobody to print."""
    with write_transaction():
        people = to_print(event, who, chosen)
        if not people:
            raise BadgeError(_("Nobody to print: no confirmed registrant is among those asked for."))
        # On the people loaded, not by a bulk UPDATE: the integrations' listeners then see
        # that no status changed, where a bulk UPDATE of registrations asks every linked
        # event to be synced with its platform.
        now = utcnow()
        for person in people:
            person.badge_printed_dt = now
        audit.record(
            "attendance.badges_printed",
            event,
            f"{event.title}: {len(people)} badges printed ({who.value}, {layout.value})",
            actor=by,
            event_id=event.id,
            count=len(people),
        )
        lines = [badge_lines(person) for person in people]
    return render(event, lines, layout)


def filename(event: Event, who: Who, layout: Layout) -> str:
    return f"badges-{event.id}-{who.value}-{layout.value}.pdf"


def set_badge_role(registration: Registration, role: BadgeRole, *, by: Account) -> bool:
    """Give a registrant's badge another colour band; whether it changed."""
    with write_transaction():
        if registration.badge_role == role:
            return False
        registration.badge_role = role
        audit.record(
            "registration.badge_role",
            registration,
            f"{registration.name}: badge role {role.value}",
            actor=by,
            event_id=registration.event_id,
        )
    return True


# --- the PDF ------------------------------------------------------------------------------------


def render(event: Event, badges: Sequence[BadgeLines], layout: Layout) -> bytes:
    heading = event.title
    when = long_date(event.start_dt.astimezone(event.zone))
    pdf = _BadgePdf(layout, [heading, when, *(text for badge in badges for text in badge.texts())])
    pdf.set_title(_("Badges: %(title)s", title=event.title))
    if layout == Layout.A6:
        for badge in badges:
            pdf.add_page()
            pdf.badge(0, 0, badge, heading, when)
    else:
        for index, badge in enumerate(badges):
            if index % 4 == 0:
                pdf.add_page()
            pdf.badge((index % 2) * BADGE_W, (index % 4 // 2) * BADGE_H, badge, heading, when)
            if index % 4 == 3 or index == len(badges) - 1:
                pdf.cut_marks()  # last, over the colour bands
    return bytes(pdf.output())


def qr_code(code: str) -> segno.QRCode:
    """A badge's QR code. Its mask is fixed rather than the best of eight: choosing it took
    two thirds of the time of a 500-badge print, and decoders read any mask (the tests read
    every badge printed with ZXing, the browser test with jsQR through a camera)."""
    return segno.make_qr(code, error="m", mask=QR_MASK)


def _runs(row) -> list[tuple[int, int]]:
    """The runs of dark modules of a row, as (first, after last)."""
    runs: list[tuple[int, int]] = []
    start = None
    for column, dark in enumerate([*row, 0]):
        if dark and start is None:
            start = column
        elif not dark and start is not None:
            runs.append((start, column))
            start = None
    return runs


def _rectangles(matrix) -> list[tuple[tuple[int, int], int, int]]:
    """The dark modules as rectangles: (run, first row, number of rows)."""
    done: list[tuple[tuple[int, int], int, int]] = []
    open_runs: dict[tuple[int, int], int] = {}
    for row_index, row in enumerate([*matrix, []]):
        runs = set(_runs(row))
        for run in list(open_runs):
            if run not in runs:
                top = open_runs.pop(run)
                done.append((run, top, row_index - top))
        for run in runs:
            open_runs.setdefault(run, row_index)
    return done


class _BadgePdf(FPDF):
    def __init__(self, layout: Layout, texts: Iterable[str]):
        super().__init__(
            orientation="P", unit="mm", format=(BADGE_W, BADGE_H) if layout == Layout.A6 else "A4"
        )
        self.unicode = add_unicode_font(self, texts)
        self.set_auto_page_break(False)
        self.set_margins(0, 0, 0)

    def line_of(self, x: float, text: str, size: float, *, bold: bool = False, colour=NAVY) -> None:
        """A centred paragraph across the badge at the current height (wrapped if it must).

        A line that fits latin-1 is set in the core font even when the document has DejaVu:
        shaping every line cost twice the time of a 500-badge print for one Arabic name."""
        if not text:
            return
        shaped = self.unicode and not fits_latin1(text)
        self.set_font(UNICODE_FONT if shaped else CORE_FONT, "B" if bold else "", size)
        self.set_text_color(*colour)
        self.set_x(x + MARGIN)
        encoded = text if shaped else to_latin1(text)
        width, height = BADGE_W - 2 * MARGIN, size * 0.45
        if not shaped and self.get_string_width(encoded) <= width:
            # One line, as most are: a cell, without the line-breaking of multi_cell.
            self.cell(width, height, encoded, align="C", new_x="LMARGIN", new_y="NEXT")
        else:
            self.multi_cell(width, height, encoded, align="C", new_x="LMARGIN", new_y="NEXT")

    def badge(self, x: float, y: float, badge: BadgeLines, heading: str, when: str) -> None:
        self.set_y(y + MARGIN)
        self.line_of(x, heading, 9, colour=GREY)
        self.line_of(x, when, 8, colour=GREY)
        self.set_y(y + 30)
        self.line_of(x, badge.salutation, 11, colour=GREY)
        self.line_of(x, badge.given_name, 16)
        self.line_of(x, badge.family_name, 21, bold=True)
        self.ln(2)
        self.line_of(x, badge.organisation, 10, colour=GREY)
        self.line_of(x, badge.representing, 12, bold=True)
        if badge.head_of_delegation:
            self.line_of(x, _("Head of delegation"), 9)
        band_top = y + BADGE_H - BAND_H
        self.qr(badge.code, x + (BADGE_W - QR_SIZE) / 2, band_top - QR_SIZE - 4)
        fill, ink = ROLE_COLOURS[badge.role]
        self.set_fill_color(*fill)
        self.rect(x, band_top, BADGE_W, BAND_H, style="F")
        self.set_y(band_top + (BAND_H - 14 * 0.45) / 2)
        self.line_of(x, badge.role.title.upper(), 14, bold=True, colour=ink)

    def qr(self, code: str, x: float, y: float) -> None:
        """The code as vector rectangles: each run of dark modules in a row, stretched down over
        the rows below that have the same run (a third fewer rectangles than one per row)."""
        matrix = qr_code(code).matrix
        quiet = 2
        module = QR_SIZE / (len(matrix) + 2 * quiet)
        self.set_fill_color(0, 0, 0)
        for (first, last), top, rows in _rectangles(matrix):
            self.rect(
                x + (first + quiet) * module,
                y + (top + quiet) * module,
                (last - first) * module,
                rows * module,
                style="F",
            )

    def cut_marks(self) -> None:
        """Short lines in the sheet's margins where the two cuts go (not across the badges)."""
        self.set_draw_color(*GREY)
        self.set_line_width(0.2)
        middle_x, middle_y = BADGE_W, BADGE_H
        self.line(middle_x, 0, middle_x, CUT_MARK)
        self.line(middle_x, self.h - CUT_MARK, middle_x, self.h)
        self.line(0, middle_y, CUT_MARK, middle_y)
        self.line(self.w - CUT_MARK, middle_y, self.w, middle_y)
