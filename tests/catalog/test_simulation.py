"""Dry-run simulation: filed grievances re-decided under a changed copy of the config, exact counts, no side effects."""
from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

import rules
from ipgrs import clock
from ipgrs.catalog.models import RulesetVersion
from ipgrs.catalog.simulation import SimulationError, simulate
from ipgrs.grievances import services
from ipgrs.grievances.models import Grievance, GrievanceEvent
from ipgrs.notifications.models import Notification
from tests.factories import make_citizen, rtc_filing

FUTURE = timedelta(days=4 * 365)  # a year no other test files in, so the date range holds only these grievances
RULE_1 = "Bengaluru Urban land records go to the special tahsildar"


@pytest.fixture
def filed(db_session):
    """Five RTC grievances: three in Anekal (rule 1: special tahsildar), two in Hunsur (the catch-all: tahsildar)."""
    with clock.travel(FUTURE):
        anekal = make_citizen(db_session)
        hunsur = make_citizen(db_session, district="Mysuru", taluk="Hunsur", pincode="571105")
        grievances = [services.file_grievance(db_session, c, rtc_filing()) for c in (anekal, hunsur, anekal, hunsur, anekal)]
        today = clock.now().astimezone(ZoneInfo("Asia/Kolkata")).date()  # the simulation's dates are Indian days
    assert [g.assigned_post.code for g in grievances] == ["SPL_TAHSILDAR", "TAHSILDAR"] * 2 + ["SPL_TAHSILDAR"]
    return grievances, today


def draft(config_dir, old: str, new: str) -> rules.Catalogue:
    path = config_dir / "departments" / "rev.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    return rules.load_directory(config_dir)


def rows(session, grievances) -> list[tuple]:
    ids = [g.id for g in grievances]
    return [tuple(r) for r in session.execute(
        select(Grievance.id, Grievance.decision, Grievance.assigned_post_id, Grievance.status, Grievance.due_at,
               Grievance.row_version, Grievance.updated_at, Grievance.ruleset_version_id).where(Grievance.id.in_(ids))
        .order_by(Grievance.id))]


def counts(session) -> tuple:
    return tuple(session.scalar(select(func.count()).select_from(model))
                 for model in (Grievance, GrievanceEvent, Notification, RulesetVersion))


def test_unchanged_config_changes_nothing(db_session, filed, config_dir):
    grievances, day = filed
    report = simulate(db_session, rules.load_directory(config_dir), "REV", since=day)
    assert (report.total, report.changed, report.changed_route, report.changed_timeline, report.changed_escalation) == (5, 0, 0, 0, 0)
    assert report.examples == []


def test_a_changed_target_post(db_session, filed, config_dir, app, monkeypatch):
    grievances, day = filed
    catalogue = draft(config_dir, "    assign: SPL_TAHSILDAR\n", "    assign: AC\n")
    before, totals = rows(db_session, grievances), counts(db_session)
    live = app.extensions["ipgrs.rules"]
    live_version = live.engine.version
    live_names = {r.name for c in live.engine._current.compiled.values() for r in c.rulesets.values()}

    closed = []
    original_close = rules.Engine.close

    def watched_close(engine):
        rulesets = [r for c in engine._current.compiled.values() for r in c.rulesets.values()]
        original_close(engine)
        closed.append(rulesets)

    monkeypatch.setattr(rules.Engine, "close", watched_close)
    statements = []
    connection = db_session.connection()
    listener = lambda conn, cursor, statement, *args: statements.append(statement)  # noqa: E731
    sa.event.listen(connection, "before_cursor_execute", listener)
    progress = []
    try:
        report = simulate(db_session, catalogue, "REV", since=day, until=day, progress=lambda done, total: progress.append((done, total)))
    finally:
        sa.event.remove(connection, "before_cursor_execute", listener)

    # Anekal's three move from the special tahsildar (chain SPL → AC → DC → SEC) to the AC (AC → DC → SEC)
    assert (report.total, report.changed, report.changed_route, report.changed_escalation, report.changed_timeline) == (5, 3, 3, 3, 3)
    assert progress[-1] == (5, 5) and len(progress) == 5
    example = report.examples[0]
    assert example["number"] == grievances[4].number  # newest first
    assert example["changes"] == ["route", "timeline", "escalation"]
    assert example["old"] == {"post": "SPL_TAHSILDAR", "jurisdiction": "Anekal, Bengaluru Urban", "timeline_days": [10, 7, 5, 5],
                              "escalation": ["SPL_TAHSILDAR", "AC", "DC", "SEC"], "priority": "normal", "rules": [RULE_1],
                              "version_id": grievances[4].ruleset_version_id}
    assert example["new"] == {"post": "AC", "jurisdiction": "Bengaluru Urban", "timeline_days": [10, 7, 5],
                              "escalation": ["AC", "DC", "SEC"], "priority": "normal", "rules": [RULE_1]}
    assert {e["number"] for e in report.examples} == {grievances[i].number for i in (0, 2, 4)}
    assert report.to_dict()["changed_route"] == 3 and report.to_dict()["examples"] == report.examples

    # no side effects: only SELECTs ran, no row changed, the live engine is untouched, the throw-away one is gone
    assert statements and all(s.lstrip().upper().startswith("SELECT") for s in statements), statements
    assert not db_session.new and not db_session.dirty and not db_session.deleted
    assert rows(db_session, grievances) == before and counts(db_session) == totals
    assert live.engine.version == live_version
    [rulesets] = closed
    assert rulesets and all(r.retired for r in rulesets)
    assert not {r.name for r in rulesets} & live_names


