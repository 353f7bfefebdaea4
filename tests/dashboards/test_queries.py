"""Each dashboard figure on hand-made data, on SQLite and PostgreSQL, live and from the rollup."""
from __future__ import annotations

import pytest

from ipgrs.dashboards import queries, rollups, scope
from ipgrs.grievances.models import CHANNELS
from tests.dashboards.helpers import JANUARY, NOW


def _dashboard(session, live=True, who=None, **args):
    return queries.dashboard(session, who or scope.state(), queries.Filters.from_args({**JANUARY, **args}), live=live, now=NOW)


def _table(data, name, key="label"):
    return {r[key]: {k: v for k, v in r.items() if k not in ("drill",)} for r in data["tables"][name].rows}


def test_totals(db_session, six):
    k = _dashboard(db_session)["totals"]
    assert (k["grievances"], k["pending"], k["overdue"], k["resolved"], k["on_time"]) == (6, 4, 2, 2, 1)
    assert (k["sla_pct"], k["avg_days"]) == (50.0, 12.5)          # C in 5 days (on time), D in 20 (late)
    assert (k["ever_resolved"], k["reopened"], k["reopen_pct"]) == (3, 1, 33.3)
    assert (k["escalated"], k["critical"]) == (2, 0)
    assert (k["rated"], k["avg_rating"], k["satisfied"], k["satisfied_pct"]) == (2, 2.5, 1, 50.0)
    assert (k["cpgrams"], k["cpgrams_pct"]) == (2, 33.3)


def test_pendency_by_department_district_and_taluk(db_session, six):
    data = _dashboard(db_session)
    rev = _table(data, "pendency_department")["Revenue Department"] if "Revenue Department" in _table(data, "pendency_department") \
        else next(iter(_table(data, "pendency_department").values()))
    assert (rev["grievances"], rev["pending"], rev["overdue"]) == (6, 4, 2)
    assert [r["drill"] for r in data["tables"]["pendency_department"].rows] == [{"department": "REV", "measure": "pending"}]
    districts = _table(data, "pendency_district")
    assert {name: (r["grievances"], r["pending"], r["overdue"]) for name, r in districts.items()} == \
        {"Bengaluru Urban": (4, 3, 1), "Mysuru": (2, 1, 1)}
    taluks = _table(data, "pendency_taluk")
    assert {name: (r["pending"], r["overdue"]) for name, r in taluks.items()} == {"Anekal": (3, 1), "Hunsur": (1, 1)}


def test_sla_ageing_escalations(db_session, six):
    data = _dashboard(db_session)
    (sla,) = data["tables"]["sla_department"].rows
    assert (sla["resolved"], sla["on_time"], sla["sla_pct"], sla["avg_days"], sla["reopened"], sla["reopen_pct"]) == \
        (2, 1, 50.0, 12.5, 1, 33.3)
    assert [(r["key"], r["pending"]) for r in data["tables"]["ageing"].rows] == \
        [("0-7", 1), ("8-15", 1), ("16-30", 1), ("30+", 1)]      # A 2 days, B 12, F 17, E 31
    assert [(r["key"], r["escalated"]) for r in data["tables"]["escalations"].rows] == [(2, 2), ("critical", 0)]


def test_satisfaction_types_and_channels(db_session, six):
    data = _dashboard(db_session)
    (dept,) = data["tables"]["satisfaction_department"].rows
    assert (dept["rated"], dept["avg_rating"], dept["satisfied_pct"]) == (2, 2.5, 50.0)
    (post,) = data["tables"]["satisfaction_post"].rows             # C and E, both with the Tahsildar of Hunsur
    assert post["label"].startswith("Tahsildar") and (post["rated"], post["avg_rating"], post["satisfied_pct"]) == (2, 2.5, 50.0)
    assert [(r["drill"]["type"], r["grievances"]) for r in data["tables"]["top_types"].rows] == \
        [("REV_RTC_NOT_ISSUED", 4), ("REV_MUTATION_DELAY", 2)]
    assert [(r["key"], r["grievances"], r["share_pct"]) for r in data["tables"]["channels"].rows] == \
        [("WEB", 3, 50.0), ("CPGRAMS", 2, 33.3), ("HELPLINE_1902", 1, 16.7)]


