"""The period of a programme overview, chosen in the query string: the reports behind the console
and the published summaries offer the same choice."""

from __future__ import annotations

import calendar
import re
from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import Length, Optional, ValidationError

PERIOD_RE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?$")


def _parse_period(text: str, *, end: bool) -> date:
    """'2015' or '2015-11' as the first day of it, or with `end` its last day."""
    match = PERIOD_RE.match(text.strip())
    if not match:
        raise ValidationError(_l("Enter a year (2015) or a year and month (2015-11)."))
    year, month = int(match.group(1)), match.group(2)
    if not 1900 <= year <= 2200 or (month and not 1 <= int(month) <= 12):
        raise ValidationError(_l("Enter a year (2015) or a year and month (2015-11)."))
    if month is None:
        return date(year, 12, 31) if end else date(year, 1, 1)
    month = int(month)
    return date(year, month, calendar.monthrange(year, month)[1] if end else 1)


class PeriodForm(FlaskForm):
    """The programme overview's period, in the query string: ?from=2015-11&to=2020-03."""

    class Meta:
        csrf = False  # a GET filter that changes nothing

    start = StringField(
        _l("From"),
        name="from",
        validators=[Optional(), Length(max=7)],
        description=_l("A year, or a year and month: 2015 or 2015-11"),
    )
    end = StringField(
        _l("To"),
        name="to",
        validators=[Optional(), Length(max=7)],
        description=_l("A year, or a year and month: 2020 or 2020-03"),
    )
    submit = SubmitField(_l("Show"))

    def validate_start(self, field) -> None:
        if field.data:
            _parse_period(field.data, end=False)

    def validate_end(self, field) -> None:
        if not field.data:
            return
        end = _parse_period(field.data, end=True)
        try:
            start = _parse_period(self.start.data, end=False) if self.start.data else None
        except ValidationError:
            return  # the start's own message says what is wrong with it
        if start and start > end:
            raise ValidationError(_l("The end of the period comes before its start."))

    def period(self) -> tuple[date | None, date | None]:
        """The chosen period; call after validate()."""
        start = _parse_period(self.start.data, end=False) if self.start.data else None
        end = _parse_period(self.end.data, end=True) if self.end.data else None
        return start, end
