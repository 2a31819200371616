"""Forms of the accounts pages (admins only)."""

from __future__ import annotations

from collections.abc import Sequence

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional

from ..models import AccountRole, Series
from ..registration.forms import options
from .forms import SearchForm


def role_field() -> SelectField:
    return SelectField(
        _l("Role"),
        choices=options(AccountRole.choices()),
        validators=[DataRequired()],
        coerce=AccountRole,
        description=_l(
            "Administrators do everything, accounts included; organisers run events, registrations "
            "and messages; viewers read registrations and summaries and change nothing."
        ),
    )


class InviteForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Email(), Length(max=254)])
    role = role_field()
    submit = SubmitField(_l("Send the invitation"))


class AccountForm(FlaskForm):
    role = role_field()
    is_enabled = BooleanField(_l("Can sign in"))
    submit = SubmitField(_l("Save"))


class AuditFilterForm(SearchForm):
    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)])


class SeriesGrantForm(FlaskForm):
    """An admin gives a partner's account a role on one series and its events."""

    series = SelectField(_l("Series"), coerce=int, validators=[DataRequired()])
    role = SelectField(
        _l("Role on this series"),
        choices=options((role.value, role.title) for role in (AccountRole.ORGANISER, AccountRole.VIEWER)),
        validators=[DataRequired()],
        coerce=AccountRole,
    )
    submit = SubmitField(_l("Give these rights"))

    def __init__(self, *args, series_choices: Sequence[Series] = (), **kwargs):
        super().__init__(*args, **kwargs)
        self.series.choices = options((series.id, series.title) for series in series_choices)
