"""The plugin's tables: grievances received from CPGRAMS, the pull cursor, push replay guard, the outbound
outbox and mapping entries added from the triage screen. Created by ipgrs migration 0005 (docs/plugins.md)."""
from __future__ import annotations

from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ipgrs.catalog.models import utcnow
from ipgrs.columns import UtcDateTime

# Inbound states
RECEIVED, TRIAGE, FILED = "received", "triage", "filed"
# Outbox states (as the notification outbox)
PENDING, FAILED, SENT, DEAD = "pending", "failed", "sent", "dead"
DELIVERABLE = (PENDING, FAILED)


class CpgramsGrievance(Model):
    """One CPGRAMS grievance as received. The registration number is UNIQUE: receiving it again (a duplicate
    page, a second push, two workers at once) never makes a second row, so never a second grievance."""

    __tablename__ = "cpgrams_grievance"
    __table_args__ = (Index("ix_cpgrams_grievance_state_received", "state", "received_at"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_number: Mapped[str] = mapped_column(String(64), unique=True)
    organisation_code: Mapped[str] = mapped_column(String(64))
    category_code: Mapped[str | None] = mapped_column(String(64))
    payload: Mapped[dict] = mapped_column(JSON)           # as received, mapped by client.from_cpgrams
    received_via: Mapped[str] = mapped_column(String(8))  # pull | push
    state: Mapped[str] = mapped_column(String(12), default=RECEIVED)  # received → filed, or → triage → filed
    reason: Mapped[str | None] = mapped_column(String(500))  # why it waits in triage
    grievance_id: Mapped[int | None] = mapped_column(ForeignKey("grievance.id"), unique=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    filed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class CpgramsCursor(Model):
    """Where the pull stopped: the cursor CPGRAMS gave with the last page we committed."""

    __tablename__ = "cpgrams_cursor"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    cursor: Mapped[str | None] = mapped_column(String(200))
    pages: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class CpgramsPushSeen(Model):
    """Signatures of accepted pushes inside the timestamp window: the same request again is a replay."""

    __tablename__ = "cpgrams_push_seen"
    signature: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class CpgramsOutbox(Model):
    """A message to CPGRAMS, written in the transaction of the change it reports. `key` is the idempotency key
    CPGRAMS de-duplicates on; delivery is retried with exponential backoff and dead-lettered after N failures."""

    __tablename__ = "cpgrams_outbox"
    __table_args__ = (Index("ix_cpgrams_outbox_status_next", "status", "next_attempt_at"),
                      Index("ix_cpgrams_outbox_registration", "registration_number", "id"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)
    registration_number: Mapped[str] = mapped_column(String(64))
    grievance_id: Mapped[int] = mapped_column(ForeignKey("grievance.id"))
    kind: Mapped[str] = mapped_column(String(32))     # acknowledged, accepted, interim_reply, resolved, closed, …
    payload: Mapped[dict] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(8), default=PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(String(300))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)


class CpgramsMapping(Model):
    """A mapping added by a nodal officer from the triage screen; it extends config/plugins/cpgrams.yaml."""

    __tablename__ = "cpgrams_mapping"
    __table_args__ = (Index("uq_cpgrams_mapping_codes", "organisation_code", "category_code", unique=True),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_code: Mapped[str] = mapped_column(String(64))
    category_code: Mapped[str] = mapped_column(String(64))  # "*" for every category of the organisation
    grievance_type: Mapped[str] = mapped_column(String(64))
    added_by: Mapped[str] = mapped_column(String(120))
    added_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    note: Mapped[str | None] = mapped_column(Text)
