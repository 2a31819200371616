"""Personal data: the privacy notice's versions, a delegate's copy of their data, erasure, retention.

Anonymising keeps what the summaries count -- the registration and attendance rows, their
status, country, kind and name of organisation, and the link to one delegate row -- and
removes what names a person: name, address, job title, answers, the text of the emails sent
to them, and their name in the audit log and in stored participant reports. So every
summary counted before is the same after (tests/test_personal_data.py proves it).
"""

from __future__ import annotations

import calendar
import hmac
import json
import logging
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session as OrmSession

from ...database import contains_text, lock_row, utcnow, write_transaction
from ...extensions import db
from ...models import (
    Account,
    Attendance,
    AttendanceImport,
    AuditEntry,
    Delegate,
    Event,
    FocalPoint,
    Message,
    MessageContent,
    MessageStatus,
    Nomination,
    PrivacyNotice,
    Registration,
    RegistrationStatus,
    Series,
    VisaLetter,
    WebhookDelivery,
)
from .. import audit
from ..attendance import participant_reports as reports
from ..registration import registrations as registration_service
from ..registration import visa_letters

log = logging.getLogger(__name__)

NOTICE_MAX = 50_000
# Where a redacted email "went": not an address (RFC 2606 reserves .invalid).
REDACTED_ADDRESS = "redacted@invalid"
ERASED_MARK = "[erased]"
PSEUDONYM = "anon:"
UNSENT_NOTE = "Not sent: the recipient's personal data was erased."
# What a webhook body keeps of an anonymised delegate: what the summaries keep too.
KEPT_OF_A_DELEGATE = ("organisation", "organisation_kind", "country")
# Statements over many ids are cut into chunks of this size (bound parameters have limits).
CHUNK = 500


class PersonalDataError(ValueError):
    """A request the rules refuse; the message is shown to the person."""


# --- the privacy notice ------------------------------------------------------------------------


def current_notice() -> PrivacyNotice | None:
    """The version in force: the newest published; None while only the built-in text exists."""
    return db.session.scalars(
        sa.select(PrivacyNotice).order_by(PrivacyNotice.version.desc()).limit(1)
    ).first()


def notice_history() -> list[PrivacyNotice]:
    return list(db.session.scalars(sa.select(PrivacyNotice).order_by(PrivacyNotice.version.desc())))


def publish_notice(text: str, *, by: Account) -> PrivacyNotice:
    """Publish a new version of the privacy notice; registrations from now on accept it."""
    text = (text or "").strip()
    if not text:
        raise PersonalDataError(_l("Write the privacy notice before publishing it."))
    if len(text) > NOTICE_MAX:
        raise PersonalDataError(_l("The notice is too long (at most %(max)d characters).", max=NOTICE_MAX))
    with write_transaction() as session:
        latest = session.scalar(sa.select(sa.func.max(PrivacyNotice.version))) or 0
        if (
            latest
            and session.scalar(sa.select(PrivacyNotice.text).where(PrivacyNotice.version == latest)) == text
        ):
            raise PersonalDataError(_l("This text is already the version in force: nothing was published."))
        notice = PrivacyNotice(
            version=latest + 1,
            text=text,
            published_dt=utcnow(),
            published_by_id=by.id,
            published_by_name=by.name,
        )
        session.add(notice)
        session.flush()
        audit.record(
            "privacy_notice.publish",
            notice,
            f"privacy notice version {notice.version} published",
            actor=by,
            version=notice.version,
            characters=len(text),
        )
    return notice


