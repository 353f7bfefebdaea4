"""One row per login session; the cookie carries a random token whose SHA-256 is the row's id."""
from __future__ import annotations

from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..catalog.models import utcnow
from ..columns import UtcDateTime


class LoginSession(Model):
    __tablename__ = "login_session"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)   # SHA-256 hex of the token in the session cookie
    kind: Mapped[str] = mapped_column(String(8))                      # citizen | staff
    subject_id: Mapped[int] = mapped_column(Integer)                  # citizen.id or ab_user.id
    started_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UtcDateTime())  # logout
