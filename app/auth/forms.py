"""Sign-in and invitation forms."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from ..services.accounts.accounts import MIN_PASSWORD_LENGTH

PASSWORD_MAX = 200


class LoginForm(FlaskForm):
    email = EmailField(_l("Email address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    submit = SubmitField(_l("Sign in"))


class NewPasswordMixin:
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), Length(min=MIN_PASSWORD_LENGTH, max=PASSWORD_MAX)],
        description=_l("At least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
    )
    confirm = PasswordField(
        _l("Password again"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
    )


class AcceptInvitationForm(NewPasswordMixin, FlaskForm):
    name = StringField(_l("Your full name"), validators=[DataRequired(), Length(max=200)])
    submit = SubmitField(_l("Create my account"))


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current = PasswordField(_l("Current password"), validators=[DataRequired(), Length(max=PASSWORD_MAX)])
    submit = SubmitField(_l("Change password"))


class LogoutForm(FlaskForm):
    submit = SubmitField(_l("Sign out"))
