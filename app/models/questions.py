"""The questions organisers add to a registration form, for a series (and so each of its
events) or for one event. Answers live in `Registration.answers`, keyed by the question's
`key`, with choices by their own keys: a question or choice relabelled later still reads."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime, utcnow
from ..database.base import Model
from .enums import QuestionKind, enum_type


class Question(Model):
    __table_args__ = (
        sa.CheckConstraint(
            "(series_id IS NULL AND event_id IS NOT NULL) OR (series_id IS NOT NULL AND event_id IS NULL)",
            name="one_owner",
        ),
        sa.UniqueConstraint("series_id", "key", name="uq_question_series_key"),
        sa.UniqueConstraint("event_id", "key", name="uq_question_event_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int | None] = mapped_column(sa.ForeignKey("series.id", ondelete="CASCADE"), index=True)
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("event.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[QuestionKind] = mapped_column(enum_type(QuestionKind, "question_kind"))
    # Stable: the answers are stored under it, so it never changes once the question exists.
    key: Mapped[str] = mapped_column(sa.String(40))
    # {language: text}; English is the fallback of every other language.
    labels: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    help: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # [{"key": "vegetarian", "labels": {"en": "Vegetarian", "fr": "Végétarien"}}]; a choice
    # removed after people chose it stays here with "retired": true, so its label still reads.
    choices: Mapped[list] = mapped_column(sa.JSON, default=list)
    required: Mapped[bool] = mapped_column(default=False)
    # {"question_key": ..., "answer_key": ...}: asked only when that question was answered so.
    show_if: Mapped[dict | None] = mapped_column(sa.JSON)
    # Removed after people answered it: off the form, still in their registrations and exports.
    retired_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Bumped by every change: part of the cached form page's key.
    version: Mapped[int] = mapped_column(default=1, server_default="1")

    def __repr__(self) -> str:
        return f"<Question {self.id} {self.key!r}>"