# --- a delegate's copy of their data -------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def export_delegate(delegate: Delegate) -> dict:
    """Everything held about the delegate, as JSON-ready data; recorded in the audit log."""
    registrations = list(
        db.session.scalars(
            sa.select(Registration).where(Registration.delegate_id == delegate.id).order_by(Registration.id)
        )
    )
    ids = [registration.id for registration in registrations]
    data = {
        "exported_at": utcnow().isoformat(),
        "controller": current_app.config["PROGRAMME_ADDRESS"],
        "delegate": {
            "email": delegate.email,
            **_details(delegate),
            "first_registered_at": _iso(delegate.created_dt),
        },
        "registrations": [_registration_data(registration) for registration in registrations],
        "attendance": [_attendance_data(row) for row in _attendance_of(delegate, ids)],
        "messages": [_message_data(message) for message in _messages_of(delegate, ids)],
        **_delegation_data(delegate.email),
    }
    with write_transaction():
        audit.record(
            "delegate.export",
            delegate,
            "a delegate downloaded the data held about them",
            registrations=len(ids),
        )
    return data


def _details(person) -> dict:
    """As text, but a yes/no answer as true/false, and null where it was not asked."""
    return {
        key: value if value is None or isinstance(value, bool) else str(value)
        for key, value in person.details().items()
    }


def _registration_data(registration: Registration) -> dict:
    event = registration.event
    return {
        "event": {
            "id": event.id,
            "title": event.title,
            "series": event.series.title if event.series else None,
            "start": _iso(event.start_dt),
            "end": _iso(event.end_dt),
            "timezone": event.timezone,
        },
        "status": registration.status.value,
        **_details(registration),
        "answers": registration.answers or {},
        "registered_at": _iso(registration.created_dt),
        "status_changed_at": _iso(registration.status_changed_dt),
        "consent_privacy_at": _iso(registration.consent_privacy_dt),
        "privacy_notice_version": registration.privacy_notice_version,
        "consent_participant_list": registration.consent_participant_list,
        "visa_letter": visa_letters.export(registration),
    }


def _delegation_data(email: str) -> dict:
    """Where the person was nominated to a delegation, and which delegations they are the focal
    point of (kept under their address, by a focal point or the organisers)."""
    nominations = db.session.execute(
        sa.select(Nomination, Event.title)
        .join(Event, Event.id == Nomination.event_id)
        .where(Nomination.email == email)
        .order_by(Nomination.id)
    ).all()
    focal = db.session.scalars(sa.select(FocalPoint).where(FocalPoint.email == email).order_by(FocalPoint.id))
    return {
        "nominations": [
            {
                "event": title,
                "delegation": nomination.country or nomination.organisation,
                "name": nomination.name,
                "role": nomination.role.value,
                "language": nomination.language,
                "nominated_at": _iso(nomination.created_dt),
                "replaced_at": _iso(nomination.replaced_dt),
            }
            for nomination, title in nominations
        ],
        "focal_point_of": [
            {
                "delegation": point.country or point.organisation,
                "name": point.name,
                "language": point.language,
            }
            for point in focal
        ],
    }


def _attendance_of(delegate: Delegate, registration_ids: Sequence[int]) -> list[Attendance]:
    """Their attendance as registrants, and as walk-ins under their address."""
    mine = sa.or_(
        Attendance.registration_id.in_(registration_ids),
        sa.and_(Attendance.registration_id.is_(None), Attendance.email == delegate.email),
    )
    return list(db.session.scalars(sa.select(Attendance).where(mine).order_by(Attendance.id)))


def _attendance_data(row: Attendance) -> dict:
    return {
        "event_id": row.event_id,
        "name": row.name,
        "email": row.email,
        "source": row.source.value,
        "attended": row.attended,
        "minutes": row.minutes,
        "first_join": _iso(row.first_join_dt),
        "last_leave": _iso(row.last_leave_dt),
    }


def _messages_of(delegate: Delegate, registration_ids: Sequence[int]) -> list[Message]:
    mine = sa.or_(Message.registration_id.in_(registration_ids), Message.to_address == delegate.email)
    return list(db.session.scalars(sa.select(Message).where(mine).order_by(Message.id)))


