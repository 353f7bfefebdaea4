"""The dashboards' figures and the lists behind them: filters, one GROUP BY per breakdown over the rollup (or, for
tests and the rollup's own check, over the live rows), tables with labels in English or Kannada, and drill-downs.

Definitions (docs/dashboards.md): received = filed; pending = open, accepted, awaiting the citizen or reopened;
resolved = resolved or rejected (a resolution date, kept when closed); within timeline = resolved by the due
date of the level that held it and never escalated; reopen/appeal rate = reopened ÷ ever resolved; satisfaction =
the citizens' ratings (average of 1–5, and the share who said "satisfied") by department and by the post that
resolved it; the date range is the filing day in India Standard Time.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from datetime import date, datetime, time, timedelta, timezone
from typing import Mapping
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select, tuple_
from sqlalchemy.orm import Session, joinedload

from .. import clock
from ..catalog.models import Department, District, GrievanceType, Post, Taluk
from ..citizens.models import Citizen
from ..grievances.models import CHANNELS, Grievance
from . import i18n, rollups
from .models import DashboardRollupMonth
from .scope import POSTS, Scope

IST = ZoneInfo("Asia/Kolkata")
TOP = 15
TOP_TYPES = 10
PAGE_SIZE = 25
EXPORT_MAX_ROWS = 50_000
_TEXT_MAX = 48


# The label each filter has on the page (dashboards.i18n.TEXT keys), for the error that names it.
_FIELD_LABELS = {"type": "grievance_type"}


class FiltersInvalid(ValueError):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Filters:
    """What the dashboard shows (from, to, department, district, channel, type) and, for a drill-down list, the
    segment of a chart (measure, taluk, post, age, level)."""
    date_from: date | None = None
    date_to: date | None = None
    department: str | None = None     # department code
    district: str | None = None       # district code
    channel: str | None = None
    type: str | None = None           # grievance type code
    measure: str | None = None        # one of rollups.FLAGS
    taluk: int | None = None
    post: int | None = None
    age: str | None = None
    level: int | None = None
    page: int = 1

    @classmethod
    def from_args(cls, args: Mapping, lang: str = "en") -> "Filters":
        """Raises FiltersInvalid, its messages in `lang` and each naming its field as the page labels it."""
        errors: dict[str, list[str]] = {}
        values: dict = {}

        def say(field, key, **values):
            name = i18n.t(_FIELD_LABELS.get(field, field), lang)
            errors[field] = [i18n.t(key, lang, field=name, **values)]

        def text(name):
            value = str(args.get(name) or "").strip()
            if len(value) > _TEXT_MAX:
                say(name, "error_too_long", n=_TEXT_MAX)
                return None
            return value or None

        for name, key in (("date_from", "from"), ("date_to", "to")):
            raw = text(key)
            if raw:
                try:
                    values[name] = date.fromisoformat(raw)
                except ValueError:
                    say(key, "error_date")
        for name in ("department", "district", "channel", "type", "measure", "age"):
            values[name] = text(name)
        for name, allowed in (("channel", CHANNELS), ("measure", rollups.FLAGS), ("age", rollups.AGE_BUCKETS)):
            if values[name] and values[name] not in allowed:
                say(name, "error_choose", choices=", ".join(allowed))
        for name, high in (("taluk", 10**9), ("post", 10**9), ("level", 20), ("page", 100_000)):
            raw = text(name)
            if raw is None:
                continue
            if not raw.isdigit() or not 1 <= int(raw) <= high:
                say(name, "error_number", high=high)
            else:
                values[name] = int(raw)
        if values.get("date_from") and values.get("date_to") and values["date_from"] > values["date_to"]:
            say("to", "error_order", after=i18n.t("from", lang))
        if errors:
            raise FiltersInvalid(errors)
        return cls(**values)

    def args(self, segment: bool = False) -> dict:
        """Query-string arguments: the dashboard's filters (and with segment, the drill-down's too)."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if value in (None, "") or f.name == "page":
                continue
            if not segment and f.name in ("measure", "taluk", "post", "age", "level"):
                continue
            out[{"date_from": "from", "date_to": "to"}.get(f.name, f.name)] = value.isoformat() if isinstance(value, date) else value
        return out

    def dashboard_only(self) -> "Filters":
        return replace(self, measure=None, taluk=None, post=None, age=None, level=None, page=1)


