"""The demo history (`ipgrs seed-demo --history N`, and `make run`'s first start, which seeds while citizens file)."""
from __future__ import annotations

from collections import Counter

from sqlalchemy import func, select

from ipgrs.dashboards.history import seed_history
from ipgrs.grievances.models import Grievance, GrievanceEvent
from tests.officers.helpers import rtc_in_anekal


def test_history_takes_ids_from_the_database_so_filings_before_and_after_it_keep_theirs(db_session):
    before = rtc_in_anekal(db_session)
    written = seed_history(db_session, 60, days=90)
    after = rtc_in_anekal(db_session)  # the id sequence (PostgreSQL) carries on past the history

    history = db_session.scalars(select(Grievance).where(Grievance.id > before.id, Grievance.id < after.id)).all()
    assert written["grievances"] == len(history) > 40  # a type whose rules need form answers is skipped
    assert before.number == f"KA-{before.created_at.year}-{before.id:08d}"
    assert after.number == f"KA-{after.created_at.year}-{after.id:08d}"
    assert all(g.number == f"KA-{g.created_at.year}-{g.id:08d}" for g in history)

    kinds = {g.id: Counter() for g in history}
    for grievance_id, kind in db_session.execute(select(GrievanceEvent.grievance_id, GrievanceEvent.kind)
                                                 .where(GrievanceEvent.grievance_id.in_(kinds))):
        kinds[grievance_id][kind] += 1
    assert all(k["filed"] == 1 and k["assigned"] == 1 for k in kinds.values())
    assert db_session.scalar(select(func.count()).select_from(GrievanceEvent)) >= written["events"]
    assert sum(sum(k.values()) for k in kinds.values()) == written["events"]
