"""The anti-robot stamps of the public forms that have been used once (see registration/forms.py)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from ..database import UTCDateTime
from ..database.base import Model


class SpentFormStamp(Model):
    """A form's stamp that a registration (or a request for links) has used: sent again, it is
    refused. Kept in the database, not in the session: a session is a cookie its visitor can send
    again as it was. Forgotten once the stamp has expired anyway (`expires_dt`)."""

    __tablename__ = "spent_form_stamp"

    nonce: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    expires_dt: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
