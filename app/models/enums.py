"""The fixed vocabularies of the domain, each value with a translated title."""

from __future__ import annotations

import enum

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import pgettext


class TitledEnum(enum.StrEnum):
    # Deliberately hides str.title(): a member's title is its translated name.
    @property
    def title(self) -> str:  # type: ignore[override]
        return str(self._titles()[self])

    @classmethod
    def _titles(cls) -> dict:
        raise NotImplementedError

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.title) for member in cls]


class EventKind(TitledEnum):
    WEBINAR = "webinar"
    VIRTUAL_MEETING = "virtual_meeting"
    THEMATIC_MEETING = "thematic_meeting"
    STEERING_COMMITTEE = "steering_committee"
    SENIOR_OFFICIALS_MEETING = "senior_officials_meeting"
    WORKING_GROUP = "working_group"
    TRAINING = "training"

    @classmethod
    def _titles(cls):
        return {
            cls.WEBINAR: _l("Webinar"),
            cls.VIRTUAL_MEETING: _l("Virtual meeting"),
            cls.THEMATIC_MEETING: _l("Thematic meeting"),
            cls.STEERING_COMMITTEE: _l("Steering Committee meeting"),
            cls.SENIOR_OFFICIALS_MEETING: _l("Senior Officials' Meeting"),
            cls.WORKING_GROUP: _l("Informal working group"),
            cls.TRAINING: _l("Regional training"),
        }


class EventFormat(TitledEnum):
    ONLINE = "online"
    IN_PERSON = "in_person"
    HYBRID = "hybrid"

    @classmethod
    def _titles(cls):
        return {cls.ONLINE: _l("Online"), cls.IN_PERSON: _l("In person"), cls.HYBRID: _l("Hybrid")}


class AgendaItemKind(TitledEnum):
    OPENING = "opening"
    KEYNOTE = "keynote"
    PANEL = "panel"
    SESSION = "session"
    DISCUSSION = "discussion"
    CLOSING = "closing"

    @classmethod
    def _titles(cls):
        return {
            cls.OPENING: _l("Opening"),
            cls.KEYNOTE: _l("Keynote"),
            cls.PANEL: _l("Panel"),
            cls.SESSION: _l("Session"),
            cls.DISCUSSION: _l("Discussion"),
            cls.CLOSING: _l("Closing"),
        }


class SpeakerGender(TitledEnum):
    """What a role's title agrees with, where the language marks it ("modératrice", "مشرفة")."""

    NOT_GIVEN = "not_given"
    WOMAN = "woman"
    MAN = "man"

    @classmethod
    def _titles(cls):
        return {cls.NOT_GIVEN: _l("Not given"), cls.WOMAN: _l("Woman"), cls.MAN: _l("Man")}


class NomineeRole(TitledEnum):
    """A nominee's place in their delegation, as the focal point gives it (issue 21)."""

    HEAD = "head"
    MEMBER = "member"
    ADVISER = "adviser"

    @classmethod
    def _titles(cls):
        return {cls.HEAD: _l("Head of delegation"), cls.MEMBER: _l("Member"), cls.ADVISER: _l("Adviser")}


class SpeakerRole(TitledEnum):
    SPEAKER = "speaker"
    MODERATOR = "moderator"

    @classmethod
    def _titles(cls):
        return {cls.SPEAKER: _l("Speaker"), cls.MODERATOR: _l("Moderator")}

    def title_for(self, gender: SpeakerGender | None) -> str:
        """The role as the person's own title: agreed with their gender where it is known
        ("Modératrice", "Intervenant"), else the form for anyone ("Modérateur(trice)")."""
        if gender == SpeakerGender.WOMAN:
            return {
                SpeakerRole.SPEAKER: pgettext("speaker role, woman", "Speaker"),
                SpeakerRole.MODERATOR: pgettext("speaker role, woman", "Moderator"),
            }[self]
        if gender == SpeakerGender.MAN:
            return {
                SpeakerRole.SPEAKER: pgettext("speaker role, man", "Speaker"),
                SpeakerRole.MODERATOR: pgettext("speaker role, man", "Moderator"),
            }[self]
        return self.title


