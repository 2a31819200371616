"""Forms of the messages pages and the mail log."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from ..database import utcnow
from ..formatting import zone_label
from ..models import Document, MailingAttachment, MailingAudience, MessageStatus
from ..registration.forms import multiline_text, options, plain_text, strip
from ..services.mail.mailings import BODY_MAX, SUBJECT_MAX, Draft
from ..services.programme.programme import ProgrammeError, local_instant
from .forms import AudienceForm, SearchForm, audience_field
from .programme_forms import local_time


def one_kind_of_line_break(value):
    """Browsers send CRLF; the text is kept, compared and mailed with LF."""
    return value.replace("\r\n", "\n") if isinstance(value, str) else value


class MailingForm(AudienceForm):
    """What an organiser writes; previewed, then sent with the same fields."""

    AUDIENCES = MailingAudience

    audience = audience_field(_l("Choose who receives the message."))
    subject = StringField(
        _l("Subject"),
        filters=[strip],
        validators=[DataRequired(), Length(max=SUBJECT_MAX), plain_text],
        render_kw={"maxlength": SUBJECT_MAX},
    )
    body = TextAreaField(
        _l("Message"),
        filters=[one_kind_of_line_break],
        validators=[DataRequired(), Length(max=BODY_MAX), multiline_text],
        description=_l(
            "Formatted with Markdown: **bold**, *italic*, [a link](https://example.org), "
            "lines starting with - for a list. Each person's email starts with “Dear” and "
            "their name, and ends with the event's details and their personal link to manage "
            "the registration."
        ),
        render_kw={"rows": 14, "maxlength": BODY_MAX},
    )
    # The newest mailing of the event when the form was opened: a send refuses
    # to go if there is a newer one, so the same form never sends twice.
    stamp = IntegerField(
        _l("Version of the form"), widget=HiddenInput(), validators=[InputRequired(), NumberRange(min=0)]
    )

    documents = SelectMultipleField(
        _l("Attach documents of the event"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        description=_l(
            "Files are attached to the email; a link document is listed in it. A document for "
            "registrants only can go to the confirmed registrants alone."
        ),
    )
    # Files uploaded with an earlier step of this form (the preview), kept unless unticked.
    uploads = SelectMultipleField(
        _l("Files uploaded for this message"),
        coerce=int,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )
    upload = FileField(
        _l("Attach a file"),
        description=_l("PDF, Word (.docx) or PowerPoint (.pptx), as for the event's documents."),
        render_kw={"accept": ".pdf,.docx,.pptx"},
    )
    send_at = local_time(_l("Send later, at"))

    def __init__(
        self,
        *args,
        zone: ZoneInfo,
        documents: Sequence[Document] = (),
        uploads: Sequence[MailingAttachment] = (),
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.zone = zone
        self.documents.choices = [(document.id, _document_label(document)) for document in documents]
        self.uploads.choices = [(upload.id, upload.filename) for upload in uploads]
        # The zone the time is read in, with the offset it has now (a time across a change of
        # the clocks is shown with its own offset in the preview).
        self.send_at.description = _l(
            "In the event's time zone, %(zone)s %(offset)s. Leave it empty to send the message now.",
            zone=zone.key,
            offset=zone_label(utcnow().astimezone(zone)),
        )
        self.send_at_utc: datetime | None = None

    def validate_send_at(self, field) -> None:
        if field.data is None:
            return
        try:
            self.send_at_utc = local_instant(field.data, self.zone.key, "send_at")
        except ProgrammeError as error:
            raise ValidationError(str(error)) from None

    def restamp(self, stamp: int) -> None:
        """Carry a new stamp, whatever the form was sent with."""
        self.stamp.data, self.stamp.raw_data = stamp, [str(stamp)]

    def carry_upload(self, upload: MailingAttachment) -> None:
        """A file just stored: carried, ticked, by the pages that follow."""
        self.uploads.choices = [*(self.uploads.choices or []), (upload.id, upload.filename)]
        self.uploads.data = [*(self.uploads.data or []), upload.id]

    def draft(self) -> Draft:
        return Draft(
            MailingAudience(self.audience.data),
            self.subject.data,
            self.body.data,
            document_ids=tuple(self.documents.data or ()),
            upload_ids=tuple(self.uploads.data or ()),
            send_at=self.send_at_utc,
        )

    def hidden_fields(self) -> list[tuple[str, object]]:
        """The draft as the preview page posts it again: (name, value) pairs."""
        fields: list[tuple[str, object]] = [
            ("stamp", self.stamp.data),
            ("audience", self.audience.data),
            ("subject", self.subject.data),
            ("body", self.body.data),
        ]
        fields += [("documents", document_id) for document_id in self.documents.data or ()]
        fields += [("uploads", upload_id) for upload_id in self.uploads.data or ()]
        if self.send_at.data is not None:
            fields.append(("send_at", self.send_at.data.strftime("%Y-%m-%dT%H:%M")))
        return fields


def _document_label(document: Document) -> str:
    if document.is_link:
        return str(_l("%(title)s (link)", title=document.title))
    if not document.is_public:
        return str(_l("%(title)s (registrants only)", title=document.title))
    return document.title


class MailLogFilterForm(SearchForm):
    q = StringField(
        _l("Address or subject"), filters=[strip], validators=[Optional(), Length(max=200)], default=""
    )
    status = SelectField(_l("Status"), validate_choice=True, default="")
    kind = SelectField(_l("Kind"), validate_choice=True, default="")

    def __init__(self, *args, kinds: list[str], addresses: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not addresses:  # a viewer's search does not look in addresses
            self.q.label.text = _l("Name or subject")
        self.status.choices = options(MessageStatus.choices(), _l("Any status"))
        self.kind.choices = options(((kind, kind) for kind in kinds), _l("Any kind"))

    def criteria(self) -> dict:
        """The search the form asks for; nothing of a field that is not valid."""
        status = self.status.data if not self.status.errors else ""
        return {
            "text": self.q.data if not self.q.errors else "",
            "status": MessageStatus(status) if status else None,
            "kind": self.kind.data if not self.kind.errors else "",
        }
