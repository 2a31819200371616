"""The form of the follow-up page: previewed, then sent with the same fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ..registration.forms import options, strip
from ..services.follow_up import NOTE_MAX, Audience, Draft, Figures


class FollowUpForm(FlaskForm):
    audience = SelectField(
        _l("To"),
        validators=[InputRequired(message=_l("Choose who receives the follow-up."))],
        validate_choice=True,
    )
    note = TextAreaField(
        _l("Personal note (optional)"),
        filters=[strip],
        validators=[Optional(), Length(max=NOTE_MAX)],
        description=_l(
            "Shown after the greeting, formatted with Markdown: **bold**, *italic*, "
            "[a link](https://example.org), lines starting with - for a list. The links to the "
            "event's public documents and to the recording are added for you."
        ),
        render_kw={"rows": 8, "maxlength": NOTE_MAX},
    )
    certificate = BooleanField(
        _l("Attach a certificate of attendance (PDF) to each attendee's email"), default=True
    )
    preview = SubmitField(_l("Preview"))
    send = SubmitField(_l("Send"))

    def __init__(self, *args, figures: dict[Audience, Figures] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        figures = figures or {}
        labels = ((audience.value, _label(audience, figures.get(audience))) for audience in Audience)
        self.audience.choices = options(labels, _l("Choose who receives it"))

    def draft(self) -> Draft:
        return Draft(Audience(self.audience.data), self.note.data or "", bool(self.certificate.data))


def _label(audience: Audience, figures: Figures | None) -> str:
    return audience.title if figures is None else f"{audience.title} ({figures.total})"
