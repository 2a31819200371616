"""The standard fields of an intergovernmental meeting's form, added to a delegate's form
where the event (or its series) switches them on (enums.StandardField, Event.asked_fields).

A form without any is the webinar's form of before: the same class, untouched. With some, a
subclass of it, made once per setting and kept, holds the fields asked; with given and family
names, they replace the single name, which the applicant still carries ("given family").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from functools import lru_cache
from typing import TypeVar, cast

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from wtforms import RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ..extensions import db
from ..models import DietaryNeed, Event, Gender, InterpretationLanguage, Salutation, Series, StandardField
from ..models.enums import TitledEnum
from ..models.people import NAME_PART_MAX, NEEDS_MAX
from ..services.fields import asked_by_any, given_values
from ..services.registration.registrations import Applicant

__all__ = ["asked_by_any", "form_class", "setting_key"]
from .forms import (
    NAME_MAX,
    CountryField,
    DelegateDetailsForm,
    multiline_text,
    needs_latin_name,
    options,
    plain_text,
    strip,
)

F = TypeVar("F", bound=DelegateDetailsForm)

YES, NO = "yes", "no"
TEXT = {"filters": [strip]}


def lazy_choices(vocabulary: type[TitledEnum], prompt) -> list[SelectChoice]:
    """The vocabulary's values with their titles translated where they are shown (not once, in
    the language of whoever first loaded the class)."""
    titles = vocabulary._titles()
    return options(((member.value, titles[member]) for member in vocabulary), prompt)


def presence(required: bool):
    return DataRequired() if required else Optional()


class YesNoField(RadioField):
    """Yes or no, as a bool (None: not answered, allowed where the question is optional)."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, choices=options([(YES, _l("Yes")), (NO, _l("No"))]), **kwargs)

    def process_data(self, value) -> None:
        super().process_data({True: YES, False: NO}.get(value, value))

    def pre_validate(self, form) -> None:
        if self.data not in (YES, NO, None, ""):
            raise ValidationError(self.gettext(CountryField.INVALID))  # WTForms' own message

    @property
    def answer(self) -> bool | None:
        return {YES: True, NO: False}.get(self.data or "")


def _fields_of(field: StandardField, required: bool) -> dict:
    """The form fields one standard field adds, with their validators."""
    choose_one = _l("Choose one")
    if field == StandardField.SALUTATION:
        prompt = choose_one if required else _l("No salutation")
        return {
            "salutation": SelectField(
                _l("Salutation"), choices=lazy_choices(Salutation, prompt), validators=[presence(required)]
            )
        }
    if field == StandardField.NAMES:
        # The family name stands for the whole name (a person may have no given name).
        return {
            "name": None,
            "given_name": StringField(
                _l("Given name(s)"),
                validators=[Optional(), Length(max=NAME_PART_MAX), plain_text],
                render_kw={"autocomplete": "given-name", "maxlength": NAME_PART_MAX},
                **TEXT,
            ),
            "family_name": StringField(
                _l("Family name"),
                validators=[DataRequired(), Length(max=NAME_PART_MAX), plain_text],
                render_kw={"autocomplete": "family-name", "maxlength": NAME_PART_MAX},
                **TEXT,
            ),
        }
    if field == StandardField.GENDER:
        return {
            "gender": SelectField(
                _l("Gender"), choices=lazy_choices(Gender, choose_one), validators=[presence(required)]
            )
        }
    if field == StandardField.REPRESENTING:
        return {
            "representing_country": CountryField(_l("Member state you represent"), validators=[Optional()]),
            "representing_organisation": StringField(
                _l("Or the organisation you represent"),
                validators=[Optional(), Length(max=NAME_MAX), plain_text],
                render_kw={"maxlength": NAME_MAX},
                **TEXT,
            ),
        }
    if field == StandardField.HEAD_OF_DELEGATION:
        return {
            "head_of_delegation": YesNoField(_l("Are you the head of your delegation?"), [presence(required)])
        }
    if field == StandardField.INTERPRETATION_LANGUAGE:
        return {
            "interpretation_language": SelectField(
                _l("Interpretation language"),
                choices=lazy_choices(InterpretationLanguage, choose_one),
                validators=[presence(required)],
            )
        }
    if field == StandardField.ACCESSIBILITY_NEEDS:
        return {
            "accessibility_needs": TextAreaField(
                _l("Accessibility needs"),
                validators=[presence(required), Length(max=NEEDS_MAX), multiline_text],
                render_kw={"maxlength": NEEDS_MAX, "rows": 3},
                **TEXT,
            )
        }
    if field == StandardField.DIETARY_NEEDS:
        return {
            "dietary_needs": SelectField(
                _l("Dietary needs"),
                choices=lazy_choices(DietaryNeed, choose_one),
                validators=[presence(required)],
            ),
            "dietary_other": StringField(
                _l("Other dietary needs"),
                validators=[Optional(), Length(max=NAME_MAX), plain_text],
                render_kw={"maxlength": NAME_MAX},
                **TEXT,
            ),
        }
    if field == StandardField.VISA_LETTER:
        return {
            "visa_letter_needed": YesNoField(_l("Do you need a visa support letter?"), [presence(required)])
        }
    return {}  # LATIN_NAME: the field every form has; see `_Asked`


