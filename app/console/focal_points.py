"""The focal points of delegations (issue 21): organisers keep the contacts of each member
state and organisation; viewers see who they are, not their addresses."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length, Optional

from ..extensions import db
from ..models import AccountRole, FocalPoint
from ..registration.forms import country_choices, email_field, language_choices, plain_text, strip
from ..services.programme import focal_points as service
from . import bp
from .access import requires
from .forms import ConfirmForm


class FocalPointForm(FlaskForm):
    country = SelectField(_l("Member state"), default="", validators=[Optional()])
    organisation = StringField(
        _l("Or an organisation"),
        filters=[strip],
        validators=[Optional(), Length(max=200), plain_text],
        render_kw={"maxlength": 200},
    )
    name = StringField(
        _l("Name"),
        filters=[strip],
        validators=[DataRequired(), Length(max=200), plain_text],
        render_kw={"maxlength": 200},
    )
    email = email_field()
    language = SelectField(
        _l("Language of our messages"),
        default=lambda: current_app.config["BABEL_DEFAULT_LOCALE"],
        validate_choice=True,
    )
    submit = SubmitField(_l("Add the focal point"))

    def __init__(self, *args, locale: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = list(country_choices(locale))
        self.language.choices = language_choices()

    def details(self) -> service.FocalPointDetails:
        return service.FocalPointDetails(
            name=self.name.data,
            email=self.email.data,
            country=self.country.data or "",
            organisation=self.organisation.data or "",
            language=self.language.data,
        )


def _form(formdata=None) -> FocalPointForm:
    return FocalPointForm(formdata=formdata, locale=str(get_locale()))


def _page(form: FocalPointForm, status: int = 200):
    return render_template(
        "console/focal_points.html",
        focal_points=service.focal_points(),
        delegation_label=service.delegation_label,
        form=form,
        confirm_form=ConfirmForm(),
    ), status


@bp.route("/focal-points")
@requires(AccountRole.VIEWER)
def focal_points():
    return _page(_form())


@bp.route("/focal-points", methods=["POST"])
@requires(AccountRole.ORGANISER)
def focal_point_add():
    form = _form(request.form)
    if not form.validate_on_submit():
        return _page(form, 400)
    try:
        focal_point = service.add_focal_point(form.details(), by=current_user)
    except service.FocalPointError as error:
        form.country.errors = [*form.country.errors, str(error)]
        return _page(form, error.status)
    flash(
        _(
            "%(name)s is a focal point of %(delegation)s.",
            name=focal_point.name,
            delegation=service.delegation_label(focal_point),
        ),
        "success",
    )
    return redirect(url_for(".focal_points"), 303)


@bp.route("/focal-points/<int:focal_point_id>/remove", methods=["POST"])
@requires(AccountRole.ORGANISER)
def focal_point_remove(focal_point_id: int):
    focal_point = db.get_or_404(FocalPoint, focal_point_id)
    if not ConfirmForm().validate_on_submit():
        return _page(_form(), 400)
    service.remove_focal_point(focal_point, by=current_user)
    flash(_("The focal point is removed."), "success")
    return redirect(url_for(".focal_points"), 303)