class DocumentKind(TitledEnum):
    BACKGROUND_NOTE = "background_note"
    READER = "reader"
    PRESENTATION = "presentation"
    REPORT = "report"
    RECORDING = "recording"
    OTHER = "other"

    @classmethod
    def _titles(cls):
        return {
            cls.BACKGROUND_NOTE: _l("Background note"),
            cls.READER: _l("Reader"),
            cls.PRESENTATION: _l("Presentation"),
            cls.REPORT: _l("Report"),
            cls.RECORDING: _l("Recording"),
            cls.OTHER: _l("Document"),
        }


class OrganisationKind(TitledEnum):
    MEMBER_STATE = "member_state"
    INTERNATIONAL_ORGANISATION = "international_organisation"
    NGO = "ngo"
    ACADEMIA = "academia"
    PRIVATE_SECTOR = "private_sector"
    OTHER = "other"

    @classmethod
    def _titles(cls):
        return {
            cls.MEMBER_STATE: _l("Member state"),
            cls.INTERNATIONAL_ORGANISATION: _l("International organisation"),
            cls.NGO: _l("NGO / civil society"),
            cls.ACADEMIA: _l("Academia"),
            cls.PRIVATE_SECTOR: _l("Private sector"),
            cls.OTHER: _l("Other"),
        }


