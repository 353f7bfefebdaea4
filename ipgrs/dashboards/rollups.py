"""What each grievance contributes to the dashboards (one definition, used live and by the rollup), and the
rebuild of the rollup table.

Freshness: the rollup is rebuilt whole, in one transaction, by the beat task `ipgrs.dashboards.refresh`
(every DASHBOARD_REFRESH_SECONDS, 10 minutes by default) and by `ipgrs dashboards refresh`. Its figures are
the grievances as they stood at `as_of`, the refresh's clock: a grievance filed or resolved since appears at the
next refresh, and ageing and "overdue" are measured at `as_of`. Pages show that time.
"""
from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy import Date, Float, Integer, case, cast, delete, func, insert, literal, select, text, type_coerce
from sqlalchemy.orm import Session

from .. import clock
from ..grievances import workflow
from ..grievances.models import Grievance
from .models import DashboardRefresh, DashboardRollup, DashboardRollupMonth

PENDING = workflow.ACTIVE + (workflow.AWAITING_CITIZEN,)  # still with the department, as in the officer's inbox
AGE_BUCKETS = ("0-7", "8-15", "16-30", "30+")
DIMENSIONS = ("day", "department_id", "district_id", "taluk_id", "grievance_type_id", "channel", "post_id", "status",
              "level", "age_bucket")
MEASURES = ("grievances", "pending", "overdue", "resolved", "on_time", "resolve_days", "ever_resolved", "reopened",
            "escalated", "critical", "rated", "rating_sum", "satisfied")
# Measures that are 0/1 per grievance: a drill-down lists the grievances where one is 1.
FLAGS = ("pending", "overdue", "resolved", "on_time", "reopened", "escalated", "critical", "rated", "satisfied")


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def filing_day(dialect: str):
    """The day the grievance was filed, in India Standard Time."""
    G = Grievance
    if dialect == "postgresql":
        return cast(func.timezone("Asia/Kolkata", G.created_at), Date)
    return type_coerce(func.date(G.created_at, "+330 minutes"), Date)


def days_between(dialect: str, later, earlier):
    if dialect == "postgresql":
        return func.extract("epoch", later - earlier) / 86400.0
    return func.julianday(later) - func.julianday(earlier)


def _flag(condition):
    return case((condition, 1), else_=0)


def conditions(dialect: str, now: datetime) -> dict:
    """Each 0/1 measure as a condition on Grievance (the drill-down lists filter on these)."""
    G = Grievance
    resolved = G.resolved_at.is_not(None)
    return {
        "pending": G.status.in_(PENDING),
        "overdue": G.status.in_(workflow.ACTIVE) & (G.due_at < now),
        "resolved": resolved,
        # Resolved (or rejected) by the due date of the level that had it, never escalated for a lapse or an appeal.
        "on_time": resolved & (G.resolved_at <= G.due_at) & (G.escalation_count == 0),
        "ever_resolved": resolved | (G.reopen_count > 0),
        "reopened": G.reopen_count > 0,
        "escalated": G.escalation_count > 0,
        "critical": G.critical.is_(True),
        "rated": G.rating.is_not(None),
        "satisfied": G.rating.is_not(None) & G.satisfied.is_(True),
    }


def age_bucket(dialect: str, now: datetime):
    """0-7, 8-15, 16-30 or 30+ whole days since filing, for a pending grievance; NULL otherwise."""
    G = Grievance
    age = days_between(dialect, literal(now, G.created_at.type), G.created_at)
    return case((~G.status.in_(PENDING), None), (age < 8, AGE_BUCKETS[0]), (age < 16, AGE_BUCKETS[1]),
                (age < 31, AGE_BUCKETS[2]), else_=AGE_BUCKETS[3])


