"""Forms of the accounts pages (admins only)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional

from ..models import AccountRole
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
