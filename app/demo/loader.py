"""Loading the demo programme (data.py) into an empty database: the same data at every load."""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from uuid import uuid4
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from fpdf import FPDF

from ..database import utcnow
from ..extensions import db
from ..models import (
    AgendaItem,
    AgendaItemKind,
    Attendance,
    AttendanceSource,
    Delegate,
    Document,
    DocumentKind,
    Event,
    EventFormat,
    EventKind,
    OrganisationKind,
    Registration,
    RegistrationStatus,
    Series,
    Speaker,
    SpeakerRole,
)
from .data import (
    AFFILIATIONS,
    ATTENDED_FROM_MINUTES,
    BRIEFLY,
    CANCELLED,
    CHAIR,
    CONFIRMED,
    COUNTRIES,
    DUTY_STATIONS,
    FOUR_PS_DESCRIPTION,
    FOUR_PS_EVENTS,
    FOUR_PS_REGULARS,
    FOUR_PS_TITLE,
    FUTURE_EVENTS,
    FUTURE_SERIES,
    JOB_TITLES,
    LATIN1,
    MEETING_STYLES,
    MINISTRIES,
    MODULES_PER_REGULAR,
    NAMES,
    ORGANISATION_KINDS,
    ORGANISER,
    PAST_MEETINGS,
    PAST_MEETINGS_NOTE,
    READER_INTRO,
    SEED,
    STANDALONE_EVENTS,
    Turnout,
)


def programme_is_empty() -> bool:
    """True when there is no series and no event yet (delegates alone do not count)."""
    has_series = db.session.scalar(sa.select(Series.id).limit(1)) is not None
    return not has_series and db.session.scalar(sa.select(Event.id).limit(1)) is None


DEMO_PASSWORD = "plenary-demo-password"  # noqa: S105 - documented in the README, development only
DEMO_ACCOUNTS = (
    ("admin@plenary.example.org", "Demo Administrator", "admin"),
    ("organiser@plenary.example.org", "Demo Organiser", "organiser"),
    ("viewer@plenary.example.org", "Demo Viewer", "viewer"),
)


def create_demo_accounts() -> list[str]:
    """One console account per role, with the README's password; only where the configuration allows."""
    from ..models import Account, AccountRole
    from ..services.accounts.accounts import create_account

    created = []
    for email, name, role in DEMO_ACCOUNTS:
        if db.session.scalar(sa.select(Account.id).where(Account.email == email)) is None:
            create_account(email, name, DEMO_PASSWORD, AccountRole(role))
            created.append(email)
    return created


def load_demo_programme(now: datetime | None = None) -> dict:
    """Add the demo programme in one transaction, for an empty database; return what was added.

    `now` places the upcoming series; it must be later than July 2021, as the registrations of the
    past events are dated before it.
    """
    demo = _Demo(now or utcnow())
    try:
        series = [demo.four_ps_series(), demo.future_series()]
        events = [event for s in series for event in s.events] + demo.standalone_events()
        events += demo.past_meetings()
        db.session.add_all([*series, *events])
        db.session.flush()  # the registrations' ids, which attendance refers to
        attendance = demo.attendance_rows()
        db.session.execute(sa.insert(Attendance), attendance)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        demo.remove_files()
        raise
    return {
        "series": len(series),
        "events": len(events),
        "delegates": len(demo.delegates),
        "registrations": demo.registrations,
        "attendance records": len(attendance),
        "documents": len(demo.files),
    }


