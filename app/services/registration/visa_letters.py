"""Visa support letters: a registrant whose registration says they need one gives their passport
details on their manage page; an organiser approves; the letter, a PDF on the secretariat's
letterhead in the registrant's language, is emailed (through the outbox) and can be downloaded
from the manage page.

The passport details never reach a viewer, the audit log or a webhook; they are in the
person's data download and are deleted with the rest of their data (privacy/personal_data.py).
"""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale, format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from fpdf import FPDF

from ...database import utcnow, write_transaction
from ...extensions import db
from ...formatting import isolate
from ...i18n import email_locale
from ...models import Account, Event, Registration, StandardField, VisaLetter
from ...models.enums import TitledEnum
from .. import audit
from ..mail import notifications
from ..mail.certificates import CORE_FONT, GREY, NAVY, UNICODE_FONT, add_unicode_font, to_latin1
from ..regions import country_name

MESSAGE_KIND = "visa_letter"
FILENAME = "visa-support-letter.pdf"


class VisaLetterError(ValueError):
    status = 409


class UnknownLetter(VisaLetterError):
    status = 404


class State(TitledEnum):
    REQUESTED = "requested"  # the registration asks for a letter; no passport details yet
    GIVEN = "given"  # details given, waiting for an organiser
    APPROVED = "approved"
    SENT = "sent"

    @classmethod
    def _titles(cls):
        return {
            cls.REQUESTED: _l("Requested"),
            cls.GIVEN: _l("Passport details given"),
            cls.APPROVED: _l("Approved"),
            cls.SENT: _l("Sent"),
        }


@dataclass(frozen=True)
class Passport:
    """The passport details as the manage page's form gives them, already checked."""

    name: str
    number: str
    nationality: str
    birth_date: date
    issue_date: date
    expiry_date: date


def asks_for_letter(registration: Registration) -> bool:
    """Whether the registration's event asks the visa question and the person said yes."""
    return StandardField.VISA_LETTER.value in registration.event.asked_fields and bool(
        registration.visa_letter_needed
    )


def letter_of(registration: Registration) -> VisaLetter | None:
    return db.session.scalar(sa.select(VisaLetter).where(VisaLetter.registration_id == registration.id))


def state_of(letter: VisaLetter | None) -> State:
    if letter is None:
        return State.REQUESTED
    if letter.sent_dt is not None:
        return State.SENT
    return State.APPROVED if letter.approved_dt is not None else State.GIVEN


def give_passport(registration: Registration, passport: Passport) -> VisaLetter:
    """Record (or correct) the passport details. Corrected details need a new approval: the
    letter approved named the old ones."""
    if not (registration.is_active and asks_for_letter(registration)):
        raise VisaLetterError(_("This registration does not ask for a visa support letter."))
    with write_transaction() as session:
        letter = letter_of(registration)
        if letter is None:
            letter = VisaLetter(registration_id=registration.id)
            session.add(letter)
        letter.passport_name = passport.name
        letter.passport_number = passport.number
        letter.nationality = passport.nationality
        letter.birth_date = passport.birth_date
        letter.passport_issue_date = passport.issue_date
        letter.passport_expiry_date = passport.expiry_date
        letter.given_dt = utcnow()
        letter.approved_dt = letter.approved_by_id = letter.sent_dt = None
        # Without the details: the log says that they were given, not what they are.
        audit.record(
            "visa_letter.details", registration, "passport details given", event_id=registration.event_id
        )
    return letter


def requests(event: Event) -> list[tuple[Registration, VisaLetter | None]]:
    """Every active registration of `event` that asks for a letter, with its letter if any."""
    rows = db.session.execute(
        sa.select(Registration, VisaLetter)
        .outerjoin(VisaLetter, VisaLetter.registration_id == Registration.id)
        .where(
            Registration.event_id == event.id,
            Registration.visa_letter_needed.is_(True),
            Registration.anonymised_dt.is_(None),
        )
        .order_by(Registration.search_text, Registration.id)
    ).all()
    return [(registration, letter) for registration, letter in rows if registration.is_active]


def approve_and_send(event: Event, letter_id: int, *, by: Account) -> VisaLetter:
    """Approve a letter whose details were given and email it, attached, in one unit of work."""
    with write_transaction():
        letter = db.session.get(VisaLetter, letter_id)
        if letter is None or letter.registration.event_id != event.id:
            raise UnknownLetter(_("No such visa letter request for this event."))
        registration = letter.registration
        if not registration.is_active:
            raise VisaLetterError(_("This registration is no longer active."))
        if letter.sent_dt is not None:  # a second click, or another organiser's: one email
            raise VisaLetterError(_("This letter has already been sent."))
        now = utcnow()
        letter.approved_dt, letter.approved_by_id = now, by.id
        message = notifications.render(
            MESSAGE_KIND,
            registration,
            _l("Visa support letter: %(title)s", title=event.title),
            attachments=[
                {
                    "filename": FILENAME,
                    "content_type": "application/pdf",
                    "content_b64": base64.b64encode(letter_pdf(letter)).decode("ascii"),
                }
            ],
        )
        notifications.queue_composed([message])
        letter.sent_dt = now
        audit.record(
            "visa_letter.sent",
            registration,
            f"{registration.name}: visa support letter approved and sent",
            actor=by,
            event_id=event.id,
        )
    return letter