@dataclass
class Table:
    name: str
    columns: list[tuple[str, str]]                  # (key, heading in the page's language)
    rows: list[dict] = field(default_factory=list)  # values by key; "label" first; "drill": segment arguments
    chart: dict = field(default_factory=dict)       # {"type": bar|doughnut, "value": key}

    def as_dict(self) -> dict:
        return asdict(self)


# --- sources and conditions ----------------------------------------------------------------------

@dataclass(frozen=True)
class _Part:
    """Where part of a dashboard's date range is read: the daily rollup (or live rows) by day, or the monthly one."""
    table: object
    date_column: str
    lo: date | None
    hi: date | None
    monthly: bool = False


def _month_start(d: date) -> date:
    return d.replace(day=1)


def _next_month(d: date) -> date:
    return (d.replace(day=28) + timedelta(days=4)).replace(day=1)


def plan(scope: Scope, filters: Filters, live: bool = False, source=None) -> list[_Part]:
    """Whole months from the monthly rollup, the days at either end from the daily one. Officers' scopes and
    filters by district, channel or grievance type read the daily rollup only (the monthly grains keep only the
    department besides what they group by)."""
    f, t = filters.date_from, filters.date_to
    if live or scope.kind == POSTS or filters.type or filters.district or filters.channel:
        return [_Part(source if source is not None else rollups.rollup_source(), "day", f, t)]
    daily, monthly = rollups.rollup_source(), DashboardRollupMonth.__table__
    first_full = None if f is None else (f if f.day == 1 else _next_month(f))
    last_full = None if t is None else (_month_start(t) if _next_month(t) - timedelta(days=1) == t
                                       else _month_start(_month_start(t) - timedelta(days=1)))
    if first_full is not None and last_full is not None and first_full > last_full:
        return [_Part(daily, "day", f, t)]
    parts = [_Part(monthly, "month", first_full, last_full, monthly=True)]
    if f is not None and f < first_full:
        parts.append(_Part(daily, "day", f, first_full - timedelta(days=1)))
    if t is not None and t >= _next_month(last_full):
        parts.append(_Part(daily, "day", _next_month(last_full), t))
    return parts


def _ids(session: Session, filters: Filters) -> dict:
    """Codes in the filters → ids (an unknown code matches nothing: -1)."""
    out = {}
    for name, model in (("department", Department), ("district", District), ("type", GrievanceType)):
        code = getattr(filters, name)
        if code:
            out[name] = session.scalar(select(model.id).where(model.code == code)) or -1
    return out


def _where(part: _Part, scope: Scope, filters: Filters, ids: dict, grain: str) -> list:
    c = part.table.c
    where = [scope.condition(part.table)]
    if part.monthly:
        where.append(c.grain == grain)
    if part.lo:
        where.append(c[part.date_column] >= part.lo)
    if part.hi:
        where.append(c[part.date_column] <= part.hi)
    if "department" in ids:
        where.append(c.department_id == ids["department"])
    if "district" in ids:
        where.append(c.district_id == ids["district"])
    if "type" in ids:
        where.append(c.grievance_type_id == ids["type"])
    if filters.channel:
        where.append(c.channel == filters.channel)
    return where


def source_for(session: Session, live: bool, now: datetime | None = None):
    return rollups.live_source(session, now) if live else rollups.rollup_source()


def _sums(source, *names):
    return [func.coalesce(func.sum(source.c[n]), 0).label(n) for n in names]


# What each grain groups by when read: the main grain also by department (the by-department tables).
_GRAIN_KEYS = {"main": ("department_id", "level", "age_bucket"), "district": ("district_id",), "channel": ("channel",),
               "taluk": ("taluk_id",), "post": ("post_id",), "type": ("grievance_type_id",)}


