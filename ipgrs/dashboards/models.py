"""The dashboards' rollup: grievances counted per filing day and per every dimension a dashboard filters or
groups by, rebuilt whole by a beat task (ipgrs/dashboards/rollups.py), and the record of each rebuild."""
from __future__ import annotations

from datetime import date, datetime

from flask_appbuilder import Model
from sqlalchemy import Boolean, Date, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..catalog.models import utcnow
from ..columns import UtcDateTime


class DashboardRollup(Model):
    """Derived data, rebuilt whole from the grievances: no foreign keys (the grievances have them), so that a
    refresh of a million rows is not a million times five key checks.

    One row per (filing day in IST, department, district, taluk, grievance type, channel, current post, status,
    level, ageing bucket) with the counts and sums the dashboards need. Figures are as of the last refresh."""

    __tablename__ = "dashboard_rollup"
    __table_args__ = (
        Index("ix_dashboard_rollup_day", "day"),
        Index("ix_dashboard_rollup_department_day", "department_id", "day"),
        Index("ix_dashboard_rollup_district_day", "district_id", "day"),
        Index("ix_dashboard_rollup_post", "post_id", "taluk_id", "district_id"),
        Index("ix_dashboard_rollup_type_day", "grievance_type_id", "day"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    department_id: Mapped[int] = mapped_column(Integer)
    district_id: Mapped[int | None] = mapped_column(Integer)
    taluk_id: Mapped[int | None] = mapped_column(Integer)
    grievance_type_id: Mapped[int] = mapped_column(Integer)
    channel: Mapped[str] = mapped_column(String(24))
    post_id: Mapped[int] = mapped_column(Integer)  # the current post (the resolving one once resolved)
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


class DashboardRollupMonth(Model):
    """The rollup summed by month and department in six grains (rollups.GRAINS), each grouped by what one family of
    charts needs (level and ageing; district; channel; taluk; post; grievance type), so that a dashboard over whole
    months reads a few thousand rows per month instead of one per grievance. Dashboards filtered by district,
    channel or grievance type, and officers' scopes, read the daily rollup instead (queries.plan)."""

    __tablename__ = "dashboard_rollup_month"
    __table_args__ = (Index("ix_dashboard_rollup_month_grain_month", "grain", "month", "department_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grain: Mapped[str] = mapped_column(String(8))
    month: Mapped[date] = mapped_column(Date)  # the first day of the month of filing (IST)
    department_id: Mapped[int] = mapped_column(Integer)
    district_id: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[str | None] = mapped_column(String(24))
    level: Mapped[int | None] = mapped_column(Integer)
    age_bucket: Mapped[str | None] = mapped_column(String(8))
    taluk_id: Mapped[int | None] = mapped_column(Integer)
    post_id: Mapped[int | None] = mapped_column(Integer)
    grievance_type_id: Mapped[int | None] = mapped_column(Integer)
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
