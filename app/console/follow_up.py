"""The follow-up after an event: the organiser picks attendees or no-shows, previews, and sends.

Each person gets each follow-up once: sending again reaches only those who
have not had it yet (see services/mail/follow_up.py), and the page says how many
already did. A send starts a mailout: the job queue writes the emails, and the
mailout's page (console/mailouts.py) follows it.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..models import AccountRole, Event
from ..security import email_preview
from ..services.mail import follow_up as service
from . import bp
from .access import requires
from .follow_up_forms import FollowUpForm
from .queries import event_or_404


def _page(event: Event, form: FollowUpForm | None = None, status: int = 200, figures=None):
    figures = figures or service.figures(event)
    return render_template(
        "console/follow_up/page.html",
        event=event,
        form=form or FollowUpForm(figures=figures, formdata=None),
        figures=figures,
        refusal=service.refusal(event),
        sends=service.sends(event),
    ), status


@bp.route("/events/<int:event_id>/follow-up")
@requires(AccountRole.VIEWER)
def follow_up(event_id: int):
    return _page(event_or_404(event_id))


def _submitted(event_id: int, use: Callable[[Event, FollowUpForm], object]):
    """`use(event, form)` once the form is valid; else the page again with why not."""
    event = event_or_404(event_id)
    figures = service.figures(event)
    form = FollowUpForm(figures=figures)
    if not form.validate_on_submit():
        return _page(event, form, 400, figures)
    try:
        return use(event, form)
    except service.EmptyAudience as error:
        form.audience.errors.append(str(error))
        return _page(event, form, 400, figures)
    except service.FollowUpError:  # not over yet, or cancelled: the page says which
        return _page(event, form, 409)


@bp.route("/events/<int:event_id>/follow-up/preview", methods=["POST"])
@requires(AccountRole.ORGANISER)
def follow_up_preview(event_id: int):
    return _submitted(event_id, _preview)


def _preview(event: Event, form: FollowUpForm):
    return render_template(
        "console/follow_up/preview.html",
        event=event,
        form=form,
        preview=service.preview(event, form.draft()),
        refusal=service.refusal(event),
    )


@bp.route("/events/<int:event_id>/follow-up/preview/email", methods=["POST"])
@requires(AccountRole.ORGANISER)
def follow_up_preview_email(event_id: int):
    """The previewed email alone, for the preview page's sandboxed frame."""
    return _submitted(
        event_id, lambda event, form: email_preview(service.preview(event, form.draft()).email.body_html)
    )


@bp.route("/events/<int:event_id>/follow-up/send", methods=["POST"])
@requires(AccountRole.ORGANISER)
def follow_up_send(event_id: int):
    return _submitted(event_id, _send)


def _send(event: Event, form: FollowUpForm):
    outcome = service.send(event, form.draft(), by=current_user)
    if outcome.to_send:
        flash(
            _(
                "The follow-up is on its way to %(count)d people; %(done)d had it already and were not "
                "sent it again.",
                count=outcome.to_send,
                done=outcome.already_sent,
            ),
            "success",
        )
    elif outcome.mailout is not None:
        flash(_("This follow-up is being written already: it was not started again."), "info")
    else:
        flash(_("Everyone in this audience has had this follow-up already: nothing was sent."), "info")
        return redirect(url_for(".follow_up", event_id=event.id), 303)
    assert outcome.mailout is not None  # started now, or being written already
    return redirect(url_for(".mailout", mailout_id=outcome.mailout.id), 303)


@bp.route("/events/<int:event_id>/follow-up/certificates/<int:registration_id>.pdf")
@requires(AccountRole.VIEWER)
def follow_up_certificate(event_id: int, registration_id: int):
    """The certificate an attendee gets, to check it before sending."""
    event = event_or_404(event_id)
    attendee = service.attended_minutes(event, registration_id)
    if attendee is None:
        abort(404)
    registration, minutes = attendee
    return (
        service.certificate_pdf(event, registration, minutes),
        200,
        {
            "Content-Type": "application/pdf",
            "Content-Disposition": f'inline; filename="{service.CERTIFICATE_FILENAME}"',
        },
    )