def _message_data(message: Message) -> dict:
    return {
        "kind": message.kind,
        "to": message.to_address,
        "subject": message.subject,
        "status": message.status.value,
        "queued_at": _iso(message.created_dt),
        "sent_at": _iso(message.sent_dt),
    }


def export_filename() -> str:
    return f"my-data-{utcnow():%Y-%m-%d}.json"


def export_json(data: dict) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)


# --- erasure at the delegate's request ---------------------------------------------------------------


@dataclass(frozen=True)
class Erasure:
    registrations: int
    cancelled: int


def erase_delegate(delegate: Delegate, *, now: datetime | None = None) -> Erasure:
    """Remove the person from everything held, keeping the figures, in one unit of work.

    Their registrations for events still ahead are cancelled through the usual service, so
    that the waiting list moves up. The emails to them, the confirmation of that
    cancellation included, are emptied in the same unit: the worker, asked to deliver once
    it has committed, finds nothing left to send them.
    """
    now = now or utcnow()
    with write_transaction() as session:
        delegate = lock_row(session, Delegate, delegate.id)
        ids = sa.select(Registration.id).where(Registration.delegate_id == delegate.id)
        _redact_messages(
            session, sa.or_(Message.registration_id.in_(ids), Message.to_address == delegate.email)
        )
        cancelled = _cancel_upcoming(delegate, now)
        # Nominated or a focal point under this address: nothing of it is kept for a figure.
        session.execute(sa.delete(Nomination).where(Nomination.email == delegate.email))
        session.execute(sa.delete(FocalPoint).where(FocalPoint.email == delegate.email))
        if delegate.anonymised_dt is not None:
            return Erasure(registrations=0, cancelled=cancelled)
        registrations = list(
            session.scalars(sa.select(Registration).where(Registration.delegate_id == delegate.id))
        )
        names = [name for r in registrations for name in _names_of(r) if name]  # before they go
        count = _anonymise_registrations(session, registrations, now)
        _anonymise_delegate(session, delegate, now, extra_names=names)
        # Without the person's name: the log says that it happened, not to whom.
        audit.record(
            "delegate.erase",
            delegate,
            "a delegate's personal data erased at their request",
            registrations=count,
            cancelled=cancelled,
        )
    log.info("delegate %s erased at their request: %s registrations anonymised", delegate.id, count)
    return Erasure(registrations=count, cancelled=cancelled)


def _cancel_upcoming(delegate: Delegate, now: datetime) -> int:
    upcoming = db.session.scalars(
        sa.select(Registration)
        .join(Event, Event.id == Registration.event_id)
        .where(
            Registration.delegate_id == delegate.id,
            Registration.status.in_(RegistrationStatus.live()),
            Event.start_dt > now,
        )
    ).all()
    cancelled = 0
    for registration in upcoming:
        try:
            registration_service.cancel(registration, now=now)
        except registration_service.NotCancellable:  # started in the meantime: it is kept as it is
            continue
        cancelled += 1
    return cancelled


# --- what anonymising does, for erasure and retention alike -----------------------------------------


class Scrubber:
    """Replaces names and addresses in text and JSON-like data."""

    def __init__(self, names: Iterable[str] = (), emails: Iterable[str] = ()):
        names, emails = list(names), [email.lower() for email in emails if email]
        # As participant reports are matched: "Yusuf, Amina" is "Amina Yusuf".
        self.name_keys = {key for name in names if name for key in reports.name_keys(name)}
        self.emails = set(emails)
        terms = {term.strip() for term in (*names, *emails) if term and len(term.strip()) > 1}
        self.terms = sorted(terms, key=len, reverse=True)
        words = [rf"(?<!\w){re.escape(term)}(?!\w)" for term in self.terms]
        self.pattern = re.compile("|".join(words), re.IGNORECASE) if words else None

    def __call__(self, value):
        if self.pattern is None:
            return value
        if isinstance(value, str):
            return self.pattern.sub(ERASED_MARK, value)
        if isinstance(value, list):
            return [self(item) for item in value]
        if isinstance(value, dict):
            return {key: self(item) for key, item in value.items()}
        return value

    def names_person(self, name: str, email: str = "") -> bool:
        """Whether a report's participant is this person, by address or by name."""
        if email and email.lower() in self.emails:
            return True
        return any(key in self.name_keys for key in reports.name_keys(name or ""))

    def search_terms(self) -> list[str]:
        """The terms as they may appear in stored text, JSON-escaped forms included."""
        escaped = {json.dumps(term)[1:-1] for term in self.terms}
        return sorted(set(self.terms) | escaped)


