"""Forms of the accounts pages (admins only)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Email, Length, Optional

from ..models import AccountRole
from ..registration.forms import options


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


class ConfirmForm(FlaskForm):
    """A button that changes something: CSRF only."""

    submit = SubmitField(_l("Confirm"))


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False  # a GET search form

    q = StringField(_l("Search"), validators=[Optional(), Length(max=200)])
