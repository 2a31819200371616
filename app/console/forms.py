"""Form pieces shared by the console's pages (and the attendance pages behind it)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import ClassVar, Protocol

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SubmitField
from wtforms.validators import InputRequired

from ..registration.forms import options


class ConfirmForm(FlaskForm):
    """A button that changes something: CSRF only."""

    submit = SubmitField(_l("Confirm"))


class SearchForm(FlaskForm):
    """A GET form (a search, the filters of a list): bookmarkable, so without a CSRF token."""

    class Meta:
        csrf = False


def audience_field(none_chosen) -> SelectField:
    return SelectField(_l("To"), validators=[InputRequired(message=none_chosen)], validate_choice=True)


class _Audience(Protocol):
    """A member of an enumeration of audiences: its value, and its translated title."""

    @property
    def value(self) -> str: ...

    @property
    def title(self) -> str: ...


class AudienceForm(FlaskForm):
    """Written to one audience of an event: previewed, then sent with the same fields.

    A subclass names its audiences (an enum whose members have a title) and declares
    `audience = audience_field(...)`; each choice shows how many people it reaches.
    """

    AUDIENCES: ClassVar[Iterable[_Audience]]

    preview = SubmitField(_l("Preview"))
    send = SubmitField(_l("Send"))

    def __init__(self, *args, sizes: Mapping | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        sizes = sizes or {}
        labels = ((choice.value, _sized(choice.title, sizes.get(choice))) for choice in self.AUDIENCES)
        self.audience.choices = options(labels, _l("Choose who receives it"))


def _sized(title, size: int | None) -> str:
    return title if size is None else f"{title} ({size})"
