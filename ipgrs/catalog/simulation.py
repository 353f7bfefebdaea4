"""Dry-run simulation: re-decide a department's recent grievances under a draft catalogue, without side effects.

The draft is compiled into a throw-away rules engine holding only the simulated department (durable-rules
ruleset names come from one counter per process, so they never collide with the live engine's), and the
engine is closed — its rulesets deleted — when the simulation ends, whatever happens. Each grievance is
re-decided from the facts its filing decided on (stored with its decision; rebuilt from the grievance
row the way filing builds them when a row predates that) and compared with the decision stored on it.
Nothing is written: the grievances are read, never changed, and the live engine is not touched.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Callable
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

import rules

from ..grievances.models import Grievance
from . import models as m

DEFAULT_LIMIT = 1000
MAX_EXAMPLES = 25
_IST = ZoneInfo("Asia/Kolkata")  # dates typed by officers are Indian dates


class SimulationError(ValueError):
    """The simulation cannot run (e.g. the draft has no such department); a sentence for the user."""


@dataclass
class SimulationReport:
    department: str
    draft_version: str                      # content hash of the draft catalogue
    since: datetime | None
    until: datetime | None
    limit: int
    total: int = 0                          # grievances re-decided
    changed_route: int = 0                  # a different post, post level or starting level
    changed_timeline: int = 0               # different working days per level
    changed_escalation: int = 0             # a different escalation chain
    unrouted: int = 0                       # no rule of the draft routes them (counted in changed_route too)
    changed: int = 0                        # grievances with any of the changes above
    examples: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "department": self.department, "draft_version": self.draft_version,
            "since": self.since.isoformat() if self.since else None, "until": self.until.isoformat() if self.until else None,
            "limit": self.limit, "total": self.total, "changed": self.changed, "changed_route": self.changed_route,
            "changed_timeline": self.changed_timeline, "changed_escalation": self.changed_escalation,
            "unrouted": self.unrouted, "examples": list(self.examples),
        }

    def summary(self) -> str:
        return (f"{self.total} grievances of {self.department} re-decided: {self.changed} would change "
                f"({self.changed_route} route, {self.changed_timeline} timeline, {self.changed_escalation} escalation"
                + (f"; {self.unrouted} routed by no rule" if self.unrouted else "") + ")")


def _bound(value, end: bool) -> datetime | None:
    """A date means the whole Indian day (an `until` date includes that day); a naive datetime is UTC."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=ZoneInfo("UTC"))
    if isinstance(value, date):
        day = value + timedelta(days=1) if end else value
        return datetime.combine(day, time(), tzinfo=_IST)
    raise TypeError(f"expected a date or datetime, got {type(value).__name__}")


def facts_of(grievance: Grievance) -> dict:
    """The facts filing decided on: stored with the decision; for older rows rebuilt as file_grievance builds them."""
    stored = (grievance.decision or {}).get("facts")
    if stored:
        return stored
    citizen = grievance.citizen
    filed = grievance.created_at.astimezone(_IST).date() if grievance.created_at else None
    return {
        "grievance": grievance.grievance_type.code, "category": grievance.category, "subcategory": grievance.subcategory,
        "channel": grievance.channel,
        "location": {"district": grievance.district.name_en if grievance.district else None,
                     "taluk": grievance.taluk.name_en if grievance.taluk else None,
                     "village": grievance.locality, "pincode": grievance.pincode, "landmark": grievance.landmark},
        "citizen": {"age": citizen.age_on(filed) if filed else None, "gender": citizen.gender},
        "form": dict(grievance.form_data or {}),
    }


def _department_only(catalogue: rules.Catalogue, code: str) -> rules.Catalogue:
    dept = catalogue.departments[code]
    types = {g.code: g for g in dept.grievance_types()}
    return rules.Catalogue(departments={code: dept}, jurisdictions=catalogue.jurisdictions, version=catalogue.version,
                           grievance_types=types)


@contextlib.contextmanager
def throwaway_engine(catalogue: rules.Catalogue, department_code: str):
    """A rules engine for one department of a draft; its durable-rules rulesets are deleted on exit."""
    engine = rules.Engine(_department_only(catalogue, department_code))
    try:
        yield engine
    finally:
        engine.close()


