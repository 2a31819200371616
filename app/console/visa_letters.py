"""The visa support letters of an event: who asked, who gave their passport details, approval
(which sends the letter). Organisers only: passport details are never shown to a viewer."""

from __future__ import annotations

from flask import render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from ..formatting import isolate
from ..models import AccountRole
from ..services.regions import country_name
from ..services.registration import visa_letters
from . import bp, queries
from .access import requires
from .actions import press
from .forms import ConfirmForm


@bp.route("/events/<int:event_id>/visa-letters")
@requires(AccountRole.ORGANISER)
def visa_letters_list(event_id: int):
    return _page(queries.event_or_404(event_id))


def _page(event, status: int = 200, error: str = ""):
    rows = [
        (registration, letter, visa_letters.state_of(letter))
        for registration, letter in visa_letters.requests(event)
    ]
    return render_template(
        "console/visa_letters.html",
        event=event,
        rows=rows,
        form=ConfirmForm(),
        error=error,
        country_name=country_name,
        State=visa_letters.State,
    ), status


@bp.route("/events/<int:event_id>/visa-letters/<int:letter_id>/approve", methods=["POST"])
@requires(AccountRole.ORGANISER)
def visa_letter_approve(event_id: int, letter_id: int):
    event = queries.event_or_404(event_id)
    return press(
        lambda: visa_letters.approve_and_send(event, letter_id, by=current_user),
        refused=lambda status, why: _page(event, 404 if status == 404 else status, why),
        back=url_for(".visa_letters_list", event_id=event.id),
        errors=(visa_letters.VisaLetterError, visa_letters.UnknownLetter),
        done=lambda letter: _(
            "Visa support letter approved and sent to %(name)s.", name=isolate(letter.registration.name)
        ),
    )
