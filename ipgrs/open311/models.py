"""API keys issued to partner apps that file grievances through Open311. Only a SHA-256 of a key is stored."""
from __future__ import annotations

from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..catalog.models import utcnow
from ..columns import UtcDateTime


class PartnerApiKey(Model):
    __tablename__ = "open311_api_key"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    partner: Mapped[str] = mapped_column(String(120))                  # the partner app, e.g. "Namma Bengaluru app"
    contact_email: Mapped[str | None] = mapped_column(String(254))
    key_prefix: Mapped[str] = mapped_column(String(12))                # the first characters, to tell keys apart
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)     # SHA-256 hex of the whole key
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    # a fixed-window rate limit on POSTs, kept in the row so that every process shares it
    window_start: Mapped[datetime | None] = mapped_column(UtcDateTime())
    window_count: Mapped[int] = mapped_column(Integer, default=0)
    requests_filed: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"{self.partner} ({self.key_prefix}…)"
