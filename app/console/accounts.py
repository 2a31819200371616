"""Accounts and invitations, and the audit log: admins only."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..database import contains_text
from ..extensions import db
from ..models import Account, AccountRole, AuditEntry, Invitation, Series
from ..services.accounts import accounts as service
from . import bp
from .access import requires
from .accounts_forms import AccountForm, AuditFilterForm, InviteForm, SeriesGrantForm
from .forms import ConfirmForm
from .queries import page_asked

AUDIT_PAGE_SIZE = 50
AUDIT_SEARCHED = (AuditEntry.actor, AuditEntry.action, AuditEntry.summary)


def _account_or_404(account_id: int) -> Account:
    return db.get_or_404(Account, account_id)


@bp.route("/accounts")
@requires(AccountRole.ADMIN)
def accounts():
    return _accounts_page(InviteForm())


def _accounts_page(invite_form: InviteForm, status: int = 200):
    everyone = db.session.scalars(sa.select(Account).order_by(Account.name)).all()
    open_invitations = db.session.scalars(
        sa.select(Invitation)
        .where(Invitation.accepted_dt.is_(None), Invitation.revoked_dt.is_(None))
        .order_by(Invitation.created_dt.desc())
    ).all()
    return render_template(
        "console/accounts.html",
        accounts=everyone,
        invitations=open_invitations,
        invite_form=invite_form,
        confirm_form=ConfirmForm(),
    ), status


@bp.route("/accounts/invite", methods=["POST"])
@requires(AccountRole.ADMIN)
def account_invite():
    form = InviteForm()
    if form.validate_on_submit():
        try:
            service.invite(form.email.data, form.role.data, current_user)
        except service.AccountError as error:
            form.email.errors.append(str(error))
        else:
            flash(
                _(
                    "An invitation was sent to %(email)s. The link works once, for 7 days.",
                    email=form.email.data,
                ),
                "success",
            )
            return redirect(url_for(".accounts"))
    return _accounts_page(form, 400)


@bp.route("/accounts/invitations/<int:invitation_id>/revoke", methods=["POST"])
@requires(AccountRole.ADMIN)
def account_invitation_revoke(invitation_id: int):
    invitation = db.get_or_404(Invitation, invitation_id)
    if ConfirmForm().validate_on_submit():
        service.revoke_invitation(invitation)
        flash(_("The invitation to %(email)s no longer works.", email=invitation.email), "success")
        return redirect(url_for(".accounts"))
    return _accounts_page(InviteForm(formdata=None), 400)


@bp.route("/accounts/<int:account_id>", methods=["GET", "POST"])
@requires(AccountRole.ADMIN)
def account(account_id: int):
    account = _account_or_404(account_id)
    form = AccountForm(obj=account)
    if form.validate_on_submit():
        try:
            service.change_account(
                account, role=form.role.data, is_enabled=form.is_enabled.data, by=current_user
            )
        except service.AccountError as error:
            form.role.errors.append(str(error))
        else:
            flash(_("The account of %(name)s is saved.", name=account.name), "success")
            return redirect(url_for(".accounts"))
    status = 400 if form.is_submitted() else 200
    return _account_page(account, form=form, status=status)


def _series_grant_form(**kwargs) -> SeriesGrantForm:
    everything = db.session.scalars(sa.select(Series).order_by(Series.title)).all()
    return SeriesGrantForm(series_choices=everything, **kwargs)


def _account_page(account: Account, status: int = 200, **forms):
    forms.setdefault("form", AccountForm(obj=account, formdata=None))
    forms.setdefault("grant_form", _series_grant_form(formdata=None))
    return render_template(
        "console/account.html", account=account, confirm_form=ConfirmForm(), **forms
    ), status


@bp.route("/accounts/<int:account_id>/series", methods=["POST"])
@requires(AccountRole.ADMIN)
def account_series_grant(account_id: int):
    account = _account_or_404(account_id)
    grant_form = _series_grant_form()
    if grant_form.validate_on_submit():
        try:
            service.grant_series(account, grant_form.series.data, grant_form.role.data, by=current_user)
        except service.AccountError as error:
            grant_form.series.errors.append(str(error))
        else:
            flash(_("The rights of %(name)s on this series are saved.", name=account.name), "success")
            return redirect(url_for(".account", account_id=account.id), 303)
    return _account_page(account, 400, grant_form=grant_form)


@bp.route("/accounts/<int:account_id>/series/<int:grant_id>/remove", methods=["POST"])
@requires(AccountRole.ADMIN)
def account_series_revoke(account_id: int, grant_id: int):
    account = _account_or_404(account_id)
    if not ConfirmForm().validate_on_submit():
        return _account_page(account, 400)
    try:
        service.revoke_series_grant(account, grant_id, by=current_user)
    except service.AccountError:
        abort(404)
    flash(_("%(name)s no longer has rights on this series.", name=account.name), "success")
    return redirect(url_for(".account", account_id=account.id), 303)


@bp.route("/accounts/<int:account_id>/delete", methods=["POST"])
@requires(AccountRole.ADMIN)
def account_delete(account_id: int):
    account = _account_or_404(account_id)
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            service.delete_account(account, by=current_user)
        except service.AccountError as error:
            flash(str(error), "error")
            return redirect(url_for(".account", account_id=account_id)), 303
        flash(_("The account is deleted; its entries in the audit log remain."), "success")
        return redirect(url_for(".accounts"))
    return redirect(url_for(".account", account_id=account_id))


@bp.route("/audit")
@requires(AccountRole.ADMIN)
def audit_log():
    form = AuditFilterForm(request.args)
    query = sa.select(AuditEntry).order_by(AuditEntry.created_dt.desc(), AuditEntry.id.desc())
    if form.validate() and form.q.data:
        term = form.q.data.strip()
        query = query.where(sa.or_(*(contains_text(column, term) for column in AUDIT_SEARCHED)))
    entries = db.paginate(query, page=page_asked(), per_page=AUDIT_PAGE_SIZE, error_out=False)
    return render_template("console/audit.html", entries=entries, form=form)
