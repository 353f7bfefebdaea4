"""The dashboards' rollup: grievances counted per filing day and per every dimension a dashboard filters or
groups by, rebuilt whole by a beat task (ipgrs/dashboards/rollups.py), and the record of each rebuild."""
from __future__ import annotations

from datetime import date, datetime

from flask_appbuilder import Model
from sqlalchemy import Boolean, Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..catalog.models import utcnow
from ..columns import UtcDateTime


class DashboardRollup(Model):
    """One row per (filing day in IST, department, district, taluk, grievance type, channel, current post, status,
    level, ageing bucket) with the counts and sums the dashboards need. Figures are as of the last refresh."""

    __tablename__ = "dashboard_rollup"
    __table_args__ = (
        Index("ix_dashboard_rollup_day", "day"),
        Index("ix_dashboard_rollup_department_day", "department_id", "day"),
        Index("ix_dashboard_rollup_district_day", "district_id", "day"),
        Index("ix_dashboard_rollup_post", "post_id", "taluk_id", "district_id"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    department_id: Mapped[int] = mapped_column(ForeignKey("catalog_department.id"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdiction_district.id"))
    taluk_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdiction_taluk.id"))
    grievance_type_id: Mapped[int] = mapped_column(ForeignKey("catalog_grievance_type.id"))
    channel: Mapped[str] = mapped_column(String(24))
    post_id: Mapped[int] = mapped_column(ForeignKey("catalog_post.id"))  # the current post (the resolving one once resolved)
    status: Mapped[str] = mapped_column(String(24))
    level: Mapped[int] = mapped_column(Integer)
    age_bucket: Mapped[str | None] = mapped_column(String(8))  # pending grievances only: 0-7, 8-15, 16-30, 30+ days
    grievances: Mapped[int] = mapped_column(Integer)
    pending: Mapped[int] = mapped_column(Integer)
    overdue: Mapped[int] = mapped_column(Integer)
    resolved: Mapped[int] = mapped_column(Integer)
    on_time: Mapped[int] = mapped_column(Integer)
    resolve_days: Mapped[float] = mapped_column(Float)
    ever_resolved: Mapped[int] = mapped_column(Integer)
    reopened: Mapped[int] = mapped_column(Integer)
    escalated: Mapped[int] = mapped_column(Integer)
    critical: Mapped[int] = mapped_column(Integer)
    rated: Mapped[int] = mapped_column(Integer)
    rating_sum: Mapped[int] = mapped_column(Integer)
    satisfied: Mapped[int] = mapped_column(Integer)


class DashboardRefresh(Model):
    """One row per rebuild of the rollup; the newest complete one says "as of" on every dashboard."""

    __tablename__ = "dashboard_refresh"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    as_of: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)  # the clock the figures use
    rows: Mapped[int] = mapped_column(Integer)
    grievances: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Float)
    complete: Mapped[bool] = mapped_column(Boolean, default=True)
