"""The list of participants as the secretariat publishes it after a meeting, as PDF and XLSX.

Grouped as such lists are: the member states first, each a delegation under its country's
name in the reader's language and in that language's alphabetical order (regions.py); then
the international organisations; then everyone else, each under their organisation. Within a
delegation the head of delegation comes first, then the others by family name.

Only those who consented to be listed (consent_participant_list) appear, and of them either
those who attended or every confirmed registrant: the organisers choose.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import gettext as _
from fpdf import FPDF

from ...database import folded, write_transaction
from ...extensions import db
from ...formatting import long_date
from ...models import Event, OrganisationKind, Registration, RegistrationStatus
from .. import audit, fields
from ..attendance import attendance
from ..mail.certificates import CORE_FONT, GREY, NAVY, UNICODE_FONT, add_unicode_font, fits_latin1, to_latin1
from ..regions import by_country_name, country_name
from .figure_exports import Download, Table, download
from .report_pdf import PdfFile


class Who(enum.StrEnum):
    ATTENDED = "attended"  # those recorded as having attended
    CONFIRMED = "confirmed"  # every confirmed registrant


class Group(enum.IntEnum):
    """The parts of the list, in their order."""

    MEMBER_STATES = 1
    ORGANISATIONS = 2
    OTHERS = 3

    @property
    def title(self) -> str:
        return {
            Group.MEMBER_STATES: _("Member states"),
            Group.ORGANISATIONS: _("International organisations"),
            Group.OTHERS: _("Other participants"),
        }[self]


@dataclass(frozen=True)
class Person:
    salutation: str
    given_name: str
    family_name: str  # emphasised; the whole name when given and family names are not known
    job_title: str
    organisation: str
    head_of_delegation: bool

    @property
    def name(self) -> str:
        return " ".join(part for part in (self.salutation, self.given_name, self.family_name) if part)

    def texts(self) -> Iterable[str]:
        yield from (self.salutation, self.given_name, self.family_name, self.job_title, self.organisation)


@dataclass(frozen=True)
class Delegation:
    group: Group
    heading: str  # the member state's name, or the organisation's
    people: tuple[Person, ...]


@dataclass(frozen=True)
class ParticipantsList:
    event: Event
    who: Who
    delegations: tuple[Delegation, ...]

    @property
    def count(self) -> int:
        return sum(len(delegation.people) for delegation in self.delegations)


# --- who is listed, and where ----------------------------------------------------------------------


def listed(event: Event, who: Who) -> list[Registration]:
    """The registrations the list names: consented, not erased, attended or confirmed."""
    statement = sa.select(Registration).where(
        Registration.event_id == event.id,
        Registration.consent_participant_list.is_(True),
        Registration.anonymised_dt.is_(None),
    )
    if who == Who.ATTENDED:
        statement = statement.where(attendance.attended(event.id))
    else:
        statement = statement.where(Registration.status == RegistrationStatus.CONFIRMED)
    return list(db.session.scalars(statement))


def _member_state(registration: Registration) -> str:
    """The member state a registrant is listed under ("" for none): the one they represent,
    else their own country when they come from a member state's administration."""
    if registration.representing_country:
        return registration.representing_country
    if registration.representing_organisation:
        return ""
    if registration.organisation_kind == OrganisationKind.MEMBER_STATE:
        return registration.country or ""
    return ""


def _place(registration: Registration) -> tuple[Group, str]:
    """(group, delegation key): a country code for a member state, else an organisation name."""
    country = _member_state(registration)
    if country:
        return Group.MEMBER_STATES, country
    organisation = registration.representing_organisation.strip() or registration.organisation.strip()
    if registration.organisation_kind == OrganisationKind.INTERNATIONAL_ORGANISATION or (
        registration.representing_organisation.strip()
    ):
        return Group.ORGANISATIONS, organisation
    return Group.OTHERS, organisation


def person_of(registration: Registration) -> Person:
    salutation, given, family = fields.printed_name(registration)
    return Person(
        salutation=salutation,
        given_name=given,
        family_name=family,
        job_title=registration.job_title,
        organisation=registration.organisation,
        head_of_delegation=bool(registration.head_of_delegation),
    )


def _person_order(person: Person) -> tuple:
    return (not person.head_of_delegation, folded(person.family_name), folded(person.given_name))


def participants_list(event: Event, who: Who, locale: str | None = None) -> ParticipantsList:
    """The list in `locale` (the page's language by default): its groups and delegations in order."""
    locale = locale or str(get_locale() or "en")
    places: dict[tuple[Group, str], list[Person]] = {}
    for registration in listed(event, who):
        places.setdefault(_place(registration), []).append(person_of(registration))
    countries = by_country_name([key for group, key in places if group == Group.MEMBER_STATES], locale)
    rank = {country: index for index, country in enumerate(countries)}

    def order(place: tuple[Group, str]) -> tuple:
        group, key = place
        if group == Group.MEMBER_STATES:
            return (group, rank[key], "")
        return (group, 0, folded(key) or "\uffff")  # those with no organisation last

    delegations = []
    for place in sorted(places, key=order):
        group, key = place
        heading = country_name(key, locale) if group == Group.MEMBER_STATES else key
        people = tuple(sorted(places[place], key=_person_order))
        delegations.append(Delegation(group, heading or _("No organisation given"), people))
    return ParticipantsList(event, who, tuple(delegations))