def test_a_changed_timeline(db_session, filed, config_dir):
    _, day = filed
    catalogue = draft(config_dir, "    timeline: {days: 10}\n    grievances:\n      - code: REV_RTC_NOT_ISSUED",
                      "    timeline: {days: 12}\n    grievances:\n      - code: REV_RTC_NOT_ISSUED")
    report = simulate(db_session, catalogue, "REV", since=day)
    assert (report.total, report.changed_route, report.changed_timeline, report.changed_escalation) == (5, 0, 5, 0)
    assert report.examples[0]["old"]["timeline_days"][0] == 10 and report.examples[0]["new"]["timeline_days"][0] == 12


def test_limit_and_date_range(db_session, filed, config_dir):
    grievances, day = filed
    catalogue = draft(config_dir, "    assign: SPL_TAHSILDAR\n", "    assign: AC\n")
    report = simulate(db_session, catalogue, "REV", since=day, limit=2)
    assert report.total == 2 and report.changed_route == 1  # the newest two: Anekal (changes) and Hunsur (does not)
    assert simulate(db_session, catalogue, "REV", since=day + timedelta(days=1)).total == 0
    assert simulate(db_session, catalogue, "REV", since=date(2000, 1, 1), until=day - timedelta(days=1)).changed == 0
    assert simulate(db_session, catalogue, "AGRI", since=day).total == 0
    with pytest.raises(SimulationError, match="the draft has no department NOPE"):
        simulate(db_session, catalogue, "NOPE")


def test_facts_are_rebuilt_for_grievances_without_stored_facts(db_session, filed, config_dir):
    """Rows whose decision has no facts are re-decided from the grievance row, as filing built them."""
    from ipgrs.catalog.simulation import facts_of

    grievances, day = filed
    g = grievances[0]
    stored = g.decision["facts"]
    g.decision = {k: v for k, v in g.decision.items() if k != "facts"}
    db_session.flush()
    rebuilt = facts_of(g)
    assert rebuilt["grievance"] == stored["grievance"] and rebuilt["location"]["district"] == stored["location"]["district"]
    assert rebuilt["location"]["taluk"] == stored["location"]["taluk"] and rebuilt["form"] == stored["form"]
    assert rebuilt["category"] == stored["category"] and rebuilt["channel"] == stored["channel"]
    catalogue = draft(config_dir, "    assign: SPL_TAHSILDAR\n", "    assign: AC\n")
    assert simulate(db_session, catalogue, "REV", since=day).changed_route == 3


def test_the_throwaway_engine_is_closed_when_the_simulation_fails(db_session, filed, config_dir, monkeypatch):
    from ipgrs.catalog import simulation

    _, day = filed
    engines = []
    original_close = rules.Engine.close

    def watched_close(engine):
        engines.append([r for c in engine._current.compiled.values() for r in c.rulesets.values()])
        original_close(engine)

    def broken(*args, **kwargs):
        raise RuntimeError("simulated failure")

    monkeypatch.setattr(rules.Engine, "close", watched_close)
    monkeypatch.setattr(simulation, "_compare", broken)
    with pytest.raises(RuntimeError, match="simulated failure"):
        simulate(db_session, rules.load_directory(config_dir), "REV", since=day)
    [rulesets] = engines
    assert rulesets and all(r.retired for r in rulesets)
