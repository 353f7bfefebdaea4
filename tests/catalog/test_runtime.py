"""The process's rules runtime keeps serving the version it has when a newer one cannot be loaded."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from ipgrs.catalog.models import RulesetVersion


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
def test_a_version_the_engine_cannot_compile_is_not_served(app, db_session, monkeypatch):
    runtime = app.extensions["ipgrs.rules"]
    runtime.refresh(db_session, force=True)
    serving = runtime.version_id
    latest = db_session.scalars(select(RulesetVersion).order_by(RulesetVersion.id.desc()).limit(1)).one()
    db_session.add(RulesetVersion(content_hash="f" * 64, snapshot=latest.snapshot, counts=latest.counts,
                                  message="compiles nowhere", published_by="tests"))
    db_session.commit()

    def refuse(catalogue):
        raise RuntimeError("durable-rules did not compile the ruleset (code 202)")

    monkeypatch.setattr(runtime.engine, "publish", refuse)
    runtime.refresh(db_session, force=True)
    assert runtime.version_id == serving
    facts = {"grievance": "REV_RTC_NOT_ISSUED", "category": "DELAY", "subcategory": "OVER_30_DAYS", "channel": "WEB",
             "location": {"district": "Mysuru", "taluk": "Hunsur"}, "citizen": {}, "form": {}}
    assert runtime.decide(facts).post == "TAHSILDAR"
