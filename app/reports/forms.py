"""Forms of the summary pages: the summary's paragraph (the period of the programme overview is
in app/periods.py, shared with the published summaries)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length

from ..registration.forms import multiline_text
from ..services.reporting.summaries import SUMMARY_TEXT_MAX


class SummaryForm(FlaskForm):
    """The paragraph of a summary: save it, publish or unpublish it, or start again from the figures."""

    summary_text = TextAreaField(
        _l("Summary"),
        validators=[Length(max=SUMMARY_TEXT_MAX), multiline_text],
        description=_l(
            "Written from the figures below; change it as you wish. Blank lines separate paragraphs."
        ),
        render_kw={"rows": 8},
    )
    save = SubmitField(_l("Save"))
    publish = SubmitField(_l("Save and publish"))
    unpublish = SubmitField(_l("Unpublish"))
    regenerate = SubmitField(_l("Write it again from the figures"))

    def publishing(self) -> bool | None:
        """True to publish, False to unpublish, None to keep as it is."""
        if self.publish.data:
            return True
        if self.unpublish.data:
            return False
        return None
