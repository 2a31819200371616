"""The form of the follow-up page: previewed, then sent with the same fields."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, TextAreaField
from wtforms.validators import Length, Optional

from ..registration.forms import multiline_text, strip
from ..services.mail.follow_up import NOTE_MAX, Audience, Draft, Figures
from .forms import AudienceForm, audience_field


class FollowUpForm(AudienceForm):
    AUDIENCES = Audience

    audience = audience_field(_l("Choose who receives the follow-up."))
    note = TextAreaField(
        _l("Personal note (optional)"),
        filters=[strip],
        validators=[Optional(), Length(max=NOTE_MAX), multiline_text],
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

    def __init__(self, *args, figures: dict[Audience, Figures] | None = None, **kwargs):
        sizes = {audience: counted.total for audience, counted in (figures or {}).items()}
        super().__init__(*args, sizes=sizes, **kwargs)

    def draft(self) -> Draft:
        return Draft(Audience(self.audience.data), self.note.data or "", bool(self.certificate.data))