def test_filters(db_session, six):
    assert _dashboard(db_session, channel="CPGRAMS")["totals"]["grievances"] == 2
    assert _dashboard(db_session, district="MYS")["totals"]["grievances"] == 2
    assert _dashboard(db_session, type="REV_MUTATION_DELAY")["totals"]["pending"] == 2
    assert _dashboard(db_session, department="ENERGY")["totals"]["grievances"] == 0
    assert _dashboard(db_session, **{"from": "2026-01-15", "to": "2026-01-20"})["totals"]["grievances"] == 2  # B and F
    assert _dashboard(db_session, type="NO_SUCH_TYPE")["totals"]["grievances"] == 0
    with pytest.raises(queries.FiltersInvalid) as info:
        queries.Filters.from_args({"from": "2026-13-01", "channel": "FAX", "measure": "everything"})
    assert set(info.value.errors) == {"from", "channel", "measure"}
    assert info.value.errors["channel"] == ["Channel: choose one of " + ", ".join(CHANNELS) + "."]
    with pytest.raises(queries.FiltersInvalid) as info:
        queries.Filters.from_args({"type": "X" * 49, "page": "0"}, lang="kn")
    assert info.value.errors == {"type": ["ಕುಂದುಕೊರತೆಯ ಪ್ರಕಾರ: ಗರಿಷ್ಠ 48 ಅಕ್ಷರಗಳು."],
                                 "page": ["ಪುಟ: 1 ರಿಂದ 100000 ರವರೆಗಿನ ಪೂರ್ಣ ಸಂಖ್ಯೆ ನೀಡಿ."]}


def test_rollup_refresh_equals_the_live_computation(db_session, six):
    record = rollups.refresh(db_session, now=NOW)
    assert record.grievances >= 6 and record.as_of == NOW
    # whole months (the monthly rollup), days (the daily one), both, an officer's scope and a type (daily only)
    for args in ({}, {"channel": "WEB"}, {"district": "BLU"}, {"from": "2026-01-06", "to": "2026-01-20"},
                 {"from": "2025-12-15", "to": "2026-02-10"}, {"from": "2026-01-01", "to": "2026-01-31"},
                 {"from": "2026-01-02"}, {"to": "2026-01-30"}, {"from": "", "to": ""}, {"type": "REV_RTC_NOT_ISSUED"}):
        for who in (scope.state(), scope.Scope(scope.DEPARTMENT, department_ids=frozenset({six["A"].department_id}))):
            live, rolled = _dashboard(db_session, live=True, who=who, **args), _dashboard(db_session, live=False, who=who, **args)
            assert live["totals"] == rolled["totals"], args
            for name in queries.TABLES:
                assert live["tables"][name].rows == rolled["tables"][name].rows, (name, args)
    assert [p.monthly for p in queries.plan(scope.state(), queries.Filters.from_args({"from": "2025-12-15", "to": "2026-02-10"}))] \
        == [True, False, False]
    assert rollups.latest(db_session).id == record.id


def test_drill_down_lists_the_grievances_behind_each_figure(db_session, six):
    def numbers(**args):
        rows, total = queries.grievance_list(db_session, scope.state(), queries.Filters.from_args({**JANUARY, **args}), now=NOW)
        assert total == len(rows)
        return {g.number for g in rows}

    n = {k: g.number for k, g in six.items()}
    assert numbers(measure="pending") == {n["A"], n["B"], n["E"], n["F"]}
    assert numbers(measure="overdue") == {n["B"], n["E"]}
    assert numbers(measure="on_time") == {n["C"]}
    assert numbers(measure="pending", age="16-30") == {n["F"]}
    assert numbers(measure="escalated", level="2") == {n["E"], n["F"]}
    assert numbers(channel="CPGRAMS") == {n["B"], n["E"]}
    assert numbers(measure="rated", district="MYS") == {n["C"], n["E"]}
    assert numbers(**{"from": "2026-01-01", "to": "2026-01-01"}) == {n["E"]}  # filed just after midnight IST
    taluk = six["A"].taluk_id
    assert numbers(measure="pending", taluk=str(taluk)) == {n["A"], n["B"], n["F"]}