def _names_of(person: Delegate | Registration) -> tuple[str, ...]:
    """Every form of the person's name that stored text may hold: whole, in Latin letters, and
    its given and family parts where the form asked them."""
    return (person.name, person.latin_name, person.given_name, person.family_name)


def _anonymise_registrations(
    session: OrmSession, registrations: Sequence[Registration], now: datetime
) -> int:
    """Strip the registrations (already loaded) of what names the person; returns how many changed."""
    todo = [registration for registration in registrations if registration.anonymised_dt is None]
    if not todo:
        return 0
    ids = [registration.id for registration in todo]
    scrub = Scrubber(names={name for r in todo for name in _names_of(r) if name})
    for registration in todo:
        registration.name = ""
        registration.latin_name = ""
        registration.job_title = ""
        _clear_standard_fields(registration)
        registration.answers = {}
        registration.consent_participant_list = False
        registration.manage_key = ""  # no link can match an empty key: every link dies
        registration.anonymised_dt = now
    for chunk in _chunks(ids):
        session.execute(
            sa.update(Attendance)
            .where(Attendance.registration_id.in_(chunk))
            .values(name="", email="")
            .execution_options(synchronize_session=False)
        )
        # The passport details of a visa letter go whole: nothing of them is kept for a figure.
        session.execute(
            sa.delete(VisaLetter)
            .where(VisaLetter.registration_id.in_(chunk))
            .execution_options(synchronize_session=False)
        )
        _redact_messages(session, Message.registration_id.in_(chunk))
        _redact_webhook_deliveries(session, chunk)
        _scrub_audit(
            session, scrub, sa.and_(AuditEntry.target_type == "registration", AuditEntry.target_id.in_(chunk))
        )
    _scrub_imports(session, scrub, {registration.event_id for registration in todo}, ids)
    session.flush()
    return len(todo)


def _anonymise_delegate(session: OrmSession, delegate: Delegate, now: datetime, extra_names=()) -> None:
    """The delegate row keeps its id (what the summaries count as one person), country and
    organisation; its address becomes a unique placeholder, which walk-in rows that carried
    the address take too, so that they still count as this person."""
    old_email = delegate.email
    placeholder = f"erased-{secrets.token_hex(12)}@invalid"
    names = {*_names_of(delegate), *extra_names} - {""}
    walk_ins = session.scalars(
        sa.select(Attendance).where(
            Attendance.registration_id.is_(None), sa.func.lower(Attendance.email) == old_email
        )
    ).all()
    names |= {row.name for row in walk_ins}
    scrub = Scrubber(names=names, emails=[old_email])
    for row in walk_ins:
        row.name = ""
        row.email = placeholder
    _pseudonymise_key(session, old_email)
    delegate.email = placeholder
    delegate.name = ""
    delegate.latin_name = ""
    delegate.job_title = ""
    _clear_standard_fields(delegate)
    delegate.anonymised_dt = now
    _redact_messages(session, Message.to_address == old_email)
    _scrub_imports(session, scrub, {row.event_id for row in walk_ins}, [])
    _scrub_audit(session, scrub, _mentions(scrub))
    session.flush()