class _Reader:
    """Sums of every measure over the plan's parts: one query per grain and part (a dashboard is six to eighteen
    queries, not one per table), merged across parts, then grouped again in Python by what each table needs."""

    def __init__(self, session, scope, filters, live, now):
        self.session, self.scope, self.filters = session, scope, filters
        self.parts = plan(scope, filters, live, rollups.live_source(session, now) if live else None)
        self.ids = _ids(session, filters)
        self._cache: dict = {}

    def _add(self, merged: dict, keys, mapping) -> None:
        into = merged.setdefault(tuple(mapping[k] for k in keys), {n: 0 for n in ALL})
        for n in ALL:
            into[n] += mapping[n]

    def _load(self) -> None:
        merged = {grain: {} for grain in _GRAIN_KEYS}
        postgres = self.session.get_bind().dialect.name == "postgresql"
        for part in self.parts:
            src = part.table
            if postgres and not part.monthly:
                # The daily rollup (or live rows) in one scan: GROUPING SETS, one set per grain.
                columns = list(dict.fromkeys(k for keys in _GRAIN_KEYS.values() for k in keys))
                masks = {sum(1 << (len(columns) - 1 - i) for i, c in enumerate(columns) if c not in keys): grain
                         for grain, keys in _GRAIN_KEYS.items()}
                query = select(*[src.c[k].label(k) for k in columns],
                               func.grouping(*[src.c[k] for k in columns]).label("grouping_mask"), *_sums(src, *ALL)) \
                    .where(*_where(part, self.scope, self.filters, self.ids, "main")) \
                    .group_by(func.grouping_sets(*[tuple_(*[src.c[k] for k in keys]) for keys in _GRAIN_KEYS.values()]))
                for row in self.session.execute(query):
                    m = row._mapping
                    grain = masks[m["grouping_mask"]]
                    self._add(merged[grain], _GRAIN_KEYS[grain], m)
                continue
            for grain, keys in _GRAIN_KEYS.items():
                query = select(*[src.c[k].label(k) for k in keys], *_sums(src, *ALL)) \
                    .where(*_where(part, self.scope, self.filters, self.ids, grain)).group_by(*[src.c[k] for k in keys])
                for row in self.session.execute(query):
                    self._add(merged[grain], keys, row._mapping)
        self._cache = {grain: [dict(zip(_GRAIN_KEYS[grain], k)) | v for k, v in rows.items()]
                       for grain, rows in merged.items()}

    def _grain_rows(self, grain: str) -> list[dict]:
        if not self._cache:
            self._load()
        return self._cache[grain]

    def grouped(self, key: str | None, names, grain: str = "main", where=None) -> dict:
        """{key value: {measure: sum}} over the grain's rows that satisfy `where` (a Python predicate)."""
        out: dict = {}
        for row in self._grain_rows(grain):
            if where is not None and not where(row):
                continue
            into = out.setdefault(row[key] if key else None, {n: 0 for n in names})
            for n in names:
                into[n] += row[n]
        return out


def _rows(merged: dict) -> list[dict]:
    return [{"key": k, **v} for k, v in merged.items()]


def _pct(part, whole):
    return round(100.0 * part / whole, 1) if whole else None


def _avg(total, count, digits=1):
    return round(total / count, digits) if count else None


# --- the dashboard -------------------------------------------------------------------------------

ALL = ("grievances", "pending", "overdue", "resolved", "on_time", "resolve_days", "ever_resolved", "reopened",
       "escalated", "critical", "rated", "rating_sum", "satisfied")


def _names(session, model, ids, lang, code=False):
    ids = [i for i in ids if i is not None]
    if not ids:
        return {}
    rows = session.execute(select(model.id, model.name_en, model.name_kn, *([model.code] if code else []))
                           .where(model.id.in_(ids))).all()
    return {r.id: ((r.name_kn if lang == "kn" else r.name_en), (r.code if code else r.id)) for r in rows}


def totals(session: Session, scope: Scope, filters: Filters, live: bool = False, now=None, reader=None) -> dict:
    reader = reader or _Reader(session, scope, filters.dashboard_only(), live, now)
    row = reader.grouped(None, ALL).get(None, {n: 0 for n in ALL})
    cpgrams = reader.grouped(None, ("grievances",), grain="channel",
                             where=lambda r: r["channel"] == "CPGRAMS").get(None, {"grievances": 0})
    cpgrams = cpgrams["grievances"]
    return _derived(dict(row)) | {"cpgrams": int(cpgrams), "cpgrams_pct": _pct(cpgrams, row["grievances"])}