class _Demo:
    """What one load shares: the clock, the random generator, the delegates and files made so far."""

    def __init__(self, now: datetime):
        self.now = now
        self.rng = random.Random(SEED)
        self.delegates: list[Delegate] = []
        self.registrations = 0
        # Who took part in what; written once the registrations have their ids.
        self.presences: list[tuple[Event, Registration | None, dict]] = []
        self.walk_ins = 0
        self.files: list[Path] = []
        self.folder = Path(current_app.config["DOCUMENTS_DIR"])

    # -- programme --

    def four_ps_series(self) -> Series:
        series = Series(
            title=FOUR_PS_TITLE,
            description=FOUR_PS_DESCRIPTION,
            chair=CHAIR,
            organiser=ORGANISER,
            created_dt=datetime(2021, 3, 1, 9, tzinfo=UTC),
            # Past the default 24 months already: kept ten years, so that the demo still
            # shows its list of participants (the 2015-2020 meetings go by the default).
            retention_months=120,
        )
        sections = [("", READER_INTRO)] + [(spec["title"], spec["text"]) for spec in FOUR_PS_EVENTS]
        series.documents.append(
            self.document(
                DocumentKind.READER,
                "Reader: Trafficking in Human Beings – The 4Ps Revisited",
                "KP THB 4Ps_WEB.pdf",
                sections,
            )
        )
        attendees = self.four_ps_attendees()
        for spec, people in zip(FOUR_PS_EVENTS, attendees, strict=True):
            event = self.event(
                spec,
                kind=EventKind.WEBINAR,
                format=EventFormat.ONLINE,
                timezone="Europe/Brussels",
                hours=("10:00", "12:00"),
            )
            event.documents.append(
                self.document(
                    DocumentKind.BACKGROUND_NOTE,
                    f"Background note: {spec['title']}",
                    f"Background note - {spec['title']}.pdf",
                    [("", spec["text"]), ("Agenda", _agenda_text(spec))],
                )
            )
            self.take_part(event, self.register(event, people, spec["registrations"]), spec["turnout"])
            series.events.append(event)
        return series

    def standalone_events(self) -> list[Event]:
        events = []
        for spec in STANDALONE_EVENTS:
            event = self.event(spec)
            size = sum(count for _, count in spec["registrations"])
            kinds = spec.get("kinds")
            returning = self.returning(size // 3, set(kinds) if kinds else None)
            people = returning + self.new_delegates(size - len(returning), kinds)
            self.take_part(event, self.register(event, people, spec["registrations"]), spec["turnout"])
            events.append(event)
        return events

    def past_meetings(self) -> list[Event]:
        """The in-person meetings of November 2015 – March 2020, everyone checked in at the door."""
        events = []
        for kind, day, days, place, zone, title, theme, attended, recommendations in PAST_MEETINGS:
            style = MEETING_STYLES[kind]
            spec = dict(
                title=title,
                theme=theme[0].upper() + theme[1:],
                kind=kind,
                format=EventFormat.IN_PERSON,
                timezone=zone,
                day=day,
                hours=style["hours"],
                place=place,
                capacity=(attended // 10 + 2) * 10,
                recommendations=recommendations,
                outcomes=_outcomes(recommendations, theme),
                text=(style["text"].format(place=place, title=title, theme=theme), PAST_MEETINGS_NOTE),
                agenda=style["agenda"],
            )
            event = self.event(spec)
            event.end_dt = _at(day + timedelta(days=days - 1), style["hours"][1], zone)
            returning = self.returning(round(attended * style["returning"]), set(style["kinds"]))
            people = returning + self.new_delegates(attended - len(returning), style["kinds"])
            self.take_part(event, self.register(event, people, ((CONFIRMED, attended),)), Turnout(), days)
            events.append(event)
        return events

    def future_series(self) -> Series:
        series = Series(
            title=FUTURE_SERIES["title"],
            description=FUTURE_SERIES["description"],
            chair=CHAIR,
            organiser=ORGANISER,
            created_dt=self.now - timedelta(days=14),
        )
        for spec in FUTURE_EVENTS:
            day = _nearest_wednesday((self.now + timedelta(days=spec["days"])).date())
            event = self.event(
                {**spec, "day": day},
                kind=EventKind.WEBINAR,
                format=EventFormat.ONLINE,
                hours=("13:00", "15:00"),
                opens_dt=self.now - timedelta(days=10),
            )
            if spec.get("requires_approval"):
                event.registration_closes_dt = event.start_dt - timedelta(days=2)
            size = sum(count for _, count in spec["registrations"])
            people = self.returning(spec["returning"]) + self.new_delegates(size - spec["returning"])
            self.register(event, people, spec["registrations"])
            series.events.append(event)
        return series

    def event(self, spec: dict, *, opens_dt: datetime | None = None, **defaults) -> Event:
        values = {**defaults, **spec}
        start, end = (_at(values["day"], clock, values["timezone"]) for clock in values["hours"])
        opens_dt = opens_dt or start - timedelta(days=28)
        event = Event(
            title=values["title"],
            theme=values["theme"],
            kind=values["kind"],
            format=values["format"],
            description="\n\n".join(values["text"]),
            start_dt=start,
            end_dt=end,
            timezone=values["timezone"],
            place=values.get("place", ""),
            join_url=values.get("join_url", ""),
            join_passcode=values.get("join_passcode", ""),
            dial_in=values.get("dial_in", ""),
            capacity=values["capacity"],
            registration_opens_dt=opens_dt,
            requires_approval=values.get("requires_approval", False),
            is_published=True,
            outcomes=values.get("outcomes", ""),
            recommendations_count=values.get("recommendations", 0),
            created_dt=min(opens_dt, self.now) - timedelta(days=7),
        )
        event.agenda_items = [_agenda_item(position, *item) for position, item in enumerate(values["agenda"])]
        _timed(event.agenda_items, start, end)
        return event

    def document(
        self, kind: DocumentKind, title: str, filename: str, sections: Sequence[tuple[str, Sequence[str]]]
    ) -> Document:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{uuid4().hex}.pdf"
        self.files.append(path)
        _write_pdf(path, title, sections)
        return Document(
            kind=kind,
            title=title,
            filename=filename,
            stored_name=path.name,
            content_type="application/pdf",
            size_bytes=path.stat().st_size,
            is_public=True,
            created_dt=min(self.now, datetime(2021, 7, 15, tzinfo=UTC)),
        )

    def remove_files(self) -> None:
        for path in self.files:
            path.unlink(missing_ok=True)

    # -- people --

    def four_ps_attendees(self) -> list[list[Delegate]]:
        """Regulars spread over several modules first, then newcomers up to each module's size."""
        sizes = [sum(count for _, count in spec["registrations"]) for spec in FOUR_PS_EVENTS]
        lists: list[list[Delegate]] = [[] for _ in sizes]
        for delegate in self.new_delegates(FOUR_PS_REGULARS):
            for index in self.rng.sample(range(len(sizes)), self.rng.choice(MODULES_PER_REGULAR)):
                lists[index].append(delegate)
        return [
            people[:size] + self.new_delegates(size - len(people[:size]))
            for people, size in zip(lists, sizes, strict=True)
        ]

    def returning(self, count: int, kinds: set[OrganisationKind] | None = None) -> list[Delegate]:
        known = [d for d in self.delegates if kinds is None or d.organisation_kind in kinds]
        return self.rng.sample(known, min(count, len(known)))

    def new_delegates(self, count: int, kinds: dict[OrganisationKind, int] | None = None) -> list[Delegate]:
        return [self.new_delegate(kinds or ORGANISATION_KINDS) for _ in range(count)]

    def new_delegate(self, kinds: dict[OrganisationKind, int]) -> Delegate:
        given, surname, details = self.person(kinds)
        email = f"{_slug(given)}.{_slug(surname)}.{len(self.delegates) + 1}@example.org"
        delegate = Delegate(email=email, created_dt=self.now, **details)
        self.delegates.append(delegate)
        return delegate

    def person(self, kinds: dict[OrganisationKind, int]) -> tuple[str, str, dict]:
        """A given name, a surname and the details of someone from the programme's world."""
        rng = self.rng
        kind = rng.choices(list(kinds), weights=list(kinds.values()))[0]
        organisation, country = self.affiliation(kind)
        _, pool, languages, _ = COUNTRIES[country]
        given, surname = (rng.choice(names) for names in NAMES[pool])
        details = dict(
            name=f"{given} {surname}",
            organisation=organisation,
            organisation_kind=kind,
            country=country,
            job_title=rng.choice(JOB_TITLES[kind]),
            language=rng.choice(languages),
        )
        return given, surname, details

    def affiliation(self, kind: OrganisationKind) -> tuple[str, str]:
        if kind == OrganisationKind.MEMBER_STATE:
            codes = list(COUNTRIES)
            code = self.rng.choices(codes, weights=[COUNTRIES[c][3] for c in codes])[0]
            return f"{self.rng.choice(MINISTRIES)}, {COUNTRIES[code][0]}", code
        organisation, country = self.rng.choice(AFFILIATIONS[kind])
        return organisation, country or self.rng.choice(DUTY_STATIONS)

    def register(
        self, event: Event, people: list[Delegate], counts: Sequence[tuple[RegistrationStatus, int]]
    ) -> list[Registration]:
        """Registrations in the order they came in; only a past event's cancellations are mixed in."""
        statuses = [status for status, count in counts for _ in range(count)]
        if event.start_dt <= self.now:
            self.rng.shuffle(statuses)
        last = min(event.start_dt - timedelta(hours=1), self.now - timedelta(hours=1))
        opens = event.registration_opens_dt
        assert opens is not None  # every demo event opens registration at a set instant
        span = (last - opens).total_seconds()
        times = sorted(opens + timedelta(seconds=self.rng.uniform(0, span)) for _ in statuses)
        registrations = [
            self.registration(event, delegate, status, created, last)
            for delegate, status, created in zip(people, statuses, times, strict=True)
        ]
        db.session.add_all(registrations)
        event.confirmed_count = statuses.count(CONFIRMED)
        self.registrations += len(statuses)
        return registrations

    def registration(
        self, event: Event, delegate: Delegate, status: RegistrationStatus, created: datetime, last: datetime
    ) -> Registration:
        changed = created
        if status == CANCELLED:
            changed += timedelta(seconds=self.rng.uniform(0, (last - created).total_seconds()))
        registration = Registration(
            event=event,
            delegate=delegate,
            status=status,
            consent_privacy_dt=created,
            consent_participant_list=self.rng.random() < 0.6,
            created_dt=created,
            status_changed_dt=changed,
        )
        registration.set_details(delegate.details())
        delegate.created_dt = min(delegate.created_dt, created)
        return registration

    # -- attendance --

    def take_part(
        self, event: Event, registrations: list[Registration], turnout: Turnout | None, days: int = 1
    ) -> None:
        """Record who took part: checked in for the whole meeting, or as a participant report has it."""
        if turnout is None:
            return
        confirmed = [r for r in registrations if r.status == CONFIRMED]
        length = int((event.end_dt - event.start_dt).total_seconds() // 60)
        if turnout.attended is None:
            daily = length if days == 1 else _daily_minutes(event)
            for registration in confirmed:
                self.presence(event, registration, {}, days * daily, 0, AttendanceSource.CHECK_IN)
            return
        present = self.rng.sample(confirmed, turnout.attended + turnout.briefly)
        for index, registration in enumerate(present):
            minutes = self.online_minutes(length) if index < turnout.attended else self.rng.choice(BRIEFLY)
            self.presence(event, registration, {}, minutes, length)
        for _ in range(turnout.walk_ins):
            self.presence(event, None, self.walk_in(), self.online_minutes(length), length)

    def online_minutes(self, length: int) -> int:
        """Most stay to the end; some leave at the break; a few look in for a while."""
        draw = self.rng.random()
        low, high = (0.85, 1.0) if draw < 0.7 else (0.45, 0.85) if draw < 0.92 else (0.12, 0.45)
        return self.rng.randint(int(length * low), int(length * high))

    def walk_in(self) -> dict:
        """Someone who took part without registering: what the participant report tells of them."""
        given, surname, details = self.person(ORGANISATION_KINDS)
        self.walk_ins += 1
        email = f"{_slug(given)}.{_slug(surname)}.guest{self.walk_ins}@example.net"
        return dict(
            participant_key=email,
            name=details["name"],
            email=email,
            organisation=details["organisation"],
            organisation_kind=details["organisation_kind"],
            country=details["country"],
        )

    def presence(
        self,
        event: Event,
        registration: Registration | None,
        person: dict,
        minutes: int,
        length: int,
        source: AttendanceSource = AttendanceSource.ZOOM,
    ) -> None:
        """One attendance record; `length` > 0 lets the person join a little late (online)."""
        late = self.rng.randint(-3, max(min(15, length - minutes), -3)) if length else 0
        joined = event.start_dt + timedelta(minutes=late)
        left = joined + timedelta(minutes=minutes) if length else event.end_dt
        values = dict(
            registration_id=None,
            participant_key="",
            name="",
            email="",
            organisation="",
            organisation_kind=None,
            country="",
            source=source,
            first_join_dt=joined,
            last_leave_dt=left,
            minutes=minutes,
            attended=minutes >= ATTENDED_FROM_MINUTES,
            # A participant report is imported the day after; a check-in is made at the door.
            created_dt=event.end_dt + timedelta(days=1) if length else joined,
        )
        values.update(person)
        self.presences.append((event, registration, values))

    def attendance_rows(self) -> list[dict]:
        """The attendance records, for one bulk insert once the registrations have their ids."""
        rows = []
        for event, registration, values in self.presences:
            row = dict(values, event_id=event.id)
            if registration is not None:
                row.update(
                    registration_id=registration.id,
                    participant_key=f"reg:{registration.id}",
                    name=registration.name,
                    email=registration.delegate.email,
                )
            rows.append(row)
        return rows


def _daily_minutes(event: Event) -> int:
    """The length of one day of a meeting that lasts several."""
    start, end = event.start_dt.astimezone(event.zone), event.end_dt.astimezone(event.zone)
    return (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)


def _outcomes(count: int, theme: str) -> str:
    if not count:
        return "Progress on the work plan reviewed; decisions prepared for the Senior Officials' Meeting."
    noun = "recommendation" if count == 1 else "recommendations"
    return f"{count} {noun} adopted on {theme[0].lower() + theme[1:]}."


def _agenda_item(
    position: int,
    kind: AgendaItemKind,
    title: str,
    description: str,
    speakers: Sequence[tuple[str, str, str, SpeakerRole]],
) -> AgendaItem:
    return AgendaItem(
        position=position,
        kind=kind,
        title=title,
        description=description,
        speakers=[
            Speaker(position=index, name=name, title=job, organisation=organisation, role=role)
            for index, (name, job, organisation, role) in enumerate(speakers)
        ],
    )


def _timed(items: Sequence[AgendaItem], start: datetime, end: datetime) -> None:
    """Times for the demo's agenda: the event's span shared evenly, in slots of whole 5 minutes."""
    if not items:
        return
    slot = timedelta(minutes=(end - start) // timedelta(minutes=5) // len(items) * 5)
    for index, item in enumerate(items):
        item.start_dt, item.end_dt = start + index * slot, start + (index + 1) * slot


def _agenda_text(spec: dict) -> list[str]:
    lines = []
    for _, title, description, speakers in spec["agenda"]:
        names = "; ".join(f"{name}, {job}, {organisation}" for name, job, organisation, _ in speakers)
        lines.append(" ".join(part for part in (f"{title}.", names and f"{names}.", description) if part))
    return lines


def _at(day: date, clock: str, zone: str) -> datetime:
    """A local wall-clock time in `zone`, as an instant in UTC."""
    local = datetime.combine(day, time.fromisoformat(clock), tzinfo=ZoneInfo(zone))
    return local.astimezone(UTC)


def _nearest_wednesday(day: date) -> date:
    shift = (2 - day.weekday()) % 7
    return day + timedelta(days=shift - 7 if shift > 3 else shift)


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")


def _latin1(text: str) -> str:
    plain = text.replace("**", "").replace("*", "").translate(LATIN1)
    return plain.encode("latin-1", "replace").decode("latin-1")


def _write_pdf(path: Path, title: str, sections: Sequence[tuple[str, Sequence[str]]]) -> None:
    pdf = FPDF()
    pdf.set_title(_latin1(title))
    pdf.set_author(ORGANISER)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 16)
    pdf.multi_cell(0, 9, _latin1(title), new_x="LMARGIN", new_y="NEXT")
    for heading, paragraphs in sections:
        pdf.ln(4)
        if heading:
            pdf.set_font("Helvetica", "B", 13)
            pdf.multi_cell(0, 8, _latin1(heading), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 11)
        for paragraph in paragraphs:
            pdf.multi_cell(0, 6, _latin1(paragraph), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)
    pdf.output(str(path))
