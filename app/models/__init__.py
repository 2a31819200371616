"""The data model. Import models from here."""

from .enums import (
    AgendaItemKind,
    AttendanceSource,
    DocumentKind,
    EventFormat,
    EventKind,
    MessageStatus,
    OrganisationKind,
    RegistrationStatus,
    SpeakerRole,
)
from .messages import Message, MessageContent, SentReminder
from .people import Attendance, Delegate, Registration
from .programme import (
    AgendaItem,
    Document,
    Event,
    RegistrationState,
    RegistrationWindow,
    Series,
    Speaker,
)

__all__ = [
    "AgendaItem",
    "AgendaItemKind",
    "Attendance",
    "AttendanceSource",
    "Delegate",
    "Document",
    "DocumentKind",
    "Event",
    "EventFormat",
    "EventKind",
    "Message",
    "MessageContent",
    "MessageStatus",
    "OrganisationKind",
    "Registration",
    "RegistrationState",
    "RegistrationStatus",
    "RegistrationWindow",
    "SentReminder",
    "Series",
    "Speaker",
    "SpeakerRole",
]