def _place(grievance: Grievance, level: str | None) -> str:
    if level == "state" or grievance.district is None:
        return "Karnataka" if level == "state" else "-"
    if level == "district" or grievance.taluk is None:
        return grievance.district.name_en
    return f"{grievance.taluk.name_en}, {grievance.district.name_en}"


def simulate(session: Session, catalogue: rules.Catalogue, department_code: str, *, since=None, until=None,
             limit: int = DEFAULT_LIMIT, progress: Callable[[int, int], None] | None = None,
             max_examples: int = MAX_EXAMPLES) -> SimulationReport:
    """Re-decides the department's last `limit` grievances filed in [since, until] under `catalogue`.

    `progress(done, total)` is called as grievances are re-decided (for a progress bar).
    """
    if department_code not in catalogue.departments:
        raise SimulationError(f"the draft has no department {department_code}")
    start, end = _bound(since, end=False), _bound(until, end=True)
    report = SimulationReport(department=department_code, draft_version=catalogue.version, since=start, until=end, limit=limit)
    draft = catalogue.departments[department_code]

    query = (select(Grievance).join(m.Department, Grievance.department_id == m.Department.id)
             .where(m.Department.code == department_code)
             .options(joinedload(Grievance.district), joinedload(Grievance.taluk), joinedload(Grievance.assigned_post),
                      joinedload(Grievance.grievance_type), joinedload(Grievance.ruleset_version).load_only(
                          m.RulesetVersion.id, m.RulesetVersion.content_hash))
             .order_by(Grievance.created_at.desc(), Grievance.id.desc()).limit(max(0, int(limit))))
    if start is not None:
        query = query.where(Grievance.created_at >= start)
    if end is not None:
        query = query.where(Grievance.created_at < end)
    grievances = list(session.scalars(query).unique())
    levels = {p.code: p.level for p in session.scalars(
        select(m.Post).join(m.Department).where(m.Department.code == department_code))}

    with throwaway_engine(catalogue, department_code) as engine:
        for done, grievance in enumerate(grievances, 1):
            _compare(report, grievance, engine, draft, levels, max_examples)
            if progress is not None:
                progress(done, len(grievances))
    return report


def _compare(report: SimulationReport, grievance: Grievance, engine: rules.Engine, draft, levels, max_examples) -> None:
    old = grievance.decision or {}
    facts = facts_of(grievance)
    report.total += 1
    try:
        new = engine.decide(facts).as_dict()
        problem = None
    except (rules.NoRuleMatched, rules.UnknownGrievanceType) as exc:
        new, problem = None, str(exc)
    old_post = old.get("post")
    old_route = (old_post, levels.get(old_post), old.get("start_level", 1))
    if new is None:
        route = timeline = escalation = True
        report.unrouted += 1
    else:
        new_route = (new["post"], draft.posts[new["post"]].level, new["start_level"])
        route = new_route != old_route
        timeline = list(new["timeline_days"]) != list(old.get("timeline_days", []))
        escalation = list(new["escalation"]) != list(old.get("escalation", []))
    report.changed_route += route
    report.changed_timeline += timeline
    report.changed_escalation += escalation
    if not (route or timeline or escalation):
        return
    report.changed += 1
    if len(report.examples) >= max_examples:
        return
    version = grievance.ruleset_version
    report.examples.append({
        "number": grievance.number,
        "grievance_type": facts.get("grievance"),
        "filed_at": grievance.created_at.isoformat() if grievance.created_at else None,
        "changes": [name for name, flag in (("route", route), ("timeline", timeline), ("escalation", escalation)) if flag],
        "old": {"post": old_post, "jurisdiction": _place(grievance, levels.get(old_post)),
                "timeline_days": list(old.get("timeline_days", [])), "escalation": list(old.get("escalation", [])),
                "priority": old.get("priority"), "rules": list(old.get("rules_fired", [])),
                "version_id": version.id if version else None},
        "new": None if new is None else {
            "post": new["post"], "jurisdiction": _place(grievance, draft.posts[new["post"]].level),
            "timeline_days": list(new["timeline_days"]), "escalation": list(new["escalation"]),
            "priority": new["priority"], "rules": list(new["rules_fired"])},
        "problem": problem,
    })