def _derived(r: dict) -> dict:
    r = {k: (round(v, 3) if isinstance(v, float) else (int(v) if isinstance(v, (int, float)) else v)) for k, v in r.items()}
    return r | {"sla_pct": _pct(r.get("on_time", 0), r.get("resolved", 0)),
                "avg_days": _avg(r.get("resolve_days", 0), r.get("resolved", 0)),
                "reopen_pct": _pct(r.get("reopened", 0), r.get("ever_resolved", 0)),
                "avg_rating": _avg(r.get("rating_sum", 0), r.get("rated", 0), 2),
                "satisfied_pct": _pct(r.get("satisfied", 0), r.get("rated", 0))}


def dashboard(session: Session, scope: Scope, filters: Filters, lang: str = "en", live: bool = False,
              now: datetime | None = None) -> dict:
    """Every table of the dashboard, and the totals. `live` computes from the grievances (at `now`) instead of
    the rollups; both give the same figures when the rollups were refreshed at `now`."""
    filters = filters.dashboard_only()
    reader = _Reader(session, scope, filters, live, now)
    T = lambda key: i18n.t(key, lang)  # noqa: E731
    tables: dict[str, Table] = {}

    by_dept = _rows(reader.grouped("department_id", ALL))
    depts = _names(session, Department, [r["key"] for r in by_dept], lang, code=True)
    by_dept = [_derived(r) | {"label": depts.get(r["key"], ("?", None))[0], "code": depts.get(r["key"], ("?", None))[1]}
               for r in by_dept]
    by_dept.sort(key=lambda r: (-r["pending"], r["label"]))
    tables["pendency_department"] = Table("pendency_department", [("label", T("department")), ("grievances", T("received")),
                                          ("pending", T("pending")), ("overdue", T("overdue"))],
                                          [r | {"drill": {"department": r["code"], "measure": "pending"}} for r in by_dept],
                                          {"type": "bar", "value": "pending"})
    sla = sorted([r for r in by_dept if r["resolved"]], key=lambda r: (-(r["sla_pct"] or 0), r["label"]))
    tables["sla_department"] = Table("sla_department", [("label", T("department")), ("resolved", T("resolved")),
                                     ("on_time", T("on_time")), ("sla_pct", T("sla_pct")), ("avg_days", T("avg_days")),
                                     ("reopened", T("reopened")), ("reopen_pct", T("reopen_pct"))],
                                     [r | {"drill": {"department": r["code"], "measure": "resolved"}} for r in sla],
                                     {"type": "bar", "value": "sla_pct", "max": 100})
    rated = sorted([r for r in by_dept if r["rated"]], key=lambda r: (-(r["avg_rating"] or 0), r["label"]))
    tables["satisfaction_department"] = Table("satisfaction_department", [("label", T("department")), ("rated", T("rated")),
                                              ("avg_rating", T("avg_rating")), ("satisfied_pct", T("satisfied_pct"))],
                                              [r | {"drill": {"department": r["code"], "measure": "rated"}} for r in rated],
                                              {"type": "bar", "value": "avg_rating", "max": 5})

    by_district = _rows(reader.grouped("district_id", ("grievances", "pending", "overdue"), grain="district"))
    districts = _names(session, District, [r["key"] for r in by_district], lang, code=True)
    rows = []
    for r in by_district:
        label, code = districts.get(r["key"], (T("unknown"), None))
        rows.append(_derived(r) | {"label": label, "code": code,
                                   "drill": {"district": code, "measure": "pending"} if code else {"measure": "pending"}})
    rows.sort(key=lambda r: (-r["pending"], r["label"]))
    tables["pendency_district"] = Table("pendency_district", [("label", T("district")), ("grievances", T("received")),
                                        ("pending", T("pending")), ("overdue", T("overdue"))], rows,
                                        {"type": "bar", "value": "pending"})

    by_taluk = [r for r in _rows(reader.grouped("taluk_id", ("pending", "overdue"), grain="taluk")) if r["pending"] > 0]
    taluks = _names(session, Taluk, [r["key"] for r in by_taluk], lang)
    taluk_rows = [_derived(r) | {"label": taluks.get(r["key"], (T("unknown"),))[0],
                                 "drill": {"taluk": r["key"], "measure": "pending"} if r["key"] else {"measure": "pending"}}
                  for r in by_taluk]
    taluk_rows.sort(key=lambda r: (-r["pending"], r["key"] or 0))
    tables["pendency_taluk"] = Table("pendency_taluk", [("label", T("taluk")), ("pending", T("pending")), ("overdue", T("overdue"))],
                                     taluk_rows[:TOP], {"type": "bar", "value": "pending"})

    ageing = {k: v["pending"] for k, v in reader.grouped("age_bucket", ("pending",)).items()}
    tables["ageing"] = Table("ageing", [("label", T("age")), ("pending", T("pending"))],
                             [{"label": i18n.pair(i18n.AGE_NAMES, b, lang), "key": b, "pending": int(ageing.get(b, 0)),
                               "drill": {"age": b, "measure": "pending"}} for b in rollups.AGE_BUCKETS],
                             {"type": "bar", "value": "pending"})

    levels = reader.grouped("level", ("escalated",))
    esc_rows = [{"label": i18n.level_name(k, lang), "key": k, "escalated": int(v["escalated"]),
                 "drill": {"level": k, "measure": "escalated"}} for k, v in sorted(levels.items()) if v["escalated"]]
    critical = reader.grouped(None, ("critical",)).get(None, {"critical": 0})["critical"]
    esc_rows.append({"label": i18n.level_name("critical", lang), "key": "critical", "escalated": int(critical),
                     "drill": {"measure": "critical"}})
    tables["escalations"] = Table("escalations", [("label", T("level")), ("escalated", T("escalated"))], esc_rows,
                                  {"type": "bar", "value": "escalated"})

    by_post = [r for r in _rows(reader.grouped("post_id", ("rated", "rating_sum", "satisfied"), grain="post")) if r["rated"] > 0]
    by_post.sort(key=lambda r: (-r["rated"], r["key"]))
    by_post = by_post[:TOP]
    post_rows = session.execute(select(Post.id, Post.name_en, Post.name_kn, Department.code)
                                .join(Department, Department.id == Post.department_id)
                                .where(Post.id.in_([r["key"] for r in by_post] or [-1]))).all()
    posts = {p.id: f"{p.name_kn if lang == 'kn' else p.name_en} ({p.code})" for p in post_rows}
    tables["satisfaction_post"] = Table("satisfaction_post", [("label", T("post")), ("rated", T("rated")),
                                        ("avg_rating", T("avg_rating")), ("satisfied_pct", T("satisfied_pct"))],
                                        sorted([_derived(r) | {"label": posts.get(r["key"], "?"),
                                                               "drill": {"post": r["key"], "measure": "rated"}} for r in by_post],
                                               key=lambda r: (-(r["avg_rating"] or 0), r["label"])),
                                        {"type": "bar", "value": "avg_rating", "max": 5})

    by_type = [r for r in _rows(reader.grouped("grievance_type_id", ("grievances",), grain="type")) if r["grievances"]]
    by_type.sort(key=lambda r: (-r["grievances"], r["key"]))
    by_type = by_type[:TOP_TYPES]
    types = _names(session, GrievanceType, [r["key"] for r in by_type], lang, code=True)
    tables["top_types"] = Table("top_types", [("label", T("grievance_type")), ("grievances", T("received"))],
                                [{"label": types.get(r["key"], ("?", None))[0], "grievances": int(r["grievances"]),
                                  "drill": {"type": types.get(r["key"], ("?", None))[1]}} for r in by_type],
                                {"type": "bar", "value": "grievances"})

    by_channel = [r for r in _rows(reader.grouped("channel", ("grievances",), grain="channel")) if r["grievances"]]
    by_channel.sort(key=lambda r: (-r["grievances"], r["key"]))
    total = sum(r["grievances"] for r in by_channel)
    tables["channels"] = Table("channels", [("label", T("channel")), ("grievances", T("received")), ("share_pct", T("share_pct"))],
                               [{"label": i18n.pair(i18n.CHANNEL_NAMES, r["key"], lang), "key": r["key"],
                                 "grievances": int(r["grievances"]), "share_pct": _pct(r["grievances"], total),
                                 "drill": {"channel": r["key"]}} for r in by_channel],
                               {"type": "doughnut", "value": "grievances"})
    return {"totals": totals(session, scope, filters, live=live, now=now, reader=reader), "tables": tables}


