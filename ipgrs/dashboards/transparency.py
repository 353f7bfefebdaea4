"""The public transparency page's figures: per department and per district, from the rollup, with small counts
suppressed and no personal data (no names, numbers, posts or places below the district).

A count below SUPPRESS_BELOW is shown as "fewer than 5", and so is every figure derived from it (a share, an
average), so that no grievance and no citizen can be picked out. Cached per language until the rollup is
refreshed again."""
from __future__ import annotations

import threading

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..catalog.models import Department, District
from . import rollups
from .models import DashboardRollupMonth

SUPPRESS_BELOW = 5
SUPPRESSED = None  # rendered as "fewer than 5"
CACHE_SECONDS = 300

_cache: dict = {}
_lock = threading.Lock()


def _suppress(count: int):
    return count if count >= SUPPRESS_BELOW else SUPPRESSED


def _row(label: str, r) -> dict:
    received, resolved, on_time, rated = int(r.grievances), int(r.resolved), int(r.on_time), int(r.rated)
    return {
        "label": label,
        "received": _suppress(received),
        "resolved": _suppress(resolved),
        "on_time": _suppress(on_time),
        "on_time_pct": round(100.0 * on_time / resolved, 1) if resolved >= SUPPRESS_BELOW else SUPPRESSED,
        "avg_days": round(float(r.resolve_days) / resolved, 1) if resolved >= SUPPRESS_BELOW else SUPPRESSED,
        "avg_rating": round(int(r.rating_sum) / rated, 2) if rated >= SUPPRESS_BELOW else SUPPRESSED,
        "satisfied_pct": round(100.0 * int(r.satisfied) / rated, 1) if rated >= SUPPRESS_BELOW else SUPPRESSED,
    }


def figures(session: Session, lang: str = "en") -> dict:
    """{"as_of": datetime | None, "departments": [...], "districts": [...], "state": {...}} from the monthly rollup."""
    M = DashboardRollupMonth
    sums = [func.coalesce(func.sum(getattr(M, n)), 0).label(n)
            for n in ("grievances", "resolved", "on_time", "resolve_days", "rated", "rating_sum", "satisfied")]
    name = Department.name_kn if lang == "kn" else Department.name_en
    departments = session.execute(select(name.label("label"), *sums).join(Department, Department.id == M.department_id)
                                  .where(M.grain == "main").group_by(Department.id, name).order_by(name)).all()
    dname = District.name_kn if lang == "kn" else District.name_en
    districts = session.execute(select(dname.label("label"), *sums).join(District, District.id == M.district_id)
                                .where(M.grain == "district").group_by(District.id, dname).order_by(dname)).all()
    state = session.execute(select(*sums).where(M.grain == "main")).one()
    latest = rollups.latest(session)
    return {"as_of": latest.as_of if latest else None,
            "departments": [_row(r.label, r) for r in departments],
            "districts": [_row(r.label, r) for r in districts],
            "state": _row("Karnataka" if lang == "en" else "ಕರ್ನಾಟಕ", state)}


def cached(session: Session, lang: str, now_monotonic: float, namespace: str = "") -> dict:
    """The figures for `lang`, computed at most once per refresh of the rollup and per CACHE_SECONDS.
    `namespace` tells databases apart (the tests run two apps in one process)."""
    latest = rollups.latest(session)
    key = (namespace, lang, latest.id if latest else None, latest.as_of if latest else None)
    with _lock:
        hit = _cache.get(key)
        if hit and now_monotonic - hit[0] < CACHE_SECONDS:
            return hit[1]
    value = figures(session, lang)
    with _lock:
        for old in [k for k in _cache if k[:2] == key[:2] and k != key]:
            del _cache[old]
        _cache[key] = (now_monotonic, value)
    return value


def clear_cache() -> None:
    with _lock:
        _cache.clear()
