"""Messages to registrants and the mail log.

An organiser writes to an audience of an event, previews the exact email its
first recipient would get, and sends: one message per recipient through the
outbox. Each mailing has a page of its own that follows its delivery.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..extensions import csrf, db
from ..formatting import instant_in
from ..models import AccountRole, Event, Mailing, MailoutStatus, Message, MessageStatus
from ..security import email_preview
from ..services.mail import attachments, outbox
from ..services.mail import mailings as service
from ..services.programme import documents, message_files
from . import bp
from .access import requires
from .forms import ConfirmForm
from .messages_forms import MailingForm, MailLogFilterForm
from .programme import accept_document_body
from .queries import event_or_404, only_reachable_messages, page_asked

MAIL_LOG_PAGE_SIZE = 50


# --- writing to an event's registrants -------------------------------------------


@bp.route("/events/<int:event_id>/messages")
@requires(AccountRole.VIEWER)
def mailings(event_id: int):
    event = event_or_404(event_id)
    form = _mailing_form(event, formdata=None)
    form.restamp(service.latest_mailing_id(event))
    return _mailings_page(event, form)


def _mailing_form(event: Event, mailing: Mailing | None = None, **kwargs) -> MailingForm:
    """The form, offering the event's documents, and the uploads it carries (those it was
    posted with that are still this event's and free, or the scheduled message's own)."""
    posted = [int(value) for value in request.form.getlist("uploads") if value.isdigit()]
    if mailing is not None and kwargs.get("formdata", True) is None:
        posted = [a.id for a in mailing.attachments if a.document_id is None and not a.is_link]
    uploads = attachments.uploads_of(event, posted[:20], mailing.id if mailing else None)
    return MailingForm(
        sizes=service.audience_sizes(event),
        zone=event.zone,
        documents=attachments.documents_of(event),
        uploads=uploads,
        **kwargs,
    )


def _mailings_page(event: Event, form: MailingForm, status: int = 200):
    return render_template(
        "console/messages/mailings.html",
        event=event,
        form=form,
        sent=service.of_event(event),
        scheduled=service.scheduled_of(event),
        confirm_form=ConfirmForm(),
    ), status


def _submitted(event_id: int, use: Callable[[Event, MailingForm], object], mailing: Mailing | None = None):
    """`use(event, form)` once the form is valid (a file it carries stored first); else the
    page again with why not."""
    event = event_or_404(event_id)
    form = _mailing_form(event, mailing)
    again = partial(_edit_page, mailing) if mailing is not None else partial(_mailings_page, event)
    if not form.validate_on_submit():
        return again(form, 400)
    try:
        if form.upload.data:
            upload = form.upload.data
            form.carry_upload(
                message_files.upload(event, upload.stream, upload.filename or "", by=current_user)
            )
        return use(event, form)
    except (documents.DocumentTooLarge, attachments.AttachmentsTooLarge) as error:
        form.upload.errors = [*form.upload.errors, str(error)]
        return again(form, 413)
    except (documents.DocumentError, attachments.AttachmentError) as error:
        form.upload.errors = [*form.upload.errors, str(error)]
        return again(form, 400)
    except service.PastTime as error:
        form.send_at.errors = [*form.send_at.errors, str(error)]
        return again(form, 400)
    except service.AlreadyStarted as error:
        flash(str(error), "error")
        return again(form, 409)
    except service.MailingError as error:  # an empty audience
        form.audience.errors.append(str(error))
        return again(form, 400)


@bp.route("/events/<int:event_id>/messages/preview", methods=["POST"])
@requires(AccountRole.ORGANISER)
@csrf.exempt
def mailing_preview(event_id: int):
    accept_document_body()
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
@csrf.exempt
def mailing_send(event_id: int):
    accept_document_body()
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
    if mailing.scheduled_dt is not None:
        flash(
            _("Your message is scheduled for %(when)s.", when=instant_in(mailing.scheduled_dt, event.zone)),
            "success",
        )
    else:
        flash(_("Your message is on its way to %(count)d people.", count=mailing.recipients_count), "success")
    return redirect(url_for(".mailing", mailing_id=mailing.id), 303)


# --- a scheduled message: changed or cancelled until it goes --------------------------------------


@bp.route("/mailings/<int:mailing_id>/edit")
@requires(AccountRole.ORGANISER)
def mailing_edit(mailing_id: int):
    mailing = db.get_or_404(Mailing, mailing_id)
    if not mailing.is_scheduled:
        flash(str(service.AlreadyStarted(mailing)), "error")
        return redirect(url_for(".mailing", mailing_id=mailing.id), 303)
    form = _mailing_form(mailing.event, mailing, formdata=None, data=_data_of(mailing))
    return _edit_page(mailing, form)


def _data_of(mailing: Mailing) -> dict:
    return {
        "audience": mailing.audience.value,
        "subject": mailing.subject,
        "body": mailing.body,
        "stamp": 0,
        "documents": [a.document_id for a in mailing.attachments if a.document_id is not None],
        "uploads": [a.id for a in mailing.attachments if a.document_id is None],
        "send_at": mailing.scheduled_dt.astimezone(mailing.event.zone).replace(tzinfo=None)
        if mailing.scheduled_dt
        else None,
    }


def _edit_page(mailing: Mailing, form: MailingForm, status: int = 200):
    return render_template(
        "console/messages/edit.html", mailing=mailing, event=mailing.event, form=form
    ), status


@bp.route("/mailings/<int:mailing_id>/edit", methods=["POST"])
@requires(AccountRole.ORGANISER)
@csrf.exempt
def mailing_update(mailing_id: int):
    accept_document_body()
    mailing = db.get_or_404(Mailing, mailing_id)
    return _submitted(mailing.event_id, partial(_update, mailing), mailing)


def _update(mailing: Mailing, event: Event, form: MailingForm):
    service.update(mailing, form.draft(), by=current_user)
    flash(_("The scheduled message is changed."), "success")
    return redirect(url_for(".mailing", mailing_id=mailing.id), 303)


@bp.route("/mailings/<int:mailing_id>/cancel", methods=["POST"])
@requires(AccountRole.ORGANISER)
def mailing_cancel(mailing_id: int):
    mailing = db.get_or_404(Mailing, mailing_id)
    if not ConfirmForm().validate_on_submit():
        return _mailing_page(mailing, 400)
    try:
        service.cancel(mailing, by=current_user)
    except service.AlreadyStarted as error:
        flash(str(error), "error")
        return _mailing_page(db.get_or_404(Mailing, mailing_id), 409)
    flash(_("The scheduled message is cancelled: it will not be sent."), "success")
    return redirect(url_for(".mailings", event_id=mailing.event_id), 303)


@bp.route("/mailings/<int:mailing_id>")
@requires(AccountRole.VIEWER)
def mailing(mailing_id: int):
    return _mailing_page(db.get_or_404(Mailing, mailing_id))


def _mailing_page(mailing: Mailing, status: int = 200):
    return render_template(
        "console/messages/mailing.html",
        mailing=mailing,
        event=mailing.event,
        sender=service.sender_name(mailing),
        progress=service.progress(mailing),
        mailout=service.mailout_of(mailing),
        attachments=service.attachments_of(mailing),
        confirm_form=ConfirmForm(),
    ), status


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
        only_reachable_messages(outbox.search(**form.criteria(), addresses=addresses), current_user),
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
