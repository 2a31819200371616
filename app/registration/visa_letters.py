"""The visa support letter on the manage page: the passport details form, and the letter's
download once the organisers approved it (services/registration/visa_letters.py)."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from wtforms import DateField, StringField, SubmitField
from wtforms.validators import InputRequired, Length, ValidationError

from ..database import utcnow
from ..models.visa import PASSPORT_NUMBER_MAX
from ..services.registration import visa_letters
from .forms import CountryField, PublicForm, plain_text

PASSPORT_NUMBER = re.compile(r"[A-Z0-9]{5,20}")


class PassportForm(PublicForm):
    passport_name = StringField(
        _l("Name as written in the passport"), validators=[InputRequired(), Length(max=200), plain_text]
    )
    passport_number = StringField(
        _l("Passport number"),
        validators=[InputRequired(), Length(max=PASSPORT_NUMBER_MAX)],
        filters=[lambda value: re.sub(r"[\s-]", "", value or "").upper()],
    )
    nationality = CountryField(_l("Nationality"), validators=[InputRequired()], validate_choice=True)
    birth_date = DateField(_l("Date of birth"), validators=[InputRequired()])
    passport_issue_date = DateField(_l("Passport issued on"), validators=[InputRequired()])
    passport_expiry_date = DateField(_l("Passport valid until"), validators=[InputRequired()])
    submit = SubmitField(_l("Send my passport details"))

    def validate_passport_number(self, field) -> None:
        if not PASSPORT_NUMBER.fullmatch(field.data or ""):
            raise ValidationError(_l("A passport number is 5 to 20 letters and digits."))

    def validate_birth_date(self, field) -> None:
        if field.data and field.data >= utcnow().date():
            raise ValidationError(_l("The date of birth must be in the past."))

    def validate_passport_issue_date(self, field) -> None:
        if field.data and field.data > utcnow().date():
            raise ValidationError(_l("The passport cannot be issued in the future."))

    def validate_passport_expiry_date(self, field) -> None:
        issued = self.passport_issue_date.data
        if field.data and issued and field.data <= issued:
            raise ValidationError(_l("The passport must expire after it was issued."))

    def passport(self) -> visa_letters.Passport:
        return visa_letters.Passport(
            name=self.passport_name.data.strip(),
            number=self.passport_number.data,
            nationality=self.nationality.data,
            birth_date=self.birth_date.data,
            issue_date=self.passport_issue_date.data,
            expiry_date=self.passport_expiry_date.data,
        )


def passport_section(registration, form: PassportForm | None = None) -> dict | None:
    """What the manage page shows of the visa letter: nothing unless the event asks the visa
    question and the person said yes; else the state, the form (filled with the details
    given) and whether the letter can be downloaded."""
    if not visa_letters.asks_for_letter(registration):
        return None
    letter = visa_letters.letter_of(registration)
    if form is None:
        form = PassportForm(formdata=None, obj=letter)
    return {
        "state": visa_letters.state_of(letter),
        "form": form,
        "downloadable": letter is not None and letter.approved_dt is not None,
        "open": registration.is_active,
    }
