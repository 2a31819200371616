"""The standard fields of a meeting's form (enums.StandardField): which columns each one
fills, and how a registration's answers read, in the reader's language.

Shared by the forms, the console, the exports, the API and the emails: a value is shown the
same way everywhere ("H.E.", "Prefer not to say", a country's CLDR name ...).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..models import DietaryNeed, Gender, InterpretationLanguage, Registration, Salutation, StandardField
from .regions import country_name

# The columns of a registration each standard field fills, in the order they are shown.
COLUMNS: dict[StandardField, tuple[str, ...]] = {
    StandardField.SALUTATION: ("salutation",),
    StandardField.NAMES: ("given_name", "family_name"),
    StandardField.LATIN_NAME: ("latin_name",),
    StandardField.GENDER: ("gender",),
    StandardField.REPRESENTING: ("representing_country", "representing_organisation"),
    StandardField.HEAD_OF_DELEGATION: ("head_of_delegation",),
    StandardField.INTERPRETATION_LANGUAGE: ("interpretation_language",),
    StandardField.ACCESSIBILITY_NEEDS: ("accessibility_needs",),
    StandardField.DIETARY_NEEDS: ("dietary_needs", "dietary_other"),
    StandardField.VISA_LETTER: ("visa_letter_needed",),
}

# Personal data a viewer (the console's read-only role) is not shown person by person: they see
# the figures (participation by gender), not who answered what.
SENSITIVE_COLUMNS = frozenset({"gender", "accessibility_needs", "dietary_needs", "dietary_other"})

LABELS: dict[str, object] = {
    "salutation": _l("Salutation"),
    "given_name": _l("Given name"),
    "family_name": _l("Family name"),
    "latin_name": _l("Name in Latin letters"),
    "gender": _l("Gender"),
    "representing_country": _l("Representing (member state)"),
    "representing_organisation": _l("Representing (organisation)"),
    "head_of_delegation": _l("Head of delegation"),
    "interpretation_language": _l("Interpretation language"),
    "accessibility_needs": _l("Accessibility needs"),
    "dietary_needs": _l("Dietary needs"),
    "dietary_other": _l("Other dietary needs"),
    "visa_letter_needed": _l("Visa support letter needed"),
}

VOCABULARIES = {
    "salutation": Salutation,
    "gender": Gender,
    "interpretation_language": InterpretationLanguage,
    "dietary_needs": DietaryNeed,
}


def known(keys: Iterable[str]) -> list[StandardField]:
    """The standard fields among `keys`, in their order of the form (unknown keys ignored)."""
    wanted = set(keys)
    return [field for field in StandardField if field.value in wanted]


def asked_columns(asked: Mapping[str, bool]) -> list[str]:
    """The registration columns the fields switched on in `asked` fill, in the form's order."""
    return [column for field in known(asked) for column in COLUMNS[field]]


def shown_value(column: str, value) -> str:
    """A column's value as a reader reads it, in the current language; "" when not given."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    vocabulary = VOCABULARIES.get(column)
    if vocabulary is not None:
        try:
            return vocabulary(value).title
        except ValueError:  # a value no longer in the vocabulary: shown as stored
            return str(value)
    if column == "representing_country":
        return country_name(value)
    return str(value)


def printed_name(registration: Registration) -> tuple[str, str, str]:
    """Salutation, given name and family name as a badge or a list of participants prints
    them: without given and family names, the whole name stands as the family name (the part
    emphasised)."""
    given, family = registration.given_name.strip(), registration.family_name.strip()
    if not (given or family):
        given, family = "", registration.name
    return shown_value("salutation", registration.salutation), given, family


def label(column: str) -> str:
    return str(LABELS[column])


def field_lines(
    registration: Registration, asked: Mapping[str, bool], *, sensitive: bool = True
) -> list[tuple[str, str]]:
    """(label, shown value) of each column the fields in `asked` fill, in the current language,
    those left empty included (the reader sees what they did not give); without the sensitive
    ones unless `sensitive` (a viewer's page)."""
    return [
        (label(column), shown_value(column, getattr(registration, column)))
        for column in asked_columns(asked)
        if sensitive or column not in SENSITIVE_COLUMNS
    ]


def standard_field_lines(registration: Registration, locale: str) -> list[tuple[str, str]]:
    """What the registration's event asked and what the person answered, in `locale`: for the
    summary of the confirmation email. Empty for a form that asks none (a webinar's)."""
    with force_locale(locale):
        return field_lines(registration, registration.event.asked_fields)


def asked_by_any(settings: Iterable[Mapping[str, bool]]) -> dict[str, bool]:
    """One form or list for several events (a series'): every field any of them asks, required
    where any requires it."""
    merged: dict[str, bool] = {}
    for asked in settings:
        for name, required in asked.items():
            merged[name] = merged.get(name, False) or bool(required)
    return merged


def value_words(column: str) -> dict:
    """Every value of a column with a vocabulary (or a yes/no one), shown in the current
    language: for an export, which translates once, not per cell."""
    if column in BOOLEAN_COLUMNS:
        return {True: _("Yes"), False: _("No"), None: ""}
    vocabulary = VOCABULARIES.get(column)
    if vocabulary is None:
        return {}
    return {"": "", **{member.value: member.title for member in vocabulary}}


BOOLEAN_COLUMNS = frozenset({"head_of_delegation", "visa_letter_needed"})


def given_values(asked: Mapping[str, bool], sent: Mapping) -> dict:
    """Of what was sent (checked values by column), the columns the fields in `asked` fill;
    each asked column absent is "" (or None for a yes/no). The others are ignored, as the
    web form ignores a field it does not show."""
    values = {}
    for column in asked_columns(asked):
        if column == "latin_name":
            continue  # a column of every form: sent or not as for a webinar
        values[column] = sent.get(column, None if column in BOOLEAN_COLUMNS else "")
    if values.get("dietary_needs") != DietaryNeed.OTHER and "dietary_other" in values:
        values["dietary_other"] = ""
    return values


def problems(asked: Mapping[str, bool], values: Mapping) -> list[tuple[str, str]]:
    """(column, message) of each rule the values of the asked fields break: a required field
    not given, a member state and an organisation both given, "other" diet unsaid. The web
    form's rules (registration/standard_fields.py), for the API. (The Latin name is checked
    by the caller, which knows the name.)"""
    found: list[tuple[str, str]] = []
    single = [
        field for field in known(asked) if len(COLUMNS[field]) == 1 and field != StandardField.LATIN_NAME
    ]
    for field in single:
        column = COLUMNS[field][0]
        if asked[field.value] and values.get(column) in (None, ""):
            found.append((column, _("This field is required.")))
    if StandardField.NAMES in asked and not values.get("family_name"):
        found.append(("family_name", _("This field is required.")))
    country, organisation = values.get("representing_country"), values.get("representing_organisation")
    if country and organisation:
        found.append(("representing_organisation", _("Give a member state or an organisation, not both.")))
    elif asked.get(StandardField.REPRESENTING) and not (country or organisation):
        found.append(
            ("representing_country", _("Choose the member state or give the organisation you represent."))
        )
    if StandardField.DIETARY_NEEDS in asked:
        if asked[StandardField.DIETARY_NEEDS] and not values.get("dietary_needs"):
            found.append(("dietary_needs", _("This field is required.")))
        elif values.get("dietary_needs") == DietaryNeed.OTHER and not values.get("dietary_other"):
            found.append(("dietary_other", _("Say which diet you need.")))
    return found
