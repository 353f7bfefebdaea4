"""An officer's inbox: the grievances at the posts they hold ("mine") and, for supervision, the pending grievances
below them in their escalation chains — filtered, counted and paginated in SQL.

Who sees what is decided by postings, as `grievances.actions.holds_post_for` decides who may act:
- mine: the grievance's current post is one the officer holds, for the grievance's taluk (a taluk-level post),
  district (a district-level post) or anywhere (a state-level post);
- supervision: the grievance is still pending, in a department of a post the officer holds, inside that post's
  jurisdiction, and that post comes later in the grievance's escalation chain than the grievance's current level.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Mapping
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, false, func, literal, or_, select, true
from sqlalchemy.orm import Session, joinedload

from .. import clock
from ..catalog.models import Department, District, Post, Service, Taluk
from ..catalog.models import GrievanceType as GrievanceTypeRow
from ..grievances import workflow
from ..grievances.models import CHANNELS, Grievance
from .models import Officer, Posting

_IST = ZoneInfo("Asia/Kolkata")

MINE, SUPERVISION = "mine", "supervision"
SCOPES = (MINE, SUPERVISION)
# Supervision covers what is still with the department: the running clock and the paused one.
PENDING = workflow.ACTIVE + (workflow.AWAITING_CITIZEN,)
STATUS_GROUPS = {"pending": PENDING}

ON_TIME, DUE_SOON, OVERDUE, PAUSED, STOPPED = "on_time", "due_in_2_days", "overdue", "paused", "stopped"
SLA_STATES = (ON_TIME, DUE_SOON, OVERDUE, PAUSED, STOPPED)
DUE_SOON_WITHIN = timedelta(days=2)

SORTS = {
    "due": (Grievance.due_at.asc(), Grievance.id.asc()),
    "-due": (Grievance.due_at.desc(), Grievance.id.desc()),
    "filed": (Grievance.created_at.asc(), Grievance.id.asc()),
    "-filed": (Grievance.created_at.desc(), Grievance.id.desc()),
}
PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX = 25, 100
FACETS = ("status", "sla", "scope", "department", "channel")
_TEXT_MAX = 80


class FiltersInvalid(ValueError):
    """Bad filter values: {field: [sentences]} (HTTP 400)."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class InboxFilters:
    status: tuple = ()              # states; "pending" stands for every state still with the department
    sla: str | None = None          # one of SLA_STATES
    department: str | None = None   # department code
    service: str | None = None      # service code (within `department` when that is given)
    channel: str | None = None
    district: str | None = None     # English names, as in config/jurisdictions.yaml
    taluk: str | None = None
    scope: str | None = None        # mine | supervision; None: both
    sort: str = "due"
    page: int = 1
    page_size: int = PAGE_SIZE_DEFAULT

    @classmethod
    def from_args(cls, args: Mapping, default_status: tuple = ()) -> "InboxFilters":
        """From query-string arguments (a werkzeug MultiDict or a plain dict). Raises FiltersInvalid."""
        errors: dict[str, list[str]] = {}

        def text(name):
            value = (args.get(name) or "").strip()
            if len(value) > _TEXT_MAX:
                errors[name] = [f"{name.capitalize()}: at most {_TEXT_MAX} characters."]
                return None
            return value or None

        raw = args.getlist("status") if hasattr(args, "getlist") else [args.get("status") or ""]
        statuses = [s.strip() for item in raw for s in str(item).split(",") if s.strip()]
        if "status" not in args:
            statuses = list(default_status)
        unknown = [s for s in statuses if s not in workflow.STATES and s not in STATUS_GROUPS and s != "all"]
        if unknown:
            errors["status"] = [f"Status: '{unknown[0][:40]}' is not a status; choose from "
                                + ", ".join(("pending",) + workflow.STATES) + "."]
        expanded = []
        for s in statuses:
            for one in STATUS_GROUPS.get(s, (s,)) if s != "all" else ():
                if one not in expanded:
                    expanded.append(one)
        if "all" in statuses:
            expanded = []
        values = {name: text(name) for name in ("sla", "department", "service", "channel", "district", "taluk", "scope", "sort")}
        if values["sla"] and values["sla"] not in SLA_STATES:
            errors["sla"] = ["SLA: choose one of " + ", ".join(SLA_STATES) + "."]
        if values["scope"] and values["scope"] not in SCOPES:
            errors["scope"] = ["Scope: choose mine or supervision."]
        if values["channel"] and values["channel"] not in CHANNELS:
            errors["channel"] = ["Channel: choose one of " + ", ".join(CHANNELS) + "."]
        if values["sort"] and values["sort"] not in SORTS:
            errors["sort"] = ["Sort: choose one of " + ", ".join(SORTS) + "."]
        numbers = {}
        for name, default, low, high in (("page", 1, 1, 1_000_000), ("page_size", PAGE_SIZE_DEFAULT, 1, PAGE_SIZE_MAX)):
            value = str(args.get(name) or "").strip()
            if not value:
                numbers[name] = default
            elif not value.isdigit() or not low <= int(value) <= high:
                errors[name] = [f"{'Page size' if name == 'page_size' else 'Page'}: a whole number from {low} to {high}."]
            else:
                numbers[name] = int(value)
        if errors:
            raise FiltersInvalid(errors)
        return cls(status=tuple(expanded), sla=values["sla"], department=values["department"], service=values["service"],
                   channel=values["channel"], district=values["district"], taluk=values["taluk"], scope=values["scope"],
                   sort=values["sort"] or "due", **numbers)


