"""The data model. Import models from here."""

from .accounts import Account, AuditEntry, Invitation
from .api_tokens import ApiToken, ApiTokenScope
from .enums import (
    AccountRole,
    AgendaItemKind,
    AttendanceSource,
    DocumentKind,
    EventFormat,
    EventKind,
    ImportStatus,
    MailingAudience,
    MailoutKind,
    MailoutStatus,
    MessageStatus,
    OrganisationKind,
    QuestionKind,
    RegistrationStatus,
    SpeakerRole,
)
from .messages import Mailing, Mailout, Message, MessageContent, SentReminder
from .participation import ParticipantsVersion, PublishedFigures
from .people import Attendance, AttendanceImport, Delegate, Registration, registrations_matching
from .privacy import PrivacyNotice
from .programme import (
    AgendaItem,
    Document,
    Event,
    RegistrationState,
    RegistrationWindow,
    Series,
    Speaker,
)
from .questions import Question
from .stamps import SpentFormStamp
from .webhooks import Webhook, WebhookDelivery, WebhookDeliveryStatus

__all__ = [
    "Account",
    "AccountRole",
    "ApiToken",
    "ApiTokenScope",
    "AttendanceImport",
    "AuditEntry",
    "ImportStatus",
    "Invitation",
    "Mailing",
    "MailingAudience",
    "Mailout",
    "MailoutKind",
    "MailoutStatus",
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
    "ParticipantsVersion",
    "PrivacyNotice",
    "PublishedFigures",
    "Question",
    "QuestionKind",
    "Registration",
    "RegistrationState",
    "RegistrationStatus",
    "RegistrationWindow",
    "SentReminder",
    "Series",
    "Speaker",
    "SpeakerRole",
    "SpentFormStamp",
    "Webhook",
    "WebhookDelivery",
    "WebhookDeliveryStatus",
    "registrations_matching",
]