def downloadable(registration: Registration) -> VisaLetter | None:
    """The letter its owner may download from the manage page: once approved."""
    letter = letter_of(registration)
    return letter if letter is not None and letter.approved_dt is not None else None


def export(registration: Registration) -> dict | None:
    """The passport details held, for the person's data download."""
    letter = letter_of(registration)
    if letter is None:
        return None
    return {
        "passport_name": letter.passport_name,
        "passport_number": letter.passport_number,
        "nationality": letter.nationality,
        "birth_date": letter.birth_date.isoformat(),
        "passport_issue_date": letter.passport_issue_date.isoformat(),
        "passport_expiry_date": letter.passport_expiry_date.isoformat(),
        "given_at": letter.given_dt.isoformat(),
        "approved_at": letter.approved_dt.isoformat() if letter.approved_dt else None,
        "sent_at": letter.sent_dt.isoformat() if letter.sent_dt else None,
    }


# --- the letter ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LetterText:
    letterhead: tuple[str, ...]
    dated: str
    heading: str
    paragraphs: tuple[str, ...]
    signatory: tuple[str, str]
    right_to_left: bool

    def texts(self) -> Iterable[str]:
        yield from self.letterhead
        yield from (self.dated, self.heading, *self.paragraphs, *self.signatory)


def _day(value: date) -> str:
    return format_date(value, "d MMMM y")


def letter_text(letter: VisaLetter) -> LetterText:
    """What the letter says, in the current locale (the caller forces the registrant's)."""
    registration = letter.registration
    event = registration.event
    config = current_app.config
    start, end = event.start_dt.astimezone(event.zone).date(), event.end_dt.astimezone(event.zone).date()
    if start == end:
        when = _("on %(date)s", date=_day(start))
    else:
        when = _("from %(start)s to %(end)s", start=_day(start), end=_day(end))
    invitation = _(
        "The %(programme)s confirms that %(name)s, holder of passport number %(number)s, a national "
        "of %(country)s born on %(birth)s, is invited to take part in “%(event)s”, held at %(venue)s "
        "%(when)s.",
        programme=config["PROGRAMME_NAME"],
        name=isolate(letter.passport_name),
        number=isolate(letter.passport_number, ltr=True),
        country=country_name(letter.nationality),
        birth=_day(letter.birth_date),
        event=isolate(event.title),
        venue=isolate(event.place or config["PROGRAMME_ADDRESS"]),
        when=when,
    )
    validity = _(
        "The passport was issued on %(issued)s and is valid until %(expires)s.",
        issued=_day(letter.passport_issue_date),
        expires=_day(letter.passport_expiry_date),
    )
    request = _(
        "We would be grateful if the competent authorities granted the visa needed for this "
        "purpose. This letter does not commit the secretariat to any cost of travel or stay."
    )
    return LetterText(
        letterhead=tuple(
            line.strip() for line in config["VISA_LETTER_LETTERHEAD"].split("|") if line.strip()
        ),
        dated=format_date(utcnow().date(), "d MMMM y"),
        heading=_("Visa support letter"),
        paragraphs=(_("To whom it may concern,"), invitation, validity, request),
        signatory=(config["VISA_LETTER_SIGNATORY_NAME"], config["VISA_LETTER_SIGNATORY_TITLE"]),
        right_to_left=email_locale(registration.language) == "ar",
    )


def letter_pdf(letter: VisaLetter) -> bytes:
    """The letter as PDF bytes, in the registrant's language."""
    with force_locale(email_locale(letter.registration.language)):
        text = letter_text(letter)
        title = f"{text.heading}: {letter.passport_name}"
    pdf = _LetterPdf(text)
    pdf.set_title(title)
    pdf.set_author(text.letterhead[0] if text.letterhead else current_app.config["PROGRAMME_NAME"])
    return pdf.draw()


class _LetterPdf(FPDF):
    def __init__(self, text: LetterText):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.letter = text
        self.unicode = add_unicode_font(self, text.texts())
        self.paragraph_align = "R" if text.right_to_left else "L"
        self.set_margins(25, 20, 25)

    def paragraph(self, text: str, size: float, *, bold: bool = False, colour=NAVY, align: str = "") -> None:
        self.set_font(UNICODE_FONT if self.unicode else CORE_FONT, "B" if bold else "", size)
        self.set_text_color(*colour)
        encoded = text if self.unicode else to_latin1(text)
        self.multi_cell(
            0, size * 0.55, encoded, align=align or self.paragraph_align, new_x="LMARGIN", new_y="NEXT"
        )

    def draw(self) -> bytes:
        text = self.letter
        self.add_page()
        for index, line in enumerate(text.letterhead):
            self.paragraph(
                line, 13 if index == 0 else 9.5, bold=index == 0, colour=NAVY if index == 0 else GREY
            )
        self.set_draw_color(*NAVY)
        self.line(self.l_margin, self.get_y() + 3, self.w - self.r_margin, self.get_y() + 3)
        self.ln(10)
        self.paragraph(text.dated, 10.5, align="L" if text.right_to_left else "R")
        self.ln(6)
        self.paragraph(text.heading, 15, bold=True)
        self.ln(5)
        for paragraph in text.paragraphs:
            self.paragraph(paragraph, 11)
            self.ln(4)
        self.ln(14)
        name, title = text.signatory
        self.paragraph(name, 11, bold=True)
        self.paragraph(title, 10.5, colour=GREY)
        return bytes(self.output())