@dataclass(frozen=True)
class InboxRow:
    grievance: Grievance
    scope: str          # mine | supervision
    sla: str            # one of SLA_STATES

    @property
    def sla_text(self) -> str:
        return sla_text(self.grievance, self.sla)


@dataclass
class _Reach:
    """The officer's postings as SQL conditions on Grievance."""
    mine: object
    supervision: object
    departments: set = field(default_factory=set)


# --- who sees what -----------------------------------------------------------------------------

def _in_jurisdiction(level: str, district_id, taluk_id):
    G = Grievance
    if level == "taluk":
        return G.taluk_id == taluk_id
    if level == "district":
        return G.district_id == district_id
    return true()


def reach(session: Session, officer: Officer) -> _Reach:
    """Conditions for "mine" and "supervision" from the officer's active postings (a handful of rows)."""
    G = Grievance
    if officer is None or not officer.active:
        return _Reach(false(), false())
    postings = session.execute(
        select(Posting.post_id, Posting.district_id, Posting.taluk_id, Post.code, Post.level, Post.department_id)
        .join(Post, Post.id == Posting.post_id)
        .where(Posting.officer_id == officer.id, Posting.active)).all()
    if not postings:
        return _Reach(false(), false())
    departments = {p.department_id for p in postings}
    # A chain never repeats a post, so a department's chains are at most as long as its list of posts.
    chain_bound = dict(session.execute(select(Post.department_id, func.count(Post.id))
                                       .where(Post.department_id.in_(departments)).group_by(Post.department_id)).all())
    mine, supervision = [], []
    for p in postings:
        place = _in_jurisdiction(p.level, p.district_id, p.taluk_id)
        mine.append(and_(G.assigned_post_id == p.post_id, place))
        above = [and_(G.level <= position, G.decision[("escalation", position)].as_string() == p.code)
                 for position in range(1, chain_bound.get(p.department_id, 1))]
        if above:
            supervision.append(and_(G.department_id == p.department_id, G.status.in_(PENDING), place, or_(*above)))
    return _Reach(or_(*mine), or_(*supervision) if supervision else false(), departments)


def scope_of(session: Session, officer: Officer, g: Grievance) -> str | None:
    """"mine", "supervision" or None (the officer may not see the grievance: a 404)."""
    r = reach(session, officer)
    return session.scalar(select(case((r.mine, literal(MINE)), else_=literal(SUPERVISION)))
                          .where(Grievance.id == g.id, or_(r.mine, r.supervision)))


def sla_expression(now: datetime):
    G = Grievance
    return case(
        (G.status == workflow.AWAITING_CITIZEN, literal(PAUSED)),
        (G.status.not_in(workflow.ACTIVE), literal(STOPPED)),
        (G.due_at < now, literal(OVERDUE)),
        (G.due_at < now + DUE_SOON_WITHIN, literal(DUE_SOON)),
        else_=literal(ON_TIME))


def sla_of(g: Grievance, now: datetime | None = None) -> str:
    now = now or clock.now()
    if g.status == workflow.AWAITING_CITIZEN:
        return PAUSED
    if g.status not in workflow.ACTIVE:
        return STOPPED
    if g.due_at < now:
        return OVERDUE
    return DUE_SOON if g.due_at < now + DUE_SOON_WITHIN else ON_TIME


