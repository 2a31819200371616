"""What a delegate gave us, as the confirmation shows it back to them to check.

A list of (label, value) in the delegate's language, in the form's order, built one line
after another so that more lines (answers to the organisers' questions, standard fields)
can be appended where they belong.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from ...models import Registration
from ..fields import standard_field_lines
from ..regions import country_name
from .questions import answer_lines


def given_details(registration: Registration, locale: str) -> list[tuple[str, str]]:
    """The registration's details as (label, value), labels and choices in `locale`."""
    with force_locale(locale):
        not_given = _("not given")
        lines = [(_("Full name"), registration.name)]
        if registration.latin_name:
            lines.append((_("Name in Latin letters"), registration.latin_name))
        lines += [
            (_("Organisation"), registration.organisation),
            (_("Kind of organisation"), str(registration.organisation_kind.title)),
            (_("Country"), country_name(registration.country, locale) if registration.country else not_given),
            (_("Job title"), registration.job_title or not_given),
            (_("Language of our messages"), _language_name(registration.language)),
            (
                _("Your name in the list of participants"),
                _("Yes") if registration.consent_participant_list else _("No"),
            ),
        ]
    # The meeting's own fields (salutation, gender, needs ...) and the answers to the organisers'
    # questions, already in `locale`.
    return lines + standard_field_lines(registration, locale) + answer_lines(registration, locale)


def _language_name(code: str) -> str:
    """The language by its own name ("Français"), as the form offers it."""
    return current_app.config["LANGUAGES"].get(code, code)
