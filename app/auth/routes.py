from __future__ import annotations

import time
from collections.abc import Callable

from flask import current_app, flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from .. import rate_limits
from ..errors import render_error
from ..extensions import limiter
from ..security import local_target
from ..services.accounts import accounts as service
from . import SIGNED_IN_AT, bp
from .forms import AcceptInvitationForm, ChangePasswordForm, LoginForm, LogoutForm

# Failed sign-ins are refused per client address, and per account from one client address:
# someone failing with the administrator's address from elsewhere uses up their own count, and
# the administrator signing in from an address that has not failed gets in. Counted per account
# from anywhere, failures only slow the account's sign-ins down (LOGIN_ACCOUNT_DELAY_SECONDS,
# before the password is checked, whatever it is): a refusal there would be a lock-out anyone
# could cause.
ACCOUNT_FAILURES = "login-account-failures"


def _address_failure_limit() -> str:
    return current_app.config["LOGIN_ADDRESS_FAILURE_LIMIT"]


def _login_failure_limit() -> str:
    return current_app.config["LOGIN_FAILURE_LIMIT"]


def _submitted_email() -> str:
    return service.normalise_email(request.form.get("email", ""))[:254]


def _address_and_account() -> str:
    return "login-account:" + rate_limits.per_client_and(_submitted_email())


def _failed(_response) -> bool:
    return g.get("login_failed", False)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_address_failure_limit, methods=["POST"], deduct_when=_failed)
@limiter.limit(_login_failure_limit, methods=["POST"], key_func=_address_and_account, deduct_when=_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("console.home"))
    form = LoginForm()
    if form.validate_on_submit():
        account_key = rate_limits.keyed(_submitted_email())
        _slow_down_if_attacked(account_key)
        account = service.authenticate(form.email.data, form.password.data)
        if account is not None:
            _sign_in(account)
            return redirect(_safe_next() or url_for("console.home"))
        g.login_failed = True
        rate_limits.count(current_app.config["LOGIN_ACCOUNT_SLOWDOWN"], ACCOUNT_FAILURES, account_key)
        # One answer for an unknown address and a wrong password.
        form.password.errors.append(_("The email address or the password is not right."))
    status = 400 if form.is_submitted() else 200
    return render_template("auth/login.html", form=form), status


def _slow_down_if_attacked(account_key: str) -> None:
    """Wait before checking the password of an account that failed too often lately, from
    wherever: guessing it gets slower, and its owner still gets in."""
    if rate_limits.reached(current_app.config["LOGIN_ACCOUNT_SLOWDOWN"], ACCOUNT_FAILURES, account_key):
        time.sleep(current_app.config["LOGIN_ACCOUNT_DELAY_SECONDS"])


def _sign_in(account) -> None:
    session.clear()  # no fixation: a new session for the signed-in account
    login_user(account)
    session.permanent = True
    session[SIGNED_IN_AT] = int(time.time())


def _safe_next() -> str | None:
    """Only a console path on this site: never an open redirect."""
    return local_target(request.args.get("next", ""), under="/console")


@bp.route("/logout", methods=["POST"])
def logout():
    if LogoutForm().validate_on_submit():
        if current_user.is_authenticated:
            service.sign_out(current_user)
        logout_user()
        session.clear()
        flash(_("You are signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/invitation/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    invitation = service.usable_invitation(token)
    if invitation is None:
        return render_error(
            404, _("This invitation link is not valid any more. Ask an administrator for a new one.")
        )
    form = AcceptInvitationForm()
    return _new_password(
        form,
        lambda: service.accept_invitation(token, form.name.data, form.password.data),
        form.password,
        lambda account: _("Welcome, %(name)s. Your account is ready.", name=account.name),
        "auth/accept_invitation.html",
        invitation=invitation,
    )


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    return _new_password(
        form,
        lambda: service.change_password(current_user, form.current.data, form.password.data),
        form.current,
        lambda _account: _("Your password is changed; your other sessions are signed out."),
        "auth/change_password.html",
    )


def _new_password(form, save: Callable, refused_field, notice: Callable, template: str, **context):
    """Save a new password through `save()`, then sign in afresh (a new session) and go to the
    console; a refusal is shown on `refused_field`."""
    if form.validate_on_submit():
        try:
            account = save()
        except service.AccountError as error:
            refused_field.errors.append(str(error))
        else:
            _sign_in(account)
            flash(notice(account), "success")
            return redirect(url_for("console.home"))
    status = 400 if form.is_submitted() else 200
    return render_template(template, form=form, **context), status