# The standard fields that are the person's own (names, gender, needs, the interpretation and
# visa asked for). Kept, as the organisation and country are: whom they represented and whether
# as head of delegation, an official capacity that the summaries of delegations count. Gender
# goes too: a person erased counts as "not collected" in the figures by gender computed after.
ERASED_FIELDS = {
    "salutation": "",
    "given_name": "",
    "family_name": "",
    "gender": "",
    "interpretation_language": "",
    "accessibility_needs": "",
    "dietary_needs": "",
    "dietary_other": "",
    "visa_letter_needed": None,
}


def _clear_standard_fields(person: Delegate | Registration) -> None:
    for name, empty in ERASED_FIELDS.items():
        if hasattr(type(person), name):  # a delegate keeps no answer of an event's form
            setattr(person, name, empty)


def pseudonym(key: str) -> str:
    """A walk-in's key that no longer names them, the same for the same key in every event
    (so that unique counts stay), and not reversible without the secret key."""
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), key.encode(), "sha256").hexdigest()
    return f"{PSEUDONYM}{digest[:32]}"


def _redact_messages(session: OrmSession, which) -> None:
    """Emails to the person lose recipient and text; those not yet sent never will be."""
    ids = session.scalars(sa.select(Message.id).where(which)).all()
    for chunk in _chunks(ids):
        session.execute(
            sa.update(Message)
            .where(Message.id.in_(chunk), Message.status.in_([MessageStatus.QUEUED, MessageStatus.FAILED]))
            .values(status=MessageStatus.FAILED, last_error=UNSENT_NOTE, claimed_until_dt=None)
            .execution_options(synchronize_session=False)
        )
        session.execute(
            sa.update(Message)
            .where(Message.id.in_(chunk))
            .values(to_address=REDACTED_ADDRESS, to_name="")
            .execution_options(synchronize_session=False)
        )
        # Without MIME bytes a message can never be sent, not even by "retry failed".
        session.execute(
            sa.update(MessageContent)
            .where(MessageContent.message_id.in_(chunk))
            .values(body_text="", body_html="", attachments=[], mime=None, composition=None)
            .execution_options(synchronize_session=False)
        )


