"""The data model. Import models from here."""

from .accounts import Account, AuditEntry, Invitation
from .enums import (
    AccountRole,
    AgendaItemKind,
    AttendanceSource,
    DocumentKind,
    EventFormat,
    EventKind,
    ImportStatus,
    MailingAudience,
    MessageStatus,
    OrganisationKind,
    RegistrationStatus,
    SpeakerRole,
)
from .messages import Mailing, Message, MessageContent, SentReminder
from .people import Attendance, AttendanceImport, Delegate, Registration
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
    "Account",
    "AccountRole",
    "AttendanceImport",
    "AuditEntry",
    "ImportStatus",
    "Invitation",
    "Mailing",
    "MailingAudience",
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
