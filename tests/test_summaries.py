"""The figures of the summaries, their paragraph, and the programme over years, counted by SQL."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event as sa_event

from app.database import utcnow
from app.extensions import db
from app.models import (
    Attendance,
    AttendanceSource,
    Delegate,
    Event,
    EventFormat,
    EventKind,
    OrganisationKind,
    ParticipantsVersion,
    Registration,
    RegistrationStatus,
)
from app.services import regions
from app.services.attendance.attendance import check_in, undo_check_in
from app.services.privacy.personal_data import erase_delegate
from app.services.registration.registrations import (
    Applicant,
    add_registration,
    cancel,
    edit_details,
    register,
    update_details,
)
from app.services.reporting import narrative, summaries
from tests.conftest import fresh_transaction, make_account, make_event, make_series

# --- building a programme -------------------------------------------------------------------------


def applicant(name: str, country: str, kind: str, organisation: str, consent: bool = False) -> Applicant:
    email = name.lower().replace(" ", ".") + "@example.org"
    return Applicant(
        email=email,
        name=name,
        country=country,
        organisation_kind=kind,
        organisation=organisation,
        consent_participant_list=consent,
    )


def enrol(event: Event, person: Applicant) -> Registration:
    """Register through the real service, a week before the (past) event."""
    outcome = register(event, person, now=event.start_dt - timedelta(days=7))
    return outcome.registration


def attend(event: Event, registration: Registration | None = None, *, minutes: int, **walk_in) -> Attendance:
    attended = walk_in.pop("attended", minutes >= event.attendance_min_minutes)
    key = (
        f"reg:{registration.id}"
        if registration
        else walk_in.get("email") or f"name:{walk_in['name'].lower()}"
    )
    fresh_transaction()  # a summary read in this transaction may have stored its people since
    row = Attendance(
        event_id=event.id,
        registration_id=registration.id if registration else None,
        participant_key=key,
        source=AttendanceSource.ZOOM,
        minutes=minutes,
        attended=attended,
        **walk_in,
    )
    db.session.add(row)
    db.session.commit()
    return row


AMINA = applicant("Amina Yusuf", "ET", "member_state", "Ministry of Labour", consent=True)
JOHAN = applicant("Johan Kruger", "NL", "member_state", "Ministry of Justice", consent=True)
CONNY = applicant("Conny Rijken", "NL", "academia", "Tilburg University")
VINCENT = applicant("Vincent Cochetel", "CH", "international_organisation", "UNHCR", consent=True)
SIHAM = applicant("Siham Osman", "SD", "member_state", "Ministry of Justice", consent=True)
AIDA = applicant("Aida Awel", "ET", "international_organisation", "ILO", consent=True)
GUY = applicant("Guy Fourmage", "FR", "ngo", "ROCK")
WALKER = applicant("Walker Odhiambo", "KE", "ngo", "Stop the Traffik")


@dataclass
class FourPs:
    series: object
    prevention: Event
    protection: Event
    prosecution: Event
    registrations: dict


@pytest.fixture
def four_ps(app) -> FourPs:
    return build_four_ps()


def build_four_ps() -> FourPs:
    """The 4Ps series by hand: an earlier module without attendance, the one we look at with
    attendance, walk-ins and a waiting list, and a later module. Each starts at 09:00 UTC, so
    that no module runs past midnight in its zone (a test that reads a date and a time as the
    cover shows one would otherwise fail at some hours of the day)."""
    now = utcnow().replace(hour=9, minute=0, second=0, microsecond=0)
    series = make_series()
    prevention = make_event("Prevention", series=series, start=now - timedelta(days=60), capacity=50)
    protection = make_event(
        "Protection", series=series, start=now - timedelta(days=30), capacity=5, recommendations_count=3
    )
    prosecution = make_event("Prosecution", series=series, start=now - timedelta(days=10), capacity=50)

    # Prevention: no attendance recorded; Amina and Walker confirmed, Vincent cancelled.
    enrol(prevention, AMINA)
    enrol(prevention, WALKER)
    cancel(enrol(prevention, VINCENT), now=prevention.start_dt - timedelta(days=1))

    # Protection: five seats; Aida and Guy wait; Johan cancels and Aida moves up.
    regs = {
        person.name: enrol(protection, person) for person in (AMINA, JOHAN, CONNY, VINCENT, SIHAM, AIDA, GUY)
    }
    cancel(regs["Johan Kruger"], now=protection.start_dt - timedelta(days=1))
    attend(protection, regs["Amina Yusuf"], minutes=90)
    attend(protection, regs["Conny Rijken"], minutes=60)
    attend(protection, regs["Vincent Cochetel"], minutes=30)
    attend(protection, regs["Siham Osman"], minutes=5)  # below 10 minutes: not attended
    # Walk-ins: one a delegate we know (from Prevention), one nobody knows.
    attend(protection, minutes=45, email=WALKER.email, name="Walker O.", organisation="ministry of labour ")
    attend(protection, minutes=20, name="Anonymous caller")

    # Prosecution, later: Conny's first event there must not make her "returning" at Protection.
    enrol(prosecution, CONNY)
    return FourPs(series, prevention, protection, prosecution, regs)


# --- an event -------------------------------------------------------------------------------------


def test_the_figures_of_an_event_with_attendance(four_ps):
    figures = summaries.event_summary(four_ps.protection).figures

    assert (figures.registered, figures.confirmed, figures.waitlisted, figures.cancelled) == (7, 5, 1, 1)
    assert figures.attendance_recorded and not figures.based_on_registrations
    assert figures.attended == 5  # Amina, Conny, Vincent and two walk-ins
    assert figures.attended_confirmed == 3
    assert figures.attendance_rate == pytest.approx(0.6)
    assert figures.no_shows == 2  # Siham (5 minutes) and Aida (not in the report)
    assert figures.walk_ins == 2
    assert figures.average_minutes == pytest.approx((90 + 60 + 30 + 45 + 20) / 5)
    assert figures.median_minutes == 45
    assert figures.participants == 5
    assert figures.countries == 4  # ET, NL, CH, KE; the anonymous walk-in has none
    assert figures.returning == 2  # Amina, and Walker (a walk-in known from Prevention)
    assert figures.first_time == 3


def test_the_breakdowns_of_an_event(four_ps):
    summary = summaries.event_summary(four_ps.protection)
    breakdowns = summary.breakdowns

    assert [(s.key, s.count) for s in breakdowns.countries] == [
        ("ET", 1),  # equal counts: by name, and "not stated" last
        ("KE", 1),
        ("NL", 1),
        ("CH", 1),
        ("", 1),
    ]
    assert breakdowns.country_count == 4
    assert breakdowns.member_states == 1  # Amina's Ethiopia; Siham did not attend
    assert {(s.label, s.count, s.countries) for s in breakdowns.regions} == {
        ("Africa", 2, 2),
        ("Europe", 2, 2),
        ("Not stated", 1, 0),
    }
    assert {(s.label, s.count) for s in breakdowns.sub_regions} == {
        ("Eastern Africa", 2),
        ("Western Europe", 2),
        ("Not stated", 1),
    }
    assert {(s.key, s.count) for s in breakdowns.organisation_kinds} == {
        ("member_state", 1),
        ("academia", 1),
        ("international_organisation", 1),
        ("ngo", 1),  # the known walk-in: the delegate's own details
        ("", 1),
    }
    # "ministry of labour " as the walk-in wrote it counts with Amina's "Ministry of Labour".
    assert summary.top_organisations[0].count == 2
    assert summary.top_organisations[0].key == "ministry of labour"
    assert summary.recommendations == 3


def test_without_attendance_the_figures_come_from_confirmed_registrations(four_ps):
    figures = summaries.event_summary(four_ps.prevention).figures

    assert figures.based_on_registrations
    assert (figures.registered, figures.confirmed, figures.cancelled) == (3, 2, 1)
    assert figures.participants == 2
    assert figures.attendance_rate is None and figures.no_shows is None
    assert figures.average_minutes is None and figures.median_minutes is None
    assert figures.returning == 0
    assert "based on registrations; attendance was not recorded" in narrative.event_paragraph(
        summaries.event_summary(four_ps.prevention)
    )


def test_a_later_module_counts_attendees_of_earlier_ones_as_returning(four_ps):
    later = summaries.event_summary(four_ps.prosecution).figures
    assert later.participants == 1
    assert later.returning == 1  # Conny attended Protection


def test_the_median_of_an_even_number_of_attendees_is_the_mean_of_the_middle_two(app):
    event = make_event("Partnership", start=utcnow() - timedelta(days=3))
    for minutes, name in ((80, "D"), (10, "A"), (40, "C"), (20, "B"), (3, "Left early")):
        attend(event, minutes=minutes, name=name)
    figures = summaries.event_summary(event).figures
    assert figures.attended == 4
    assert figures.median_minutes == 30
    assert figures.average_minutes == 37.5


def test_an_event_with_nobody(app):
    event = make_event("Empty", start=utcnow() - timedelta(days=3))
    summary = summaries.event_summary(event)
    assert summary.figures.registered == 0 and summary.figures.participants == 0
    assert summary.breakdowns.countries == []
    assert narrative.event_paragraph(summary).endswith(" No participants were recorded for this event.")


# --- the paragraph --------------------------------------------------------------------------------


def test_the_paragraph_reads_like_the_seeds(four_ps):
    """The exact paragraph, in three languages, is in test_narrative.py (its date is fixed)."""
    text = narrative.event_paragraph(summaries.event_summary(four_ps.protection))
    assert text.startswith("On ")
    assert (
        " the second webinar of the series “Trafficking in Human Beings: The 4Ps Revisited” took place "
        "under the guidance of the Chair, The Netherlands. It addressed the topic of “Protection”. "
        "The webinar gathered 5 participants from 4 countries, including delegates of 1 member state, "
        "international organisations, NGOs, and academia. It resulted in 3 recommendations."
    ) in text


def test_singular_forms(app):
    event = make_event("Partnership", start=utcnow() - timedelta(days=2), recommendations_count=1)
    registration = enrol(event, AMINA)
    attend(event, registration, minutes=1, attended=True)
    attend(event, minutes=30, name="Someone", country="ET")
    with app.test_request_context():
        text = narrative.event_paragraph(summaries.event_summary(event))
    assert text.endswith(
        "The webinar gathered 2 participants from 1 country, including delegates of 1 member state. "
        "It resulted in 1 recommendation."
    )


def test_each_kind_of_meeting_has_its_subject(app):
    event = make_event("7th SOM", start=utcnow() - timedelta(days=2), kind=EventKind.SENIOR_OFFICIALS_MEETING)
    enrol(event, JOHAN)
    text = narrative.event_paragraph(summaries.event_summary(event))
    assert "The Senior Officials' Meeting gathered 1 participant from 1 country" in text


def test_who_is_returning_from_an_earlier_event(app):
    """Returning: took part in an earlier event -- attended it where attendance was recorded
    (whatever became of the registration), confirmed for it where not; a cancelled event, a
    waiting list, a no-show, a walk-in without registration or a later event do not count."""
    now = utcnow()
    recorded = make_event("Recorded", start=now - timedelta(days=60))
    unrecorded = make_event("Unrecorded", start=now - timedelta(days=50), capacity=2)
    called_off = make_event("Called off", start=now - timedelta(days=40))
    left = make_event("Left but came", start=now - timedelta(days=35))
    target = make_event("Target", start=now - timedelta(days=20))
    later = make_event("Later", start=now - timedelta(days=5))

    attend(recorded, enrol(recorded, AMINA), minutes=60)  # attended: returning
    enrol(recorded, JOHAN)  # a no-show where attendance was recorded: not
    attend(recorded, minutes=30, email=WALKER.email, name="Walker")  # a walk-in only: not
    enrol(unrecorded, CONNY)  # confirmed, attendance never recorded: returning
    enrol(unrecorded, GUY)
    enrol(unrecorded, SIHAM)  # on the waiting list: not
    enrol(called_off, AIDA)  # the event was cancelled: not
    called_off.is_cancelled = True
    db.session.commit()
    vincent = enrol(left, VINCENT)
    cancel(vincent, now=left.start_dt - timedelta(days=1))
    attend(left, vincent, minutes=50)  # cancelled, yet attended: returning
    enrol(later, JOHAN)  # later than the target: not
    for person in (AMINA, JOHAN, CONNY, GUY, SIHAM, AIDA, VINCENT, WALKER):
        attend(target, enrol(target, person), minutes=90)

    figures = summaries.event_summary(target).figures
    assert (figures.participants, figures.returning) == (8, 4)  # Amina, Conny, Guy, Vincent
    # The statements are built once and run with each event's own parameters.
    assert summaries.event_summary(unrecorded).figures.returning == 0
    assert summaries.event_summary(later).figures.returning == 1  # Johan, at the target
    assert summaries.event_summary(target).figures.returning == 4
    walker = summaries.event_summary(recorded).figures
    assert (walker.participants, walker.returning) == (2, 0)  # Amina and the walk-in Walker


def test_a_known_walk_in_who_had_only_waited_is_not_returning(four_ps):
    # Guy, on Protection's waiting list, walks in at Prosecution: once its attendance is
    # recorded, he alone took part there (Conny's registration no longer counts), as Guy.
    attend(four_ps.prosecution, minutes=40, email=GUY.email, name="Guy F.")
    figures = summaries.event_summary(four_ps.prosecution).figures
    assert (figures.participants, figures.walk_ins, figures.returning) == (1, 1, 0)
    breakdowns = summaries.event_summary(four_ps.prosecution).breakdowns
    assert [share.key for share in breakdowns.countries] == ["FR"]  # the delegate's own details


# --- a series -------------------------------------------------------------------------------------


def test_a_series_has_a_row_per_module_and_counts_people_once(four_ps):
    summary = summaries.series_summary(four_ps.series)

    assert [row.figures.event.title for row in summary.rows] == ["Prevention", "Protection", "Prosecution"]
    assert [row.figures.registered for row in summary.rows] == [3, 7, 1]
    assert [row.figures.participants for row in summary.rows] == [2, 5, 1]
    assert summary.rows[0].registered_change is None
    assert summary.rows[1].registered_change == summaries.Change(4, pytest.approx(4 / 3))
    assert summary.rows[1].attended_change == summaries.Change(3, pytest.approx(1.5))
    assert summary.rows[2].attended_change == summaries.Change(-4, pytest.approx(-0.8))
    # People: Amina (2 modules), Walker (2), Conny (2), Vincent, the anonymous walk-in.
    assert summary.unique_participants == 5
    assert summary.participations == 8
    assert summary.modules_attended == [(1, 2), (2, 3), (3, 0)]
    assert summary.any_based_on_registrations
    assert summary.recommendations == 3


def test_the_series_paragraph(four_ps):
    text = narrative.series_paragraph(summaries.series_summary(four_ps.series))
    assert text.startswith("Over its 3 modules, the series gathered 5 participants from 4 countries")
    assert "based on confirmed registrations" in text
    assert "The series resulted in 3 recommendations." in text


def test_everyone_at_every_module(app):
    series = make_series()
    events = [
        make_event(f"Module {n}", series=series, start=utcnow() - timedelta(days=40 - n)) for n in range(3)
    ]
    for event in events:
        enrol(event, AMINA)
    enrol(events[0], JOHAN)
    summary = summaries.series_summary(series)
    assert summary.modules_attended == [(1, 1), (2, 0), (3, 1)]
    assert "Of them, 1 took part in all of these modules." in narrative.series_paragraph(summary)


def test_cancelled_and_unpublished_modules(four_ps):
    four_ps.prosecution.is_cancelled = True
    four_ps.prevention.is_published = False
    db.session.commit()
    assert [row.figures.event.title for row in summaries.series_summary(four_ps.series).rows] == [
        "Prevention",
        "Protection",
    ]
    public = summaries.series_summary(four_ps.series, published_only=True)
    assert public.rows == [] and [event.title for event in public.unpublished] == ["Protection"]
    summaries.publish_figures(four_ps.protection)
    public = summaries.series_summary(four_ps.series, published_only=True)
    assert [row.figures.event.title for row in public.rows] == ["Protection"]


# --- the programme over years ---------------------------------------------------------------------

# The secretariat's figures, November 2015 - March 2020 (seed documents).
SEEDS = {
    EventKind.WORKING_GROUP: 2,
    EventKind.STEERING_COMMITTEE: 9,
    EventKind.SENIOR_OFFICIALS_MEETING: 7,
    EventKind.THEMATIC_MEETING: 12,
    EventKind.TRAINING: 1,
}


def bulk_registrations(
    event_ids_and_sizes, *, first_delegate: int, delegates: int, status=RegistrationStatus.CONFIRMED
):
    """Registrations straight into the table (a programme's worth), delegates taken in turn."""
    rows, person = [], 0
    for event_id, size in event_ids_and_sizes:
        for _ in range(size):
            rows.append(
                dict(
                    event_id=event_id,
                    delegate_id=first_delegate + person % delegates,
                    status=status,
                    name=f"Delegate {person % delegates}",
                    country=["ET", "ER", "SD", "NL", "IT", "EG", "KE"][person % delegates % 7],
                    organisation_kind=OrganisationKind.MEMBER_STATE,
                    consent_privacy_dt=datetime(2015, 1, 1, tzinfo=UTC),
                )
            )
            person += 1
    db.session.execute(sa.insert(Registration), rows)
    db.session.commit()


def bulk_delegates(count: int, prefix: str = "delegate") -> int:
    db.session.execute(
        sa.insert(Delegate),
        [dict(email=f"{prefix}{n}@example.org", name=f"Delegate {n}") for n in range(count)],
    )
    db.session.commit()
    return db.session.scalar(sa.select(sa.func.min(Delegate.id)).where(Delegate.email.like(f"{prefix}%")))


def meeting(kind: EventKind, day: datetime, **fields) -> Event:
    event = Event(
        title=f"{kind.title} {day:%Y-%m-%d}",
        kind=kind,
        start_dt=day,
        end_dt=day + timedelta(hours=6),
        timezone=fields.pop("timezone", "Africa/Khartoum"),
        **fields,
    )
    db.session.add(event)
    return event


@pytest.fixture
def khartoum_process(app):
    """The seeds' 31 meetings between November 2015 and March 2020 (in person: no attendance
    reports), 1,780 delegates and 134 recommendations; and meetings outside the period, or
    cancelled, which must not count."""
    start, end = datetime(2015, 11, 20, 8, tzinfo=UTC), datetime(2020, 3, 6, 8, tzinfo=UTC)
    kinds = [kind for kind, count in SEEDS.items() for _ in range(count)]
    step = (end - start) / (len(kinds) - 1)
    held = [
        meeting(kind, start + step * n, recommendations_count=5 if n < 10 else 4)
        for n, kind in enumerate(kinds)
    ]
    # 23:30 UTC on 31 October 2015 was 1 November in Khartoum: the first meeting is in the period...
    held[0].start_dt, held[0].end_dt = (
        datetime(2015, 10, 31, 23, 30, tzinfo=UTC),
        datetime(2015, 11, 1, 6, tzinfo=UTC),
    )
    # ...while these are not: 1 April 2020 in Khartoum, October 2015, later, cancelled.
    outside = [
        meeting(
            EventKind.THEMATIC_MEETING, datetime(2020, 3, 31, 22, 30, tzinfo=UTC), recommendations_count=3
        ),
        meeting(EventKind.STEERING_COMMITTEE, datetime(2015, 10, 30, 8, tzinfo=UTC), recommendations_count=9),
        meeting(EventKind.VIRTUAL_MEETING, datetime(2020, 7, 2, 8, tzinfo=UTC)),
        meeting(EventKind.WEBINAR, datetime(2021, 3, 31, 8, tzinfo=UTC)),
        meeting(EventKind.SENIOR_OFFICIALS_MEETING, datetime(2019, 5, 5, 8, tzinfo=UTC), is_cancelled=True),
    ]
    db.session.commit()
    first = bulk_delegates(700)
    sizes = [58 if n < 13 else 57 for n in range(len(held))]  # 1,780 in all
    bulk_registrations(
        [(event.id, size) for event, size in zip(held, sizes, strict=True)],
        first_delegate=first,
        delegates=700,
    )
    bulk_registrations([(event.id, 40) for event in outside], first_delegate=first, delegates=700)
    # Waiting lists and cancellations are not delegates gathered.
    bulk_registrations(
        [(held[0].id, 5)], first_delegate=first + 100, delegates=5, status=RegistrationStatus.WAITLISTED
    )
    bulk_registrations(
        [(held[1].id, 5)], first_delegate=first + 200, delegates=5, status=RegistrationStatus.CANCELLED
    )
    return held


def test_the_programme_reproduces_the_seeds_figures(khartoum_process):
    summary = summaries.programme_summary(date(2015, 11, 1), date(2020, 3, 31))

    assert {kind: summary.meetings_of(kind) for kind in summary.kinds} == SEEDS
    assert summary.meeting_count == 31
    assert summary.participations == 1780
    assert summary.recommendations == 134
    assert summary.events_without_attendance == 31
    assert summary.years == [2015, 2016, 2017, 2018, 2019, 2020]
    assert summary.meetings[2015][EventKind.WORKING_GROUP] == 1
    assert sum(summary.participations_by_year.values()) == 1780
    assert summary.unique_participants == 700
    assert narrative.programme_paragraph(summary) == (
        "Between November 2015 and March 2020, 2 Informal Working Groups, 9 Steering Committee Meetings, "
        "7 Senior Officials' Meetings, 12 Thematic Meetings, and 1 Regional Training have gathered "
        "over 1,700 delegates and resulted in over 130 recommendations."
    )


def test_the_programme_without_a_period_counts_every_meeting_held(khartoum_process):
    summary = summaries.programme_summary()
    assert summary.meeting_count == 31 + 4  # not the cancelled one
    assert summary.participations == 1780 + 4 * 40


def test_the_year_of_a_meeting_is_its_own_zones(app):
    meeting(
        EventKind.STEERING_COMMITTEE, datetime(2016, 12, 31, 22, tzinfo=UTC), timezone="Africa/Addis_Ababa"
    )
    meeting(
        EventKind.STEERING_COMMITTEE, datetime(2016, 12, 31, 20, tzinfo=UTC), timezone="Africa/Addis_Ababa"
    )
    db.session.commit()
    summary = summaries.programme_summary()
    assert {year: sum(counter.values()) for year, counter in summary.meetings.items()} == {2016: 1, 2017: 1}
    assert summaries.programme_summary(date(2017, 1, 1), date(2017, 12, 31)).meeting_count == 1


def test_future_meetings_are_not_yet_held(app):
    make_event("Upcoming", start=utcnow() + timedelta(days=5))
    make_event("Past", start=utcnow() - timedelta(days=5))
    assert [event.title for event in summaries.programme_summary().events] == ["Past"]
    assert summaries.programme_summary().meetings_of(EventKind.WEBINAR) == 1


def test_the_public_programme_counts_published_meetings(app):
    public = make_event("Public", start=utcnow() - timedelta(days=5))
    internal = make_event("Internal", start=utcnow() - timedelta(days=6), is_published=False)
    before = summaries.programme_summary(published_only=True)
    assert (before.meeting_count, before.events_unpublished) == (0, 1)  # figures not published yet
    summaries.publish_figures(public)
    summaries.publish_figures(internal)
    assert summaries.programme_summary(published_only=True).meeting_count == 1
    assert summaries.programme_summary().meeting_count == 2


def test_an_empty_programme(app):
    summary = summaries.programme_summary(date(2015, 11, 1), date(2020, 3, 31))
    assert summary.meeting_count == 0 and summary.participations == 0
    assert narrative.programme_paragraph(summary) == "No meeting was held in this period."


def test_the_programme_counts_each_person_once_and_each_participation_as_declared(app):
    """A delegate whose country and kind of organisation changed between events is one
    person, counted in the breakdowns with what each registration declared; a walk-in known
    by email is that delegate; a walk-in nobody knows is one person per participant key."""
    now = utcnow()
    first = make_event("First", start=now - timedelta(days=30))
    second = make_event("Second", start=now - timedelta(days=20))  # attendance not recorded
    third = make_event("Third", start=now - timedelta(days=10))
    attend(first, enrol(first, AMINA), minutes=60)
    attend(first, minutes=30, name="Anonymous caller")
    moved = applicant("Amina Yusuf", "KE", "ngo", "IGAD")  # same email, new details
    # Declared on the registration; her own manage link makes them her details too (a
    # registration form alone does not change a known delegate).
    update_details(enrol(second, moved), moved)
    attend(third, minutes=45, email=AMINA.email, name="Amina")
    attend(third, minutes=30, name="Anonymous caller")
    attend(third, enrol(third, JOHAN), minutes=60)

    summary = summaries.programme_summary()
    assert summary.participations == 6
    assert summary.participations_by_event == {first.id: 2, second.id: 1, third.id: 3}
    assert summary.unique_participants == 3  # Amina, Johan and the anonymous caller
    countries = {share.key: share.count for share in summary.breakdowns.countries}
    # Amina: Ethiopia at the first, Kenya at the second and, as a walk-in, her latest details.
    assert countries == {"ET": 1, "KE": 2, "NL": 1, "": 2}
    kinds = {share.key: share.count for share in summary.breakdowns.organisation_kinds}
    assert kinds == {"member_state": 2, "ngo": 2, "": 2}
    assert summary.breakdowns.member_states == 2  # Ethiopia and the Netherlands
    assert summary.events_without_attendance == 1
    # A period with the second event alone: its confirmed registration.
    alone = summaries.programme_summary(local_day(second), local_day(second))
    assert (alone.participations, alone.unique_participants) == (1, 1)
    assert [share.key for share in alone.breakdowns.countries] == ["KE"]


def local_day(event: Event) -> date:
    return summaries.local_date(event)


def test_the_programme_figures_are_kept_while_the_database_stays_the_same(app):
    now = utcnow()
    first = make_event("First", start=now - timedelta(days=30))
    second = make_event("Second", start=now - timedelta(days=20))
    amina = enrol(first, AMINA)
    attend(first, amina, minutes=60)
    enrol(second, JOHAN)
    db.session.commit()
    counted = summaries.programme_summary()
    assert (counted.unique_participants, [s.key for s in counted.breakdowns.countries]) == (2, ["ET", "NL"])

    # The same state: the people and breakdowns are read as stored, not counted again.
    kept = []
    assert recounted_events(lambda: kept.append(summaries.programme_summary())) == []
    assert kept[0].breakdowns == counted.breakdowns
    assert kept[0].unique_participants == counted.unique_participants
    # Another period (the second event alone) is counted for itself.
    alone = summaries.programme_summary(local_day(second), local_day(second))
    assert [s.key for s in alone.breakdowns.countries] == ["NL"]

    # A change in this transaction, then rolled back: counted with it, and without it after.
    db.session.rollback()
    pending = Attendance(
        event_id=first.id,
        participant_key="pending@example.org",
        source=AttendanceSource.ZOOM,
        minutes=30,
        attended=True,
        email="pending@example.org",
        name="Pending",
        country="KE",
    )
    db.session.add(pending)
    db.session.flush()
    assert {s.key for s in summaries.programme_summary().breakdowns.countries} == {"ET", "KE", "NL"}
    db.session.rollback()
    assert {s.key for s in summaries.programme_summary().breakdowns.countries} == {"ET", "NL"}

    # A change through the session: counted again.
    enrol(second, CONNY)
    assert summaries.programme_summary().unique_participants == 3

    # A change committed by another connection (here, a country): counted again as soon as a
    # new transaction sees it -- the kept figures are never stale.
    commit_elsewhere(sa.update(Registration).where(Registration.id == amina.id).values(country="ER"))
    db.session.rollback()  # a new transaction: the session's own connection, a new snapshot
    countries = {s.key: s.count for s in summaries.programme_summary().breakdowns.countries}
    assert countries == {"ER": 1, "NL": 2}

    # And a delegate's details, read for a walk-in known by email (Guy, a no-show at the first).
    enrol(first, GUY)
    attend(second, minutes=30, email=GUY.email, name="Guy")
    commit_elsewhere(sa.update(Delegate).where(Delegate.email == GUY.email).values(country="BE"))
    db.session.rollback()
    # The second event's attendance is now recorded: Guy alone took part there.
    countries = {s.key: s.count for s in summaries.programme_summary().breakdowns.countries}
    assert countries == {"ER": 1, "BE": 1}

    # Nothing kept anywhere: the events, their participations, the people stored (none), the
    # people counted; then stored, in a transaction of its own.
    summaries.forget_kept_figures()
    statements: list[str] = []
    counted = []
    count_statements(lambda: counted.append(summaries.programme_summary()), statements)
    assert [statement.split()[0] for statement in statements] == ["SELECT"] * 5 + ["UPDATE"]

    # The next reader reads them, and counts nothing.
    read = []
    assert recounted_events(lambda: read.append(summaries.programme_summary())) == []
    assert people_of(read[0]) == people_of(counted[0])


def kept_and_counted() -> tuple[summaries.ProgrammeSummary, summaries.ProgrammeSummary]:
    """The programme summary from the figures kept, then counted afresh (and kept again)."""
    db.session.rollback()
    kept = summaries.programme_summary()
    summaries.forget_kept_figures()
    counted = summaries.programme_summary()
    db.session.rollback()
    return kept, counted


def people_of(summary: summaries.ProgrammeSummary) -> tuple:
    return summary.unique_participants, summary.participations, summary.breakdowns


def test_every_way_of_writing_gives_the_event_changed_a_new_version(app):
    """The kept figures of an event are those of a version of its participants, which
    triggers change with every write (app/models/participation.py): through each service, the
    figures kept are those counted afresh -- and each of these changes changes them."""
    organiser = make_account()
    now = utcnow()
    online = make_event("Online", start=now - timedelta(days=30))
    in_person = make_event("In person", start=now - timedelta(days=20), format=EventFormat.IN_PERSON)
    amina, johan = enrol(online, AMINA), enrol(in_person, JOHAN)
    attend(online, amina, minutes=60)
    attend(online, minutes=30, email=GUY.email, name="Guy")  # a walk-in nobody knows, yet
    guy = None

    def register_guy():  # the walk-in is now a known delegate, with his details
        nonlocal guy
        guy = enrol(in_person, GUY)

    changes = {
        "a registration": lambda: enrol(in_person, CONNY),
        "a walk-in known at last": register_guy,
        "a walk-in's details (the delegate's)": lambda: update_details(guy, replace(GUY, country="BE")),
        "a cancellation": lambda: cancel(johan, now=in_person.start_dt - timedelta(days=1)),
        "a registrant's own edit": lambda: update_details(amina, replace(AMINA, country="KE")),
        "an organiser's edit": lambda: edit_details(
            guy, replace(GUY, organisation_kind="academia"), guy.version, by=organiser
        ),
        "a registration by an organiser": lambda: add_registration(in_person, WALKER, by=organiser),
        "a check-in (the first attendance of the event)": lambda: check_in(guy, by=organiser),
        "a check-in undone": lambda: undo_check_in(guy, by=organiser),
        "attendance corrected": lambda: commit_elsewhere(
            sa.update(Attendance).where(Attendance.registration_id == amina.id).values(attended=False)
        ),
        "attendance deleted": lambda: commit_elsewhere(
            sa.delete(Attendance).where(Attendance.event_id == online.id)
        ),
    }
    before = people_of(summaries.programme_summary())
    for change, write in changes.items():
        write()
        kept, counted = kept_and_counted()
        assert people_of(kept) == people_of(counted), change
        assert people_of(counted) != before, change
        before = people_of(counted)

    # An erasure keeps the figures (the person stays one, anonymous): kept as counted.
    erase_delegate(db.session.get(Delegate, guy.delegate_id))
    kept, counted = kept_and_counted()
    assert people_of(kept) == people_of(counted) == before


def test_a_change_counts_again_the_event_it_changed_and_no_other(app):
    now = utcnow()
    first = make_event("First", start=now - timedelta(days=30))
    second = make_event("Second", start=now - timedelta(days=20))
    attend(first, enrol(first, AMINA), minutes=60)
    enrol(second, JOHAN)
    summaries.programme_summary()
    assert recounted_events(summaries.programme_summary) == []

    enrol(make_event("Later", starts_in=timedelta(days=10)), CONNY)  # not held yet: not in the programme
    assert recounted_events(summaries.programme_summary) == []
    enrol(second, CONNY)
    summary = []
    assert recounted_events(lambda: summary.append(summaries.programme_summary())) == [second.id]
    assert summary[0].unique_participants == 3


def recounted_events(work) -> list[int]:
    """The events whose people `work` counted (none: all were kept)."""
    counted = []

    def record(conn, clauseelement, multiparams, params, execution_options):
        if clauseelement is summaries._event_people_statement():
            counted.extend(params.get("events") or multiparams[0]["events"])

    sa_event.listen(db.engine, "before_execute", record)
    try:
        db.session.rollback()
        work()
    finally:
        sa_event.remove(db.engine, "before_execute", record)
    return counted


def test_an_event_deleted_and_its_id_given_again_is_counted_afresh(app):
    """SQLite gives a deleted event's id to the next one: its versions go on from the old
    event's, whose row stays, so that no figures of the old event are taken for the new one."""
    now = utcnow()
    first = make_event("First", start=now - timedelta(days=30))
    enrol(first, AMINA)
    assert [s.key for s in summaries.programme_summary().breakdowns.countries] == ["ET"]
    gone = first.id
    db.session.rollback()
    db.session.execute(sa.delete(Event).where(Event.id == gone))  # its registrations with it
    db.session.commit()
    db.session.expunge_all()
    again = make_event("Again", start=now - timedelta(days=30))
    if db.engine.dialect.name == "sqlite":
        assert again.id == gone
    enrol(again, JOHAN)
    assert [s.key for s in summaries.programme_summary().breakdowns.countries] == ["NL"]
    assert [s.key for s in summaries.programme_summary().breakdowns.countries] == ["NL"]


# --- each event's people stored in the database, for every process -----------------------------


def stored_people() -> dict[int, tuple]:
    db.session.rollback()
    known = ParticipantsVersion
    rows = db.session.execute(
        sa.select(known.event_id, known.version, known.people_version, known.people_ids)
    )
    return {row.event_id: tuple(row[1:]) for row in rows}


def programme_in_a_new_process() -> tuple[summaries.ProgrammeSummary, list[int]]:
    """The programme summary as another process counts it, and the events it counted (the
    others: read as stored)."""
    summary = []
    recounted = recounted_events(lambda: summary.append(summaries.programme_summary()))
    return summary[0], recounted


def test_each_events_people_are_stored_for_other_processes_at_their_version(app):
    now = utcnow()
    first = make_event("First", start=now - timedelta(days=30))
    second = make_event("Second", start=now - timedelta(days=20))
    attend(first, enrol(first, AMINA), minutes=60)
    attend(first, minutes=30, email="caller@example.org", name="Anonymous caller")
    attend(second, minutes=30, email="caller@example.org", name="Anonymous caller")
    enrol(second, JOHAN)
    counted = summaries.programme_summary()
    assert counted.unique_participants == 2  # Amina and the caller: Johan did not attend
    stored = stored_people()
    assert {event_id: row[1] for event_id, row in stored.items()} == {
        event_id: row[0] for event_id, row in stored.items()
    }  # each at its version
    # The walk-in's address is not what is stored: a keyed hash is.
    assert all(b"caller" not in row[2] for row in stored.values())

    summary, recounted = programme_in_a_new_process()
    assert recounted == []
    assert people_of(summary) == people_of(counted)

    # A change to one event: that event alone is counted again, and stored again.
    enrol(second, CONNY)
    attend(
        second,
        db.session.scalars(sa.select(Registration).filter_by(event_id=second.id)).all()[-1],
        minutes=60,
    )
    summary, recounted = programme_in_a_new_process()
    assert recounted == [second.id]
    assert summary.unique_participants == 3
    assert programme_in_a_new_process()[1] == []


def test_the_job_queue_counts_the_people_of_meetings_changed_so_that_readers_do_not(app):
    from app.services.reporting.tasks import count_changed_people

    now = utcnow()
    first = make_event("First", start=now - timedelta(days=30))
    second = make_event("Second", start=now - timedelta(days=20))
    enrol(first, AMINA)
    enrol(second, JOHAN)
    make_event("Cancelled", start=now - timedelta(days=10), is_cancelled=True)
    assert count_changed_people.call_local() == 2  # not the cancelled one
    assert count_changed_people.call_local() == 0  # nothing changed since
    summary, recounted = programme_in_a_new_process()
    assert (recounted, summary.unique_participants) == ([], 2)

    enrol(second, CONNY)
    assert count_changed_people.call_local() == 1
    summary, recounted = programme_in_a_new_process()
    assert (recounted, summary.unique_participants) == ([], 3)


def test_stored_people_made_with_another_secret_key_are_counted_again(app):
    first = make_event("First", start=utcnow() - timedelta(days=30))
    attend(first, minutes=30, email="caller@example.org", name="Anonymous caller")
    summaries.programme_summary()
    app.config["SECRET_KEY"] = "another-secret-key"
    summary, recounted = programme_in_a_new_process()
    assert (recounted, summary.unique_participants) == ([first.id], 1)


def test_an_event_without_a_version_gets_one_for_its_people(app):
    """Events with participants from before the versions were kept have no row of versions."""
    first = make_event("First", start=utcnow() - timedelta(days=30))
    enrol(first, AMINA)
    commit_elsewhere(sa.delete(ParticipantsVersion))
    counted = summaries.programme_summary()
    assert stored_people()[first.id][:2] == (0, 0)
    summary, recounted = programme_in_a_new_process()
    assert (recounted, people_of(summary)) == ([], people_of(counted))
    enrol(first, JOHAN)  # a change gives it a version of its own
    summary, recounted = programme_in_a_new_process()
    assert (recounted, summary.unique_participants) == ([first.id], 2)


def test_the_people_are_not_stored_while_the_database_is_busy_and_the_summary_still_comes(app):
    first = make_event("First", start=utcnow() - timedelta(days=30))
    enrol(first, AMINA)
    summaries.forget_kept_figures()
    engine = sa.create_engine(db.engine.url)
    try:
        with engine.connect() as other:
            # Another writer holds what storing needs: SQLite's write lock, PostgreSQL's row.
            if engine.dialect.name == "sqlite":
                other.exec_driver_sql("BEGIN IMMEDIATE")
            else:
                other.execute(sa.select(ParticipantsVersion).with_for_update())
            summary = summaries.programme_summary()
            other.rollback()
    finally:
        engine.dispose()
    assert summary.unique_participants == 1
    assert stored_people()[first.id][2] is None  # not stored: counted again by a later reader
    assert programme_in_a_new_process()[1] == [first.id]


def commit_elsewhere(statement) -> None:
    """Commit a change through a connection of another engine: not one the session may use."""
    engine = sa.create_engine(db.engine.url)
    try:
        with engine.begin() as other:
            other.execute(statement)
    finally:
        engine.dispose()


# --- regions --------------------------------------------------------------------------------------


def test_every_country_has_its_m49_region(app):
    import pycountry

    missing = [c.alpha_2 for c in pycountry.countries if regions.region(c.alpha_2) is None]
    assert missing == ["AQ"]  # M49 gives Antarctica no region
    assert str(regions.region("ET")) == "Africa"
    assert str(regions.sub_region("ET")) == "Eastern Africa"
    assert str(regions.sub_region("SD")) == "Northern Africa"
    assert str(regions.sub_region("GG")) == "Channel Islands"
    assert str(regions.region("GG")) == "Europe"
    assert str(regions.sub_region("MX")) == "Central America"
    assert str(regions.region("MX")) == "Americas"
    assert str(regions.sub_region("CY")) == "Western Asia"
    assert regions.region("") is None and regions.region("XX") is None
    assert regions.country_name("ET") == "Ethiopia"


# --- the number of statements does not grow with the registrations --------------------------------


def count_statements(work, statements: list | None = None) -> int:
    statements = [] if statements is None else statements

    def record(conn, cursor, statement, parameters, context, executemany):
        if not statement.startswith(("BEGIN", "SET ")):  # SQLite's and PostgreSQL's own
            statements.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", record)
    try:
        db.session.expire_all()
        work()
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", record)
    # A summary may store what it counted, from another connection: on SQLite, this
    # transaction could no longer write (its snapshot is older), as in a view, which writes in
    # a transaction of its own (write_transaction).
    db.session.rollback()
    return len(statements)


def fill(series, size: int, prefix: str) -> None:
    """`size` registrations per module, with attendance on the first module and walk-ins."""
    first = bulk_delegates(size, prefix)
    events = series.events
    bulk_registrations([(event.id, size) for event in events], first_delegate=first, delegates=size)
    registrations = db.session.execute(
        sa.select(Registration.id).where(Registration.event_id == events[0].id)
    ).scalars()
    rows = [
        dict(
            event_id=events[0].id,
            registration_id=registration_id,
            participant_key=f"reg:{registration_id}",
            source=AttendanceSource.ZOOM,
            minutes=registration_id % 90,
            attended=registration_id % 90 >= 10,
        )
        for registration_id in registrations
    ]
    rows += [
        dict(event_id=events[0].id, participant_key=f"walk-in-{n}", source=AttendanceSource.ZOOM, minutes=30)
        for n in range(max(size // 10, 1))
    ]
    db.session.execute(sa.insert(Attendance), rows)
    db.session.commit()


def test_the_number_of_statements_does_not_grow_with_registrations(app):
    counts = []
    for size, prefix in ((10, "small"), (1000, "large")):
        series = make_series(f"Series of {size}")
        for n in range(3):
            make_event(f"{prefix} {n}", series=series, start=utcnow() - timedelta(days=30 - n))
        fill(series, size, prefix)
        event = series.events[0]
        for kept in (False, True):  # each event's people counted (and stored), then read as stored
            summaries.forget_kept_figures() if not kept else None
            counts.append(
                (
                    count_statements(lambda event=event: summaries.event_summary(event)),
                    count_statements(lambda series=series: summaries.series_summary(series)),
                    count_statements(lambda: summaries.programme_summary()),
                )
            )
        assert summaries.event_summary(event).figures.registered == size
    first_small, kept_small, first_large, kept_large = counts
    # Stored: seven statements for an event, six for a series, four for the programme (each
    # with the people stored), and the reloading of the expired event (one) or series and its
    # events (two).
    assert kept_small == kept_large == (8, 8, 4)
    # Counting the people of events, the first time, takes two more: counted, stored. (The
    # programme's events were counted by the series.)
    assert first_small[:2] == first_large[:2] == (8 + 2, 8 + 2)