def sla_text(g: Grievance, sla: str | None = None, now: datetime | None = None) -> str:
    """The countdown an officer reads: "due in 3 days", "due today", "overdue by 2 days"."""
    now = now or clock.now()
    sla = sla or sla_of(g, now)
    if sla == PAUSED:
        return "paused: awaiting the citizen"
    if sla == STOPPED:
        return ""
    days = (g.due_at.astimezone(_IST).date() - now.astimezone(_IST).date()).days
    if sla == OVERDUE:
        late = -days
        return "overdue since today" if late <= 0 else f"overdue by {late} day{'s' if late != 1 else ''}"
    if days <= 0:
        return "due today"
    return "due tomorrow" if days == 1 else f"due in {days} days"


# --- the query ---------------------------------------------------------------------------------

def _conditions(r: _Reach, filters: InboxFilters, now: datetime, leave_out: str | None = None) -> list:
    G = Grievance
    where = [or_(r.mine, r.supervision)]
    if filters.status and leave_out != "status":
        where.append(G.status.in_(filters.status))
    if filters.sla and leave_out != "sla":
        where.append(sla_expression(now) == filters.sla)
    if filters.scope and leave_out != "scope":
        where.append(r.mine if filters.scope == MINE else and_(r.supervision, ~r.mine))
    if filters.department and leave_out != "department":
        where.append(G.department_id.in_(select(Department.id).where(Department.code == filters.department)))
    if filters.service:
        services = select(GrievanceTypeRow.id).join(Service, Service.id == GrievanceTypeRow.service_id).where(Service.code == filters.service)
        if filters.department:
            services = services.where(Service.department_id.in_(select(Department.id).where(Department.code == filters.department)))
        where.append(G.grievance_type_id.in_(services))
    if filters.channel and leave_out != "channel":
        where.append(G.channel == filters.channel)
    if filters.district:
        where.append(G.district_id.in_(select(District.id).where(District.name_en == filters.district)))
    if filters.taluk:
        taluks = select(Taluk.id).where(Taluk.name_en == filters.taluk)
        if filters.district:
            taluks = taluks.where(Taluk.district_id.in_(select(District.id).where(District.name_en == filters.district)))
        where.append(G.taluk_id.in_(taluks))
    return where


def _facet(session, r: _Reach, filters: InboxFilters, now, name: str) -> dict:
    G = Grievance
    column = {"status": G.status, "sla": sla_expression(now), "channel": G.channel, "department": Department.code,
              "scope": case((r.mine, literal(MINE)), else_=literal(SUPERVISION))}[name].label("value")
    query = select(column, func.count()).select_from(G)
    if name == "department":
        query = query.join(Department, Department.id == G.department_id)
    query = query.where(*_conditions(r, filters, now, leave_out=name)).group_by(column)
    return {value: n for value, n in session.execute(query).all()}


def grievances_for(session: Session, officer: Officer, filters: InboxFilters | None = None,
                   now: datetime | None = None) -> tuple[list[InboxRow], int, dict]:
    """One page of the officer's inbox, the number of grievances matching the filters, and for each facet
    (status, sla, scope, department, channel) the count per value with every other filter applied."""
    filters = filters or InboxFilters()
    now = now or clock.now()
    r = reach(session, officer)
    G = Grievance
    where = _conditions(r, filters, now)
    total = session.scalar(select(func.count()).select_from(G).where(*where)) or 0
    scope = case((r.mine, literal(MINE)), else_=literal(SUPERVISION)).label("scope")
    sla = sla_expression(now).label("sla")
    query = (select(G, scope, sla).where(*where).order_by(*SORTS[filters.sort])
             .offset((filters.page - 1) * filters.page_size).limit(filters.page_size)
             .options(joinedload(G.grievance_type).joinedload(GrievanceTypeRow.service), joinedload(G.department),
                      joinedload(G.district), joinedload(G.taluk), joinedload(G.assigned_post)))
    rows = [InboxRow(g, s, state) for g, s, state in session.execute(query).unique().all()]
    counts = {name: _facet(session, r, filters, now, name) for name in FACETS}
    return rows, total, counts


def page_count(total: int, filters: InboxFilters) -> int:
    return max(1, -(-total // filters.page_size))


def with_page(filters: InboxFilters, page: int) -> InboxFilters:
    return replace(filters, page=page)
