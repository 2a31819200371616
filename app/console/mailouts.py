"""The page of a mailout: the emails to an audience being written by the job queue, then
delivered (a follow-up, the notice of a change or of the cancellation of an event); or the
registrations of an audience being changed (the waiting list moved into new seats, an action
on many registrations), and the emails that tell them."""

from __future__ import annotations

from flask import flash, jsonify, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from ..extensions import db
from ..models import Account, AccountRole, Mailout
from ..services.mail import mailouts as service
from ..services.registration import audience
from . import bp
from .access import requires
from .forms import ConfirmForm


@bp.route("/mailouts/<int:mailout_id>")
@requires(AccountRole.VIEWER)
def mailout(mailout_id: int):
    return _page(db.get_or_404(Mailout, mailout_id))


def _page(mailout: Mailout, status: int = 200):
    account = db.session.get(Account, mailout.account_id) if mailout.account_id else None
    return render_template(
        "console/mailouts/mailout.html",
        mailout=mailout,
        event=mailout.event,
        sender=account.name if account else "",
        progress=service.progress(mailout),
        refusals=audience.refusals(mailout),
        confirm_form=ConfirmForm(),
    ), status


@bp.route("/mailouts/<int:mailout_id>/progress.json")
@requires(AccountRole.VIEWER)
def mailout_progress(mailout_id: int):
    progress = service.progress(db.get_or_404(Mailout, mailout_id))
    mailout = progress.mailout
    return jsonify(
        mailout=mailout.id,
        status=mailout.status.value,
        status_title=mailout.status.title,
        written=mailout.written,
        total=mailout.total,
        done=progress.done,
        refused=audience.refusals(mailout)[1],
        **{status.value: count for status, count in progress.delivery.items()},
    )


@bp.route("/mailouts/<int:mailout_id>/retry", methods=["POST"])
@requires(AccountRole.ORGANISER)
def mailout_retry(mailout_id: int):
    mailout = db.get_or_404(Mailout, mailout_id)
    if not ConfirmForm().validate_on_submit():
        return _page(mailout, 400)
    if not service.retry(mailout):
        flash(_("Only a mailout an error stopped can be started again; this one was not stopped."), "error")
        return _page(mailout, 409)
    flash(_("The emails are being written again, from where they stopped."), "success")
    return redirect(url_for(".mailout", mailout_id=mailout_id), 303)


def promotion_notice(promotion: Mailout) -> str:
    return ngettext(
        "%(num)d person on the waiting list is being moved into the new seats and told by email.",
        "%(num)d people on the waiting list are being moved into the new seats, each told by email.",
        promotion.total,
    )


def action_notice(jobs: list[Mailout]) -> str:
    return ngettext(
        "The action is being applied to %(num)d registration by the job queue.",
        "The action is being applied to %(num)d registrations by the job queue.",
        sum(job.total for job in jobs),
    )