TABLES = ("pendency_department", "pendency_district", "pendency_taluk", "sla_department", "ageing", "escalations",
          "satisfaction_department", "satisfaction_post", "top_types", "channels")


# --- the list behind a figure --------------------------------------------------------------------

def _ist_start(day: date) -> datetime:
    return datetime.combine(day, time(0), IST).astimezone(timezone.utc)


def grievance_query(session: Session, scope: Scope, filters: Filters, now: datetime | None = None):
    """The grievances behind a figure, live: the dashboard's filters, the figure's segment and the scope."""
    now = now or clock.now()
    dialect = session.get_bind().dialect.name
    G = Grievance
    flags = rollups.conditions(dialect, now)

    class _Cols:  # the scope condition expects a source with these columns
        c = type("C", (), {"department_id": G.department_id, "post_id": G.assigned_post_id,
                           "district_id": G.district_id, "taluk_id": G.taluk_id})

    ids = _ids(session, filters)
    where = [scope.condition(_Cols)]
    if filters.date_from:
        where.append(G.created_at >= _ist_start(filters.date_from))
    if filters.date_to:
        where.append(G.created_at < _ist_start(filters.date_to + timedelta(days=1)))
    for name, column in (("department", G.department_id), ("district", G.district_id), ("type", G.grievance_type_id)):
        if name in ids:
            where.append(column == ids[name])
    if filters.channel:
        where.append(G.channel == filters.channel)
    if filters.measure:
        where.append(flags[filters.measure])
    if filters.taluk:
        where.append(G.taluk_id == filters.taluk)
    if filters.post:
        where.append(G.assigned_post_id == filters.post)
    if filters.level:
        where.append(G.level == filters.level)
    if filters.age:
        where.append(rollups.age_bucket(dialect, now) == filters.age)
    return where