class RegistrationStatus(TitledEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    REJECTED = "rejected"

    @classmethod
    def _titles(cls):
        return {
            cls.PENDING: _l("Awaiting approval"),
            cls.CONFIRMED: _l("Confirmed"),
            cls.WAITLISTED: _l("On the waiting list"),
            cls.CANCELLED: _l("Cancelled"),
            cls.REJECTED: _l("Not accepted"),
        }

    @classmethod
    def live(cls) -> tuple[RegistrationStatus, ...]:
        """Statuses of someone still expecting the event."""
        return (cls.PENDING, cls.CONFIRMED, cls.WAITLISTED)

    @classmethod
    def active(cls) -> tuple[RegistrationStatus, ...]:
        """Statuses that hold a place in the event's lists (or a decision)."""
        return (cls.PENDING, cls.CONFIRMED, cls.WAITLISTED, cls.REJECTED)


class BadgeRole(TitledEnum):
    """The colour band of a badge: who the wearer is at the meeting."""

    DELEGATE = "delegate"
    SPEAKER = "speaker"
    ORGANISER = "organiser"
    PRESS = "press"

    @classmethod
    def _titles(cls):
        return {
            cls.DELEGATE: _l("Delegate"),
            cls.SPEAKER: _l("Speaker"),
            cls.ORGANISER: _l("Organiser"),
            cls.PRESS: _l("Press"),
        }


class AttendanceSource(TitledEnum):
    CHECK_IN = "check_in"
    ZOOM = "zoom"
    TEAMS = "teams"
    WEBEX = "webex"
    OTHER = "other"

    @classmethod
    def _titles(cls):
        return {
            cls.CHECK_IN: _l("Check-in"),
            cls.ZOOM: _l("Zoom report"),
            cls.TEAMS: _l("Microsoft Teams report"),
            cls.WEBEX: _l("Webex report"),
            cls.OTHER: _l("Other"),
        }


class ImportStatus(TitledEnum):
    """Where an attendance report stands: read and shown for checking, being saved, saved."""

    PREVIEW = "preview"
    IMPORTING = "importing"
    DONE = "done"
    FAILED = "failed"
    DISCARDED = "discarded"
    # Taken back after it was imported: what it recorded is gone.
    REMOVED = "removed"
    # Taken back for a corrected file, whose import replaced it.
    REPLACED = "replaced"

    @classmethod
    def _titles(cls):
        return {
            cls.PREVIEW: _l("Ready to check"),
            cls.IMPORTING: _l("Importing"),
            cls.DONE: _l("Imported"),
            cls.FAILED: _l("Failed"),
            cls.DISCARDED: _l("Discarded"),
            cls.REMOVED: _l("Removed"),
            cls.REPLACED: _l("Replaced"),
        }


class MessageStatus(TitledEnum):
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"

    @classmethod
    def _titles(cls):
        return {
            cls.QUEUED: _l("Queued"),
            cls.SENDING: _l("Sending"),
            cls.SENT: _l("Sent"),
            cls.FAILED: _l("Failed"),
        }


class AccountRole(TitledEnum):
    """What an organiser account may do; each role can do everything of the ones after it."""

    ADMIN = "admin"
    ORGANISER = "organiser"
    VIEWER = "viewer"

    @classmethod
    def _titles(cls):
        return {cls.ADMIN: _l("Administrator"), cls.ORGANISER: _l("Organiser"), cls.VIEWER: _l("Viewer")}

    @property
    def rank(self) -> int:
        return {AccountRole.VIEWER: 0, AccountRole.ORGANISER: 1, AccountRole.ADMIN: 2}[self]

    def can(self, needed: AccountRole) -> bool:
        return self.rank >= needed.rank


class MailingAudience(TitledEnum):
    """Whom a message from the organisers goes to, among an event's registrants."""

    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    PENDING = "pending"
    LIVE = "live"
    CANCELLED = "cancelled"

    @classmethod
    def _titles(cls):
        return {
            cls.CONFIRMED: _l("Confirmed registrants"),
            cls.WAITLISTED: _l("People on the waiting list"),
            cls.PENDING: _l("Registrations awaiting approval"),
            cls.LIVE: _l("Everyone still registered (confirmed, waiting, awaiting approval)"),
            cls.CANCELLED: _l("People who cancelled"),
        }

    def statuses(self) -> tuple[RegistrationStatus, ...]:
        if self is MailingAudience.LIVE:
            return RegistrationStatus.live()
        return (RegistrationStatus(self.value),)


class MailoutKind(TitledEnum):
    """What a mailout does to an audience of an event's registrants: writes them an email,
    or changes their registrations (each told by email as one change would be)."""

    FOLLOW_UP = "follow_up"
    EVENT_CHANGED = "event_changed"
    EVENT_CANCELLED = "event_cancelled"
    MAILING = "mailing"
    # The waiting list moved into the seats a new capacity added.
    PROMOTION = "promotion"
    # An organiser's action on many registrations of the table at once.
    REGISTRATION_ACTION = "registration_action"

    @classmethod
    def _titles(cls):
        return {
            cls.FOLLOW_UP: _l("Follow-up after the event"),
            cls.EVENT_CHANGED: _l("Notice of a new time or place"),
            cls.EVENT_CANCELLED: _l("Notice of the cancellation"),
            cls.MAILING: _l("Messages to registrants"),
            cls.PROMOTION: _l("Waiting list moved into the new seats"),
            cls.REGISTRATION_ACTION: _l("Action on the chosen registrations"),
        }


class MailoutStatus(TitledEnum):
    WRITING = "writing"
    DONE = "done"
    FAILED = "failed"

    @classmethod
    def _titles(cls):
        return {
            cls.WRITING: _l("Being written"),
            cls.DONE: _l("All written"),
            cls.FAILED: _l("Stopped by an error"),
        }


class StandardField(TitledEnum):
    """The questions an intergovernmental meeting's form can ask besides the usual ones,
    switched on per series or per event (Series.form_fields, Event.form_fields)."""

    SALUTATION = "salutation"
    NAMES = "names"
    LATIN_NAME = "latin_name"
    GENDER = "gender"
    REPRESENTING = "representing"
    HEAD_OF_DELEGATION = "head_of_delegation"
    INTERPRETATION_LANGUAGE = "interpretation_language"
    ACCESSIBILITY_NEEDS = "accessibility_needs"
    DIETARY_NEEDS = "dietary_needs"
    VISA_LETTER = "visa_letter"

    @classmethod
    def _titles(cls):
        return {
            cls.SALUTATION: _l("Salutation"),
            cls.NAMES: _l("Given and family names"),
            cls.LATIN_NAME: _l("Name in Latin letters"),
            cls.GENDER: _l("Gender"),
            cls.REPRESENTING: _l("Representing"),
            cls.HEAD_OF_DELEGATION: _l("Head of delegation"),
            cls.INTERPRETATION_LANGUAGE: _l("Interpretation language"),
            cls.ACCESSIBILITY_NEEDS: _l("Accessibility needs"),
            cls.DIETARY_NEEDS: _l("Dietary needs"),
            cls.VISA_LETTER: _l("Visa support letter"),
        }


class Salutation(TitledEnum):
    EXCELLENCY = "he"
    HONOURABLE = "hon"
    AMBASSADOR = "amb"
    DOCTOR = "dr"
    PROFESSOR = "prof"
    MR = "mr"
    MS = "ms"
    MX = "mx"

    @classmethod
    def _titles(cls):
        return {
            cls.EXCELLENCY: _l("H.E."),
            cls.HONOURABLE: _l("Hon."),
            cls.AMBASSADOR: _l("Amb."),
            cls.DOCTOR: _l("Dr"),
            cls.PROFESSOR: _l("Prof."),
            cls.MR: _l("Mr"),
            cls.MS: _l("Ms"),
            cls.MX: _l("Mx"),
        }


class Gender(TitledEnum):
    """As the person says: for the sex-disaggregated figures programmes report. Not asked
    ("" on a registration) is not the same as "prefer not to say"."""

    WOMAN = "woman"
    MAN = "man"
    ANOTHER = "another"
    UNDISCLOSED = "prefer_not_to_say"

    @classmethod
    def _titles(cls):
        return {
            cls.WOMAN: _l("Woman"),
            cls.MAN: _l("Man"),
            cls.ANOTHER: _l("Another gender"),
            cls.UNDISCLOSED: _l("Prefer not to say"),
        }


class InterpretationLanguage(TitledEnum):
    """The six official languages of the United Nations, or none."""

    ARABIC = "ar"
    CHINESE = "zh"
    ENGLISH = "en"
    FRENCH = "fr"
    RUSSIAN = "ru"
    SPANISH = "es"
    NONE = "none"

    @classmethod
    def _titles(cls):
        return {
            cls.ARABIC: _l("Arabic"),
            cls.CHINESE: _l("Chinese"),
            cls.ENGLISH: _l("English"),
            cls.FRENCH: _l("French"),
            cls.RUSSIAN: _l("Russian"),
            cls.SPANISH: _l("Spanish"),
            cls.NONE: _l("No interpretation needed"),
        }


class DietaryNeed(TitledEnum):
    NONE = "none"
    VEGETARIAN = "vegetarian"
    VEGAN = "vegan"
    HALAL = "halal"
    KOSHER = "kosher"
    GLUTEN_FREE = "gluten_free"
    OTHER = "other"

    @classmethod
    def _titles(cls):
        return {
            cls.NONE: _l("No special diet"),
            cls.VEGETARIAN: _l("Vegetarian"),
            cls.VEGAN: _l("Vegan"),
            cls.HALAL: _l("Halal"),
            cls.KOSHER: _l("Kosher"),
            cls.GLUTEN_FREE: _l("Gluten-free"),
            cls.OTHER: _l("Other (please say)"),
        }


def enum_type(enum_cls: type[enum.StrEnum], name: str) -> sa.Enum:
    """A portable enum column: VARCHAR plus a named CHECK constraint."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class QuestionKind(TitledEnum):
    """The kinds of question an organiser can add to a registration form."""

    SHORT_TEXT = "short_text"
    LONG_TEXT = "long_text"
    ONE_CHOICE = "one_choice"
    SEVERAL_CHOICES = "several_choices"
    YES_NO = "yes_no"
    COUNTRY = "country"
    DATE = "date"

    @classmethod
    def _titles(cls):
        return {
            cls.SHORT_TEXT: _l("Short text"),
            cls.LONG_TEXT: _l("Long text"),
            cls.ONE_CHOICE: _l("One choice"),
            cls.SEVERAL_CHOICES: _l("Several choices"),
            cls.YES_NO: _l("Yes or no"),
            cls.COUNTRY: _l("A country"),
            cls.DATE: _l("A date"),
        }

    @property
    def has_choices(self) -> bool:
        """Whether the organiser lists the choices (a yes/no or a country has its own)."""
        return self in (QuestionKind.ONE_CHOICE, QuestionKind.SEVERAL_CHOICES)

    @property
    def is_counted(self) -> bool:
        """Whether the summaries break its answers down, choice by choice."""
        return self in (
            QuestionKind.ONE_CHOICE,
            QuestionKind.SEVERAL_CHOICES,
            QuestionKind.YES_NO,
            QuestionKind.COUNTRY,
        )
