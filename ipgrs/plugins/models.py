"""What the platform records about plugins: subscriber failures, for the admin to see."""
from __future__ import annotations

from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import JSON, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..catalog.models import utcnow
from ..columns import UtcDateTime


class PluginFailure(Model):
    """A subscriber that raised. Written in the action's transaction (in its own savepoint), so it is kept when
    the action commits; the log has every failure, including those of actions that were rolled back."""

    __tablename__ = "plugin_failure"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plugin: Mapped[str] = mapped_column(String(64), index=True)
    event: Mapped[str] = mapped_column(String(64))
    grievance_ids: Mapped[list] = mapped_column(JSON, default=list)  # the first 50 of the event
    error: Mapped[str] = mapped_column(String(500))                   # exception type, message and where; no personal data
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