def record_download(listing: ParticipantsList, fmt: str) -> None:
    """Every download of names is in the audit log, as every export of personal data is."""
    event = listing.event
    with write_transaction():
        audit.record(
            "participants_list.download",
            event,
            f"{event.title}: list of participants ({listing.who.value}, {listing.count}) as {fmt.upper()}",
            event_id=event.id,
            format=fmt,
            rows=listing.count,
        )


def filename_stem(listing: ParticipantsList) -> str:
    return f"participants-event-{listing.event.id}-{listing.who.value}"


# --- XLSX ----------------------------------------------------------------------------------------


def xlsx(listing: ParticipantsList) -> Download:
    header = [
        _("Group"),
        _("Delegation"),
        fields.label("salutation"),
        fields.label("given_name"),
        fields.label("family_name"),
        _("Job title"),
        _("Organisation"),
        fields.label("head_of_delegation"),
    ]
    rows = [
        [
            delegation.group.title,
            delegation.heading,
            person.salutation,
            person.given_name,
            person.family_name,
            person.job_title,
            person.organisation,
            _("Yes") if person.head_of_delegation else "",
        ]
        for delegation in listing.delegations
        for person in delegation.people
    ]
    return download([Table(_("List of participants"), header, rows)], filename_stem(listing), "xlsx")


# --- PDF -----------------------------------------------------------------------------------------


def pdf(listing: ParticipantsList) -> PdfFile:
    event = listing.event
    title = _("List of participants")
    when = long_date(event.start_dt.astimezone(event.zone))
    right_to_left = str(get_locale() or "en") == "ar"
    document = _ListPdf([title, event.title, when, *_texts(listing.delegations)], right_to_left)
    document.set_title(f"{title}: {event.title}")
    document.draw(title, event.title, when, listing.delegations)
    return PdfFile(f"{filename_stem(listing)}.pdf", bytes(document.output()))


def _texts(delegations: Sequence[Delegation]) -> Iterable[str]:
    for delegation in delegations:
        yield delegation.group.title
        yield delegation.heading
        for person in delegation.people:
            yield from person.texts()


def _unmarked(text: str) -> str:
    """`text` without fpdf2's markdown markers (**, __, --), set with markdown=True: a name
    such as "Jean--Pierre" keeps its characters, split by a space."""
    for marker in ("**", "__", "--"):
        while marker in text:
            text = text.replace(marker, f"{marker[0]} {marker[0]}")
    return text


class _ListPdf(FPDF):
    INDENT = 6.0

    def __init__(self, texts: Iterable[str], right_to_left: bool):
        super().__init__(orientation="P", unit="mm", format="A4")
        self.unicode = add_unicode_font(self, texts)
        # An Arabic list reads from the right: its lines start at the right margin.
        self.line_align = "R" if right_to_left else "L"
        self.set_margins(20, 18, 20)
        self.set_auto_page_break(True, margin=18)

    def _font(self, text: str, size: float, bold: bool) -> str:
        shaped = self.unicode and not fits_latin1(text)
        self.set_font(UNICODE_FONT if shaped else CORE_FONT, "B" if bold else "", size)
        return text if shaped else to_latin1(text)

    def paragraph(self, text: str, size: float, *, bold: bool = False, colour=NAVY, align="") -> None:
        if text:
            self.set_text_color(*colour)
            encoded = self._font(text, size, bold)
            self.multi_cell(
                0, size * 0.5, encoded, align=align or self.line_align, new_x="LMARGIN", new_y="NEXT"
            )

    def indented(self, text: str, size: float, height: float, *, markdown: bool = False) -> None:
        """A paragraph indented from the side the lines start on."""
        if self.line_align == "L":
            self.set_x(self.l_margin + self.INDENT)
        width = self.w - self.l_margin - self.r_margin - self.INDENT
        self.multi_cell(
            width, height, text, align=self.line_align, markdown=markdown, new_x="LMARGIN", new_y="NEXT"
        )

    def person(self, person: Person, heading: str) -> None:
        """The name on one line, the family name in bold (one paragraph, so that a right-to-left
        name is laid out as a whole); the title and organisation below (the organisation said
        once where it is the delegation's heading)."""
        self.set_text_color(*NAVY)
        self._font(person.name, 10.5, False)  # one font for the line: markdown changes its style only
        shaped = self.font_family == UNICODE_FONT.lower()

        def plain(text: str) -> str:
            return _unmarked(text if shaped else to_latin1(text))

        parts = [plain(person.salutation), plain(person.given_name), f"**{plain(person.family_name)}**"]
        self.indented(" ".join(part for part in parts if part.strip("*")), 10.5, 5.5, markdown=True)
        organisation = "" if person.organisation == heading else person.organisation
        details = " – ".join(part for part in (person.job_title, organisation) if part)
        if person.head_of_delegation:
            details = " – ".join(part for part in (_("Head of delegation"), details) if part)
        if details:
            self.set_text_color(*GREY)
            self.indented(self._font(details, 9, False), 9, 4.5)
        self.ln(1.5)

    def draw(self, title: str, event_title: str, when: str, delegations: Sequence[Delegation]) -> None:
        self.add_page()
        self.paragraph(title, 20, bold=True, align="C")
        self.paragraph(event_title, 13, align="C")
        self.paragraph(when, 11, colour=GREY, align="C")
        self.ln(6)
        group = None
        for delegation in delegations:
            if delegation.group != group:
                group = delegation.group
                self.ln(3)
                self.paragraph(group.title.upper(), 13, bold=True)
                self.ln(1)
            self.paragraph(delegation.heading, 11.5, bold=True)
            self.ln(1)
            for person in delegation.people:
                self.person(person, delegation.heading)
            self.ln(2)
