"""Beat tasks of the dashboards: rebuild the rollup; the weekly pendency report to nodal officers."""
from __future__ import annotations

from ..tasks import celery


@celery.task(name="ipgrs.dashboards.refresh")
def refresh() -> dict:
    from ..extensions import db
    from .rollups import refresh as rebuild

    record = rebuild(db.session)
    return {"as_of": record.as_of.isoformat(), "rows": record.rows, "grievances": record.grievances, "seconds": record.seconds}


@celery.task(name="ipgrs.dashboards.weekly_pendency")
def weekly_pendency() -> dict:
    from ..extensions import db
    from .reports import weekly_pendency as send

    return send(db.session)