def _redact_webhook_deliveries(session: OrmSession, registration_ids: Sequence[int]) -> None:
    """Webhook bodies about these registrations lose who registered (what the receiving
    system was already sent is beyond reach); those still to be sent go without it."""
    deliveries = session.scalars(
        sa.select(WebhookDelivery).where(WebhookDelivery.registration_id.in_(registration_ids))
    )
    for delivery in deliveries:
        body = json.loads(delivery.payload)
        person = body.get("data", {}).get("delegate")
        if isinstance(person, dict):
            body["data"]["delegate"] = {key: person.get(key) for key in KEPT_OF_A_DELEGATE}
            delivery.payload = json.dumps(body, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _mentions(scrub: Scrubber):
    """Audit entries whose summary or details contain one of the terms."""
    details = sa.cast(AuditEntry.details, sa.Text)
    return sa.or_(
        sa.false(),
        *(
            condition
            for term in scrub.search_terms()
            for condition in (
                contains_text(AuditEntry.summary, term),
                contains_text(details, term),
            )
        ),
    )


def _scrub_audit(session: OrmSession, scrub: Scrubber, which) -> None:
    if scrub.pattern is None:
        return
    for entry in session.scalars(sa.select(AuditEntry).where(which)):
        entry.summary = scrub(entry.summary)
        entry.details = scrub(entry.details)


def _scrub_imports(
    session: OrmSession, scrub: Scrubber, event_ids: set[int], registration_ids: Sequence[int]
) -> None:
    """Participant reports kept for the events: their lines of the person lose name and address."""
    if not event_ids:
        return
    linked = set(registration_ids)
    imports = session.scalars(sa.select(AttendanceImport).where(AttendanceImport.event_id.in_(event_ids)))
    for imported in imports:
        imported.participants = [_scrubbed_entry(entry, scrub, linked) for entry in imported.participants]
        imported.filename = scrub(imported.filename)
        imported.report_file = (
            None  # the uploaded file itself, kept while previewed: not scrubbed line by line
        )
    for entry in session.scalars(
        sa.select(AuditEntry).where(
            AuditEntry.target_type == "attendanceimport",
            AuditEntry.target_id.in_(
                sa.select(AttendanceImport.id).where(AttendanceImport.event_id.in_(event_ids))
            ),
        )
    ):
        entry.summary = scrub(entry.summary)
        entry.details = scrub(entry.details)


def _scrubbed_entry(entry, scrub: Scrubber, linked: set[int]):
    if isinstance(entry, dict) and (
        entry.get("reg") in linked or scrub.names_person(entry.get("name", ""), entry.get("email", ""))
    ):
        return {**entry, "name": "", "email": ""}
    return scrub(entry)


def _chunks(ids: Sequence[int]) -> Iterable[list[int]]:
    ids = list(ids)
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


# --- retention ------------------------------------------------------------------------------------------


def add_months(moment: datetime, months: int) -> datetime:
    """The same day `months` later (the month's last day when it has fewer days)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Expired:
    """A series (or a standalone event) whose retention period has ended."""

    series: Series | None
    events: list[Event]
    months: int

    @property
    def label(self) -> str:
        return self.series.title if self.series else self.events[0].title


def expired_groups(now: datetime | None = None) -> list[Expired]:
    """The series whose last event ended more than their retention period ago, and the
    standalone events that ended more than RETENTION_MONTHS ago."""
    now = now or utcnow()
    groups = []
    for series in db.session.scalars(sa.select(Series).order_by(Series.id)):
        events = list(series.events)
        if events and add_months(max(event.end_dt for event in events), series.retention_months) <= now:
            groups.append(Expired(series, events, series.retention_months))
    months = current_app.config["RETENTION_MONTHS"]
    standalone = db.session.scalars(
        sa.select(Event)
        .where(Event.series_id.is_(None), Event.end_dt <= add_months(now, -months))
        .order_by(Event.id)
    )
    groups.extend(
        Expired(None, [event], months) for event in standalone if add_months(event.end_dt, months) <= now
    )
    return groups


@dataclass(frozen=True)
class RetentionResult:
    label: str
    series_id: int | None
    event_ids: list[int]
    registrations: int
    delegates: int


def apply_retention(now: datetime | None = None) -> list[RetentionResult]:
    """Anonymise the registrations of every series and standalone event past its retention
    period; run again, it finds nothing left to do. Logged and recorded in the audit log."""
    now = now or utcnow()
    results = []
    for group in expired_groups(now):
        result = _expire(group, now)
        if result.registrations or result.delegates:
            results.append(result)
    if not results:
        log.info("retention: nothing past its retention period")
    return results


def anonymise_registrations_older_than(now: datetime | None = None) -> int:
    """How many registrations retention anonymised now."""
    return sum(result.registrations for result in apply_retention(now))


def _expire(group: Expired, now: datetime) -> RetentionResult:
    event_ids = [event.id for event in group.events]
    with write_transaction() as session:
        registrations = list(
            session.scalars(
                sa.select(Registration).where(
                    Registration.event_id.in_(event_ids), Registration.anonymised_dt.is_(None)
                )
            )
        )
        # Whom the focal points nominated goes with the events' registrations.
        session.execute(sa.delete(Nomination).where(Nomination.event_id.in_(event_ids)))
        if not registrations and not _walk_ins_to_do(session, event_ids):
            return RetentionResult(group.label, group.series.id if group.series else None, event_ids, 0, 0)
        count = _anonymise_registrations(session, registrations, now)
        _pseudonymise_walk_ins(session, event_ids)
        delegates = _anonymise_finished_delegates(session, {r.delegate_id for r in registrations}, now)
        result = RetentionResult(
            group.label, group.series.id if group.series else None, event_ids, count, delegates
        )
        if count or delegates:
            audit.record(
                "retention.apply",
                group.series or group.events[0],
                f"{group.label}: {count} registrations anonymised after {group.months} months",
                registrations=count,
                delegates=delegates,
                events=event_ids,
                months=group.months,
            )
    if count or delegates:
        log.info(
            "retention: %s (series %s, events %s): %d registrations and %d delegates anonymised",
            group.label,
            result.series_id,
            event_ids,
            count,
            delegates,
        )
    return result


def _pseudonymise_walk_ins(session: OrmSession, event_ids: Sequence[int]) -> None:
    """People who took part without registering lose their name, and their key its
    pseudonym -- in every event, so that someone who walked in twice still counts once. An
    address that is a delegate's stays while that delegate is kept: it is what makes the row
    count as that person (it becomes the placeholder when the delegate is anonymised)."""
    rows = session.scalars(_walk_ins_to_do_query(event_ids)).all()
    known = set(
        session.scalars(
            sa.select(Delegate.email).where(Delegate.email.in_({row.email for row in rows if row.email}))
        )
    )
    names = {row.name for row in rows}
    for row in rows:
        row.name = ""
        if row.email not in known:
            row.email = ""
    session.flush()
    for key in {row.participant_key for row in rows if not row.participant_key.startswith(PSEUDONYM)}:
        _pseudonymise_key(session, key)
    _blank_imports(session, event_ids, names)


def _walk_ins_to_do_query(event_ids: Sequence[int]) -> sa.Select:
    return sa.select(Attendance).where(
        Attendance.event_id.in_(event_ids),
        Attendance.registration_id.is_(None),
        sa.or_(Attendance.name != "", sa.not_(Attendance.participant_key.startswith(PSEUDONYM))),
    )


def _walk_ins_to_do(session: OrmSession, event_ids: Sequence[int]) -> bool:
    return (
        session.scalar(_walk_ins_to_do_query(event_ids).with_only_columns(Attendance.id).limit(1)) is not None
    )


def _pseudonymise_key(session: OrmSession, key: str) -> None:
    session.execute(
        sa.update(Attendance)
        .where(Attendance.registration_id.is_(None), Attendance.participant_key == key)
        .values(participant_key=pseudonym(key))
        .execution_options(synchronize_session=False)
    )


def _blank_imports(session: OrmSession, event_ids: Sequence[int], names: set[str]) -> None:
    """The participant reports of expired events keep their figures, not who was in them."""
    imports = session.scalars(
        sa.select(AttendanceImport).where(AttendanceImport.event_id.in_(event_ids))
    ).all()
    for imported in imports:
        entries = imported.participants if all(isinstance(e, dict) for e in imported.participants) else []
        names |= {entry.get("name", "") for entry in entries}
        imported.participants = [{**entry, "name": "", "email": ""} for entry in entries]
        imported.report_file = None
    scrub = Scrubber(names=names)
    ids = [imported.id for imported in imports]
    _scrub_audit(
        session, scrub, sa.and_(AuditEntry.target_type == "attendanceimport", AuditEntry.target_id.in_(ids))
    )


def _anonymise_finished_delegates(session: OrmSession, delegate_ids: set[int], now: datetime) -> int:
    """Delegates none of whose registrations is kept any more are anonymised too."""
    if not delegate_ids:
        return 0
    kept = (
        sa.select(Registration.id)
        .where(Registration.delegate_id == Delegate.id, Registration.anonymised_dt.is_(None))
        .exists()
    )
    done = 0
    for chunk in _chunks(sorted(delegate_ids)):
        for delegate in session.scalars(
            sa.select(Delegate).where(Delegate.id.in_(chunk), Delegate.anonymised_dt.is_(None), ~kept)
        ):
            _anonymise_delegate(session, delegate, now)
            done += 1
    return done
