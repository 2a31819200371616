"""Messages to registrants and the mail log.

An organiser writes to an audience of an event, previews the exact email its
first recipient would get, and sends: one message per recipient through the
outbox. Each mailing has a page of its own that follows its delivery.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import db
from ..models import AccountRole, Event, Mailing, MailoutStatus, Message, MessageStatus
from ..security import email_preview
from ..services.mail import mailings as service
from ..services.mail import outbox
from . import bp
from .access import requires
from .forms import ConfirmForm
from .messages_forms import MailingForm, MailLogFilterForm
from .queries import event_or_404, page_asked

MAIL_LOG_PAGE_SIZE = 50


# --- writing to an event's registrants -------------------------------------------


@bp.route("/events/<int:event_id>/messages")
@requires(AccountRole.VIEWER)
def mailings(event_id: int):
    event = event_or_404(event_id)
    form = _mailing_form(event, formdata=None)
    form.restamp(service.latest_mailing_id(event))
    return _mailings_page(event, form)


def _mailing_form(event: Event, **kwargs) -> MailingForm:
    return MailingForm(sizes=service.audience_sizes(event), **kwargs)


def _mailings_page(event: Event, form: MailingForm, status: int = 200):
    return render_template(
        "console/messages/mailings.html", event=event, form=form, sent=service.of_event(event)
    ), status


def _submitted(event_id: int, use: Callable[[Event, MailingForm], object]):
    """`use(event, form)` once the form is valid; else the page again with why not."""
    event = event_or_404(event_id)
    form = _mailing_form(event)
    if not form.validate_on_submit():
        return _mailings_page(event, form, 400)
    try:
        return use(event, form)
    except service.EmptyAudience as error:
        form.audience.errors.append(str(error))
        return _mailings_page(event, form, 400)


@bp.route("/events/<int:event_id>/messages/preview", methods=["POST"])
@requires(AccountRole.ORGANISER)
def mailing_preview(event_id: int):
    return _submitted(event_id, _preview)


def _preview(event: Event, form: MailingForm):
    preview = service.preview(event, form.draft())
    return render_template("console/messages/preview.html", event=event, form=form, preview=preview)


@bp.route("/events/<int:event_id>/messages/preview/email", methods=["POST"])
@requires(AccountRole.ORGANISER)
def mailing_preview_email(event_id: int):
    """The previewed email alone, for the preview page's sandboxed frame."""
    return _submitted(event_id, _preview_email)


def _preview_email(event: Event, form: MailingForm):
    return email_preview(service.preview(event, form.draft()).email.body_html)


@bp.route("/events/<int:event_id>/messages/send", methods=["POST"])
@requires(AccountRole.ORGANISER)
def mailing_send(event_id: int):
    return _submitted(event_id, _send)


def _send(event: Event, form: MailingForm):
    draft = form.draft()
    try:
        mailing = service.send(event, draft, by=current_user, known_mailing_id=form.stamp.data)
    except service.StaleForm as error:
        if draft.is_same_as(error.newer) and error.newer.account_id == current_user.id:
            flash(_("This message was sent already; it was not sent again."), "info")
            return redirect(url_for(".mailing", mailing_id=error.newer.id), 303)
        form.restamp(service.latest_mailing_id(event))
        flash(_("%(error)s Check the messages below, then send yours again.", error=str(error)), "error")
        return _mailings_page(event, form, 409)
    flash(_("Your message is on its way to %(count)d people.", count=mailing.recipients_count), "success")
    return redirect(url_for(".mailing", mailing_id=mailing.id), 303)


@bp.route("/mailings/<int:mailing_id>")
@requires(AccountRole.VIEWER)
def mailing(mailing_id: int):
    mailing = db.get_or_404(Mailing, mailing_id)
    return render_template(
        "console/messages/mailing.html",
        mailing=mailing,
        event=mailing.event,
        sender=service.sender_name(mailing),
        progress=service.progress(mailing),
        mailout=service.mailout_of(mailing),
    )


@bp.route("/mailings/<int:mailing_id>/progress.json")
@requires(AccountRole.VIEWER)
def mailing_progress(mailing_id: int):
    mailing = db.get_or_404(Mailing, mailing_id)
    progress = service.progress(mailing)
    figures = {status.value: count for status, count in progress.items()}
    mailout = service.mailout_of(mailing)
    writing = mailout is not None and mailout.status == MailoutStatus.WRITING
    return jsonify(
        mailing=mailing.id,
        recipients=mailing.recipients_count,
        written=sum(progress.values()),
        done=not writing and progress[MessageStatus.QUEUED] + progress[MessageStatus.SENDING] == 0,
        **figures,
    )


# --- the mail log -----------------------------------------------------------------


@bp.route("/mail")
@requires(AccountRole.VIEWER)
def mail_log():
    addresses = current_user.sees_contact_details
    form = MailLogFilterForm(request.args, kinds=outbox.kinds(), addresses=addresses)
    valid = form.validate()
    messages = db.paginate(
        outbox.search(**form.criteria(), addresses=addresses),
        page=page_asked(),
        per_page=MAIL_LOG_PAGE_SIZE,
        error_out=False,
    )
    return render_template(
        "console/messages/mail_log.html",
        form=form,
        messages=messages,
        entries=[outbox.entry(message, current_user) for message in messages.items],
        failed=outbox.failed_count(),
        confirm_form=ConfirmForm(),
    ), (200 if valid else 400)


@bp.route("/mail/<int:message_id>")
@requires(AccountRole.VIEWER)
def mail_message(message_id: int):
    return _message_page(db.get_or_404(Message, message_id))


def _message_page(message: Message, status: int = 200):
    # A message's text and headers hold its recipient's address: for organisers only.
    shown = outbox.contents(message) if current_user.sees_contact_details else None
    return render_template(
        "console/messages/message.html",
        message=outbox.entry(message, current_user),
        shown=shown,
        confirm_form=ConfirmForm(),
    ), status


@bp.route("/mail/<int:message_id>/retry", methods=["POST"])
@requires(AccountRole.ORGANISER)
def mail_retry(message_id: int):
    message = db.get_or_404(Message, message_id)
    if not ConfirmForm().validate_on_submit():
        return _message_page(message, 400)
    if not outbox.retry_failed(message):
        flash(_("Only a message that failed can be sent again; this one has not failed."), "error")
        return _message_page(message, 409)
    flash(_("The message is queued again, with the same Message-ID."), "success")
    return redirect(url_for(".mail_message", message_id=message_id), 303)


@bp.route("/mail/retry-failed", methods=["POST"])
@requires(AccountRole.ORGANISER)
def mail_retry_failed():
    if ConfirmForm().validate_on_submit():
        count = outbox.retry_failed()
        flash(_("%(count)d failed messages are queued again.", count=count), "success")
    return redirect(url_for(".mail_log"), 303)