def live_rows(dialect: str, now: datetime):
    """A SELECT of one row per grievance: its id, its dimensions and its 0/1 (or day-count) measures at `now`."""
    G = Grievance
    flags = conditions(dialect, now)
    return select(
        G.id.label("id"),
        filing_day(dialect).label("day"),
        G.department_id.label("department_id"),
        G.district_id.label("district_id"),
        G.taluk_id.label("taluk_id"),
        G.grievance_type_id.label("grievance_type_id"),
        G.channel.label("channel"),
        G.assigned_post_id.label("post_id"),
        G.status.label("status"),
        G.level.label("level"),
        age_bucket(dialect, now).label("age_bucket"),
        literal(1, Integer).label("grievances"),
        *[_flag(flags[name]).label(name) for name in ("pending", "overdue", "resolved", "on_time")],
        cast(case((flags["resolved"], days_between(dialect, G.resolved_at, G.created_at)), else_=0.0), Float).label("resolve_days"),
        *[_flag(flags[name]).label(name) for name in ("ever_resolved", "reopened", "escalated", "critical", "rated")],
        func.coalesce(G.rating, 0).label("rating_sum"),
        _flag(flags["satisfied"]).label("satisfied"),
    )


def live_source(session: Session, now: datetime | None = None):
    """The live rows as a subquery with the rollup's columns (sum them as the rollup is summed)."""
    return live_rows(_dialect(session), now or clock.now()).subquery("live")


def rollup_source():
    return DashboardRollup.__table__


def refresh(session: Session, now: datetime | None = None) -> DashboardRefresh:
    """Rebuilds the rollup from the grievances, as of `now`, in one transaction (readers see the old or the new)."""
    now = now or clock.now()
    started = time.perf_counter()
    rows = live_rows(_dialect(session), now).subquery("g")
    grouped = select(*[rows.c[name] for name in DIMENSIONS], *[func.sum(rows.c[name]) for name in MEASURES]) \
        .group_by(*[rows.c[name] for name in DIMENSIONS])
    if _dialect(session) == "postgresql":  # a million groups hash in memory instead of spilling to disk
        session.execute(text("SET LOCAL work_mem = '256MB'"))
    session.execute(delete(DashboardRollup))
    session.execute(insert(DashboardRollup).from_select(list(DIMENSIONS + MEASURES), grouped))
    _refresh_months(session)
    count, total = session.execute(select(func.count(), func.coalesce(func.sum(DashboardRollup.grievances), 0))).one()
    record = DashboardRefresh(as_of=now, rows=count, grievances=int(total), seconds=round(time.perf_counter() - started, 3),
                              complete=True)
    session.add(record)
    session.commit()
    return record


# Each monthly grain: the column it groups by besides month and department, and the rows it keeps (None: all).
# Every grain carries every measure. Few columns per grain keep each one to thousands of rows, not a million.
GRAINS = {
    "main": (("level", "age_bucket"), None),      # totals, departments, SLA, ageing, escalations, satisfaction
    "district": (("district_id",), None),          # pendency by district; the transparency page's districts
    "channel": (("channel",), None),               # channel mix, CPGRAMS share
    "taluk": (("taluk_id",), "pending"),           # pendency by taluk
    "post": (("post_id",), "rated"),               # satisfaction by officer post
    "type": (("grievance_type_id",), None),        # top grievance types
}
MONTH_FILTERS = ("department_id",)


def month_of(dialect: str, day_column):
    if dialect == "postgresql":
        return cast(func.date_trunc("month", day_column), Date)
    return type_coerce(func.date(day_column, "start of month"), Date)


def _refresh_months(session: Session) -> None:
    R = DashboardRollup.__table__
    month = month_of(_dialect(session), R.c.day).label("month")
    session.execute(delete(DashboardRollupMonth))
    for grain, (extra, only) in GRAINS.items():
        keys = [R.c[name] for name in MONTH_FILTERS + extra]
        query = select(literal(grain).label("grain"), month, *keys, *[func.sum(R.c[m]) for m in MEASURES]) \
            .group_by(month, *keys)
        if only:
            query = query.where(R.c[only] > 0)
        session.execute(insert(DashboardRollupMonth).from_select(
            ["grain", "month", *MONTH_FILTERS, *extra, *MEASURES], query))


def latest(session: Session) -> DashboardRefresh | None:
    return session.scalar(select(DashboardRefresh).where(DashboardRefresh.complete)
                          .order_by(DashboardRefresh.as_of.desc(), DashboardRefresh.id.desc()).limit(1))
