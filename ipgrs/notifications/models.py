"""The outbox table: one row per message to send, written in the same transaction as the change it reports."""
from __future__ import annotations

from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import Boolean, CheckConstraint, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .. import clock
from ..columns import UtcDateTime

CHANNELS = ("sms", "email")
LANGUAGES = ("en", "kn")
PENDING, FAILED, SENT, DEAD = "pending", "failed", "sent", "dead"
STATUSES = (PENDING, FAILED, SENT, DEAD)
DELIVERABLE = (PENDING, FAILED)  # failed = the last attempt failed and a retry is due at next_attempt_at


class Notification(Model):
    """A message on its way to a citizen or an officer.

    pending → sent, or → failed (retry at next_attempt_at) → … → sent, or → dead when the gateway refuses it or
    the attempts run out. A sensitive message (an OTP) keeps its secret only until it is sent or dead."""

    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_status_next_attempt_at", "status", "next_attempt_at"),
        CheckConstraint("channel IN ('sms', 'email')", name="ck_notification_channel"),
        CheckConstraint("language IN ('en', 'kn')", name="ck_notification_language"),
        CheckConstraint("status IN ('pending', 'failed', 'sent', 'dead')", name="ck_notification_status"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(8))
    recipient: Mapped[str] = mapped_column(String(320))  # E.164 mobile or email address
    template: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(2))
    body: Mapped[str] = mapped_column(Text)
    key: Mapped[str] = mapped_column(String(200), unique=True)  # idempotency key, e.g. grievance:KA-2026-00000012:filed:sms
    status: Mapped[str] = mapped_column(String(8), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=clock.now)
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_error: Mapped[str | None] = mapped_column(String(200))  # what went wrong, never who it was for
    provider_message_id: Mapped[str | None] = mapped_column(String(120))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=clock.now)
    sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set while an attempt is under way; still set after the lease means the deliverer died mid-attempt.
    attempt_started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    def __repr__(self) -> str:
        return f"Notification {self.id} {self.channel} {self.template} {self.status}"
