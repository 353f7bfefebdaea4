"""A grievance, its append-only events and its attachments."""
from __future__ import annotations

from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, event, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalog.models import Department, District, GrievanceType, Post, RulesetVersion, Taluk, utcnow
from ..citizens.models import Citizen
from ..columns import UtcDateTime
from ..officers.models import Officer

CHANNELS = {
    "WEB": "Web portal", "APP": "Mobile app", "HELPLINE_1902": "Helpline 1902",
    "BAPUJI_SEVA_KENDRA": "Bapuji Seva Kendra", "JANASPANDANA": "Janaspandana", "CMO": "Chief Minister's Office",
    "CSO": "Chief Secretary's Office", "CPGRAMS": "CPGRAMS", "Open311": "Open311 partner app",
}
OPERATOR_CHANNELS = ("HELPLINE_1902", "BAPUJI_SEVA_KENDRA", "JANASPANDANA", "CMO", "CSO")


# The rows the escalation sweep watches: workflow.ACTIVE, not yet flagged critical. Spelled as SQL so the
# index predicate and the sweep's WHERE are the same expression.
ESCALATION_WATCH = text("status IN ('open', 'accepted', 'reopened') AND critical IS false")


class Grievance(Model):
    __tablename__ = "grievance"
    __table_args__ = (
        Index("ix_grievance_citizen_created", "citizen_id", "created_at"),
        Index("ix_grievance_status_due", "status", "due_at"),
        Index("ix_grievance_officer_status", "assigned_officer_id", "status"),
        Index("ix_grievance_post_status_due", "assigned_post_id", "status", "due_at"),  # the inbox's "mine"
        # The escalation sweep's claim: overdue rows in due order, read straight off the index (a range scan that
        # stops at the batch size) rather than every active row of three statuses sorted.
        Index("ix_grievance_escalation_due", "due_at", postgresql_where=ESCALATION_WATCH, sqlite_where=ESCALATION_WATCH),
        Index("ix_grievance_created_at", "created_at"),                                   # dashboards' drill-down
        Index("ix_grievance_department_status_due", "department_id", "status", "due_at"),  # weekly pendency report
        Index("ux_grievance_citizen_client_key", "citizen_id", "client_key", unique=True),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str | None] = mapped_column(String(20), unique=True)  # KA-2026-00012345, from the id
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"))
    grievance_type_id: Mapped[int] = mapped_column(ForeignKey("catalog_grievance_type.id"))
    department_id: Mapped[int] = mapped_column(ForeignKey("catalog_department.id"), index=True)
    category: Mapped[str | None] = mapped_column(String(48))
    subcategory: Mapped[str | None] = mapped_column(String(48))
    description: Mapped[str] = mapped_column(Text)
    form_data: Mapped[dict] = mapped_column(JSON, default=dict)
    district_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdiction_district.id"))
    taluk_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdiction_taluk.id"))
    locality: Mapped[str | None] = mapped_column(String(120))
    landmark: Mapped[str | None] = mapped_column(String(200))
    pincode: Mapped[str | None] = mapped_column(String(6))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    channel: Mapped[str] = mapped_column(String(24), index=True)
    operator_user_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    verified_in_person: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(24))
    priority: Mapped[str] = mapped_column(String(8), default="normal")
    ruleset_version_id: Mapped[int] = mapped_column(ForeignKey("ruleset_version.id"))
    decision: Mapped[dict] = mapped_column(JSON)  # post, escalation, timeline_days, rules_fired, explanation, facts
    level: Mapped[int] = mapped_column(Integer, default=1)
    assigned_post_id: Mapped[int] = mapped_column(ForeignKey("catalog_post.id"))
    assigned_officer_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    vacancy_note: Mapped[str | None] = mapped_column(String(500))
    due_at: Mapped[datetime] = mapped_column(UtcDateTime())
    paused_at: Mapped[datetime | None] = mapped_column(UtcDateTime())      # awaiting the citizen since
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    resolved_by_officer_id: Mapped[int | None] = mapped_column(ForeignKey("officer.id"))
    resolved_post_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_post.id"))
    transfer_count: Mapped[int] = mapped_column(Integer, default=0)
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    escalation_count: Mapped[int] = mapped_column(Integer, default=0)
    critical: Mapped[bool] = mapped_column(Boolean, default=False)        # past the last level of its chain
    rating: Mapped[int | None] = mapped_column(Integer)                    # 1-5, from the citizen
    satisfied: Mapped[bool | None] = mapped_column(Boolean)
    feedback_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, onupdate=utcnow)
    row_version: Mapped[int] = mapped_column(Integer, default=1)
    # The app's Idempotency-Key: a filing re-sent after a lost answer finds this grievance instead of a second one.
    client_key: Mapped[str | None] = mapped_column(String(64))

    __mapper_args__ = {"version_id_col": row_version}  # optimistic locking: two officers, one wins

    citizen: Mapped[Citizen] = relationship()
    grievance_type: Mapped[GrievanceType] = relationship()
    department: Mapped[Department] = relationship()
    district: Mapped[District | None] = relationship()
    taluk: Mapped[Taluk | None] = relationship()
    ruleset_version: Mapped[RulesetVersion] = relationship()
    assigned_post: Mapped[Post] = relationship(foreign_keys=[assigned_post_id])
    assigned_officer: Mapped[Officer | None] = relationship(foreign_keys=[assigned_officer_id])
    resolved_by_officer: Mapped[Officer | None] = relationship(foreign_keys=[resolved_by_officer_id])
    events: Mapped[list["GrievanceEvent"]] = relationship(back_populates="grievance", order_by="GrievanceEvent.id")
    attachments: Mapped[list["GrievanceAttachment"]] = relationship(back_populates="grievance", order_by="GrievanceAttachment.id")

    def __repr__(self) -> str:
        return self.number or f"grievance {self.id}"


class GrievanceEvent(Model):
    """The audit trail: rows are only ever inserted."""

    __tablename__ = "grievance_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grievance_id: Mapped[int] = mapped_column(ForeignKey("grievance.id"), index=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    actor_kind: Mapped[str] = mapped_column(String(16))  # citizen | officer | operator | system
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_label: Mapped[str] = mapped_column(String(200))  # designation and office, never a citizen's name
    kind: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(24))
    to_status: Mapped[str | None] = mapped_column(String(24))
    note: Mapped[str | None] = mapped_column(Text)
    visible_to_citizen: Mapped[bool] = mapped_column(Boolean, default=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    grievance: Mapped[Grievance] = relationship(back_populates="events")


class GrievanceAttachment(Model):
    __tablename__ = "grievance_attachment"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grievance_id: Mapped[int] = mapped_column(ForeignKey("grievance.id"), index=True)
    event_id: Mapped[int | None] = mapped_column(ForeignKey("grievance_event.id"))
    field: Mapped[str | None] = mapped_column(String(48))  # the form field it answers, if any
    stored_name: Mapped[str] = mapped_column(String(80), unique=True)
    original_name: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    grievance: Mapped[Grievance] = relationship(back_populates="attachments")


@event.listens_for(GrievanceEvent, "before_update")
@event.listens_for(GrievanceEvent, "before_delete")
def _audit_trail_is_append_only(mapper, connection, target):
    raise PermissionError("grievance events are the audit trail: they are never updated or deleted")
