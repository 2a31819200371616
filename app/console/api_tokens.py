"""Personal API tokens in the console: an organiser makes one for another system (shown once,
only its hash kept) and revokes it; each acts with its owner's role, within its scope."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from ..extensions import db
from ..models import AccountRole, ApiToken, ApiTokenScope
from ..registration.forms import options, plain_text, strip
from ..services.accounts import api_tokens as service
from . import bp
from .access import requires
from .forms import ConfirmForm


class ApiTokenForm(FlaskForm):
    name = StringField(
        _l("What the token is for"),
        filters=[strip],
        validators=[DataRequired(), Length(max=service.NAME_MAX), plain_text],
        description=_l("For example: the secretariat's website, or the CRM export."),
        render_kw={"maxlength": service.NAME_MAX},
    )
    scope = SelectField(_l("It may"), choices=options(ApiTokenScope.choices()), validate_choice=True)
    submit = SubmitField(_l("Create the token"))


def _page(form: ApiTokenForm, status: int = 200, plain: str | None = None):
    return render_template(
        "console/api_tokens/index.html",
        tokens=service.tokens_of(current_user),
        form=form,
        confirm_form=ConfirmForm(),
        plain=plain,
    ), status


@bp.route("/api-tokens")
@requires(AccountRole.ORGANISER)
def api_tokens():
    return _page(ApiTokenForm(formdata=None))


@bp.route("/api-tokens", methods=["POST"])
@requires(AccountRole.ORGANISER)
def api_token_create():
    form = ApiTokenForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    _token, plain = service.create_token(current_user, form.name.data, ApiTokenScope(form.scope.data))
    # Shown in this answer only (never stored, never in the session): the page is not cached.
    return _page(ApiTokenForm(formdata=None), 201, plain=plain)


@bp.route("/api-tokens/<int:token_id>/revoke", methods=["POST"])
@requires(AccountRole.ORGANISER)
def api_token_revoke(token_id: int):
    token = db.get_or_404(ApiToken, token_id)
    if token.account_id != current_user.id and not current_user.can(AccountRole.ADMIN):
        return _page(ApiTokenForm(formdata=None), 404)
    if not ConfirmForm().validate_on_submit():
        return _page(ApiTokenForm(formdata=None), 400)
    service.revoke_token(token, by=current_user)
    flash(_("The token “%(name)s” is revoked: it opens nothing any more.", name=token.name), "success")
    return redirect(url_for(".api_tokens"), 303)