class _Asked(DelegateDetailsForm):
    """What the standard fields add to a delegate's form (mixed in by `form_class`)."""

    asked: dict[str, bool] = {}

    def full_name(self) -> str:
        if StandardField.NAMES not in self.asked:
            return super().full_name()
        return " ".join(part for part in (self.given_name.data, self.family_name.data) if part)

    def applicant(self, email: str) -> Applicant:
        return replace(super().applicant(email), **self.standard_values())

    def standard_values(self) -> dict:
        """The columns the asked fields fill, as the applicant carries them (the same rules as
        the API's: services/fields.py)."""
        sent = {
            name: field.answer if isinstance(field, YesNoField) else (field.data or "")
            for name, field in self._fields.items()
        }
        return given_values(self.asked, sent)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        return self._check_together() and valid

    def _check_together(self) -> bool:
        """The rules that read two fields."""
        problems = []
        if "representing_country" in self._fields:
            country, organisation = self.representing_country, self.representing_organisation
            if country.data and organisation.data:
                problems.append((organisation, _l("Give a member state or an organisation, not both.")))
            elif self.asked.get(StandardField.REPRESENTING) and not (country.data or organisation.data):
                problems.append(
                    (country, _l("Choose the member state or give the organisation you represent."))
                )
        other_diet = "dietary_other" in self._fields and self.dietary_needs.data == DietaryNeed.OTHER
        if other_diet and not self.dietary_other.data:
            problems.append((self.dietary_other, _l("Say which diet you need.")))
        latin_asked = self.asked.get(StandardField.LATIN_NAME) and not self.latin_name.data
        if latin_asked and needs_latin_name(self.full_name()):
            problems.append((self.latin_name, _l("Write your name in Latin letters too.")))
        for field, message in problems:
            field.errors = [*field.errors, message]
        return not problems


def setting_key(asked: Mapping[str, bool]) -> tuple[tuple[str, bool], ...]:
    """The setting, hashable and in one order: for caches (the form page's key)."""
    return tuple((field.value, bool(asked[field.value])) for field in StandardField if field.value in asked)


def form_class(base: type[F], asked: Mapping[str, bool] | None, *, enforce_required: bool = True) -> type[F]:
    """`base` with the standard fields `asked` switches on ({"gender": True, ...}: required or
    not); `base` itself when none is. An organiser's form (`enforce_required` False) requires
    none of them: they correct what a person gave, they do not answer for them."""
    key = setting_key(asked or {})
    if not key:
        return base
    if not enforce_required:
        key = tuple((name, False) for name, _required in key)
    return _form_class(base, key)  # type: ignore[arg-type]


@lru_cache(maxsize=256)
def _form_class(base: type, key: tuple[tuple[str, bool], ...]) -> type:
    attributes: dict = {"asked": dict(key)}
    for name, required in key:
        attributes.update(_fields_of(StandardField(name), required))
    # After `base` in the order of classes, before DelegateDetailsForm: the spam checks of a
    # public form (forms.SpamChecks) see these rules in the validation they spend a stamp on.
    return type(f"{base.__name__}WithStandardFields", (base, _Asked), attributes)


def asked_fields_of(event_id: int) -> dict[str, bool]:
    """What the event's form asks (Event.asked_fields), read in one small statement, without
    loading the event: the registration service then reads it once, locked (none for an
    unknown event, which the service answers with a 404)."""
    row = db.session.execute(
        sa.select(Event.form_fields, Series.form_fields)
        .outerjoin(Series, Series.id == Event.series_id)
        .where(Event.id == event_id)
    ).first()
    if row is None:
        return {}
    own, inherited = row
    chosen = cast(dict, (own if own is not None else inherited) or {})
    return {key: bool(required) for key, required in chosen.items()}