def grievance_list(session: Session, scope: Scope, filters: Filters, now: datetime | None = None,
                   page_size: int = PAGE_SIZE) -> tuple[list[Grievance], int]:
    where = grievance_query(session, scope, filters, now)
    G = Grievance
    total = session.scalar(select(func.count()).select_from(G).where(*where)) or 0
    rows = session.scalars(select(G).where(*where).order_by(G.created_at.desc(), G.id.desc())
                           .offset((filters.page - 1) * page_size).limit(page_size)
                           .options(joinedload(G.grievance_type), joinedload(G.department), joinedload(G.district),
                                    joinedload(G.taluk), joinedload(G.assigned_post))).all()
    return list(rows), total


LIST_COLUMNS = ("number", "filed_on", "department", "grievance_type", "district", "taluk", "channel", "status", "level",
                "post", "due", "resolved_on", "rating")


def list_rows(session: Session, scope: Scope, filters: Filters, lang: str = "en", now=None,
              limit: int = EXPORT_MAX_ROWS) -> tuple[list[tuple[str, str]], list[dict]]:
    """The list as plain rows for an export: headings and values. Mobile numbers only for officers."""
    from ..portal.i18n import STATUS

    where = grievance_query(session, scope, filters, now)
    G = Grievance
    columns = list(LIST_COLUMNS) + (["mobile"] if scope.sees_mobiles else [])
    query = (select(G, Citizen.mobile).join(Citizen, Citizen.id == G.citizen_id).where(*where)
             .order_by(G.created_at.desc(), G.id.desc()).limit(limit)
             .options(joinedload(G.grievance_type), joinedload(G.department), joinedload(G.district),
                      joinedload(G.taluk), joinedload(G.assigned_post)))
    pick = (lambda row: row.name_kn) if lang == "kn" else (lambda row: row.name_en)
    out = []
    for g, mobile in session.execute(query).unique():
        row = {"number": g.number, "filed_on": _local(g.created_at), "department": pick(g.department),
               "grievance_type": pick(g.grievance_type), "district": pick(g.district) if g.district else "",
               "taluk": pick(g.taluk) if g.taluk else "", "channel": i18n.pair(i18n.CHANNEL_NAMES, g.channel, lang),
               "status": i18n.pair(STATUS, g.status, lang), "level": g.level, "post": pick(g.assigned_post),
               "due": _local(g.due_at), "resolved_on": _local(g.resolved_at) if g.resolved_at else "",
               "rating": g.rating if g.rating is not None else ""}
        if scope.sees_mobiles:
            row["mobile"] = mobile
        out.append(row)
    return [(c, i18n.t(c, lang)) for c in columns], out


def _local(value: datetime | None) -> str:
    return value.astimezone(IST).strftime("%Y-%m-%d") if value else ""
