"""The privacy notice: organisers write a new version and publish it; everyone in the console reads it.

Each version is kept: a registration records the version its delegate accepted.
"""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..models import AccountRole
from ..registration.forms import multiline_text
from ..services.privacy import personal_data as service
from . import bp
from .access import requires


class NoticeForm(FlaskForm):
    text = TextAreaField(
        _l("Text of the notice"),
        validators=[DataRequired(), Length(max=service.NOTICE_MAX), multiline_text],
        description=_l("Markdown: headings, lists, links. Published as a new version; earlier ones stay."),
        render_kw={"rows": 20},
    )
    submit = SubmitField(_l("Publish as a new version"))


def _page(form: NoticeForm | None = None, status: int = 200):
    history = service.notice_history()
    if form is None:
        form = NoticeForm(data={"text": history[0].text if history else ""})
    return render_template("console/privacy/page.html", form=form, history=history), status


@bp.route("/privacy")
@requires(AccountRole.VIEWER)
def privacy_notice():
    return _page()


@bp.route("/privacy", methods=["POST"])
@requires(AccountRole.ORGANISER)
def privacy_notice_publish():
    form = NoticeForm()
    if not form.validate_on_submit():
        return _page(form, 400)
    try:
        notice = service.publish_notice(form.text.data, by=current_user)
    except service.PersonalDataError as error:
        form.text.errors.append(str(error))
        return _page(form, 400)
    flash(_("Version %(version)d of the privacy notice is published.", version=notice.version), "success")
    return redirect(url_for(".privacy_notice"), 303)
