"""Forms of the messages pages and the mail log."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import HiddenInput

from ..models import MailingAudience, MessageStatus
from ..registration.forms import multiline_text, options, plain_text, strip
from ..services.mail.mailings import BODY_MAX, SUBJECT_MAX, Draft
from .forms import AudienceForm, SearchForm, audience_field


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

    def restamp(self, stamp: int) -> None:
        """Carry a new stamp, whatever the form was sent with."""
        self.stamp.data, self.stamp.raw_data = stamp, [str(stamp)]

    def draft(self) -> Draft:
        return Draft(MailingAudience(self.audience.data), self.subject.data, self.body.data)


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
