"""The durable-rules engine decides like the plain first-match evaluator, safely across threads and publishes."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rules
from rules import reference
from rules.engine import CompiledDepartment
from tests.factories import department, write_config


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory):
    return rules.load_directory(write_config(tmp_path_factory.mktemp("cfg"), {"tst.yaml": department()}))


@pytest.fixture
def engine(catalogue):
    engine = rules.Engine(catalogue)
    yield engine
    engine.close()


def test_first_matching_rule_decides(engine):
    d = engine.decide({"grievance": "TST_RTC", "location": {"district": "Bengaluru Urban", "taluk": "Anekal"}})
    assert d.post == "SPL"
    assert d.escalation == ("SPL", "DO", "SEC")
    assert d.timeline_days == (21, 7, 5)
    assert d.priority == "normal"
    assert d.rules_fired == ("Bengaluru Urban land records go to the special officer",)
    assert d.department == "TST" and d.grievance == "TST_RTC"


def test_condition_on_citizen_age_and_priority(engine):
    senior = engine.decide({"grievance": "TST_PENSION_DELAY", "citizen": {"age": 67}})
    assert (senior.post, senior.priority, senior.escalation, senior.timeline_days) == ("DO", "high", ("DO", "SEC"), (15, 7))
    young = engine.decide({"grievance": "TST_PENSION_DELAY", "citizen": {"age": 30}})
    assert (young.post, young.priority) == ("LMF", "normal")
    assert young.rules_fired == ("Everything else goes to the taluk",)
    unknown_age = engine.decide({"grievance": "TST_PENSION_DELAY"})
    assert unknown_age.post == "LMF"


def test_unknown_grievance_type_and_no_match(engine, tmp_path):
    with pytest.raises(rules.UnknownGrievanceType):
        engine.decide({"grievance": "NOPE"})
    d = department()
    d["routing"] = [{"name": "only Mysuru", "when": {"location.district": "Mysuru"}, "assign": "LMF"}]
    strict = rules.Engine(rules.load_directory(write_config(tmp_path, {"tst.yaml": d})))
    with pytest.raises(rules.NoRuleMatched):
        strict.decide({"grievance": "TST_RTC", "location": {"district": "Bengaluru Urban"}})
    assert strict.decide({"grievance": "TST_RTC", "location": {"district": "Mysuru"}}).post == "LMF"
    strict.close()


# --- the durable-rules path agrees with the plain evaluator on every operator ------------------

CONDITIONS = [
    {"citizen.age": {"gte": 60}},
    {"citizen.age": {"gt": 60, "lte": 80}},
    {"not": {"citizen.age": {"lt": 18}}},
    {"citizen.gender": ["female", "transgender"]},
    {"citizen.gender": {"ne": "male"}},
    {"not": {"citizen.gender": "male"}},
    {"form.survey_number": {"matches": "^[0-9]+/[A-Z]$"}},
    {"not": {"form.survey_number": {"matches": "^9"}}},
    {"form.land_area": {"present": True}},
    {"form.land_area": {"present": False}},
    {"any": [{"location.district": "Mysuru"}, {"all": [{"channel": "HELPLINE_1902"}, {"citizen.age": {"gte": 70}}]}]},
    {"not": {"any": [{"channel": ["WEB", "APP"]}, {"form.land_area": {"gt": 10}}]}},
    {"not": {"all": [{"location.taluk": "Anekal"}, {"not": {"citizen.disabled": True}}]}},
    {"citizen.age": {"in": [60, 61, 62]}},
    {"category": "DELAY", "subcategory": {"ne": "OVER_30"}},
]

facts_strategy = st.fixed_dictionaries({}, optional={
    "citizen.age": st.one_of(st.integers(0, 100), st.floats(0, 100, allow_nan=False), st.text(max_size=3), st.booleans()),
    "citizen.gender": st.sampled_from(["female", "male", "transgender", ""]),
    "citizen.disabled": st.booleans(),
    "form.survey_number": st.one_of(st.sampled_from(["12/A", "9/B", "123", "x/Y"]), st.integers(0, 99)),
    "form.land_area": st.one_of(st.integers(0, 20), st.floats(0, 20, allow_nan=False)),
    "location.district": st.sampled_from(["Mysuru", "Bengaluru Urban"]),
    "location.taluk": st.sampled_from(["Anekal", "Hunsur"]),
    "channel": st.sampled_from(["WEB", "APP", "HELPLINE_1902", "CMO"]),
    "category": st.sampled_from(["DELAY"]),
    "subcategory": st.sampled_from(["OVER_30", "OTHER"]),
})


@pytest.fixture(scope="module")
def operator_catalogue(tmp_path_factory):
    d = department()
    d["routing"] = [{"name": f"rule {i}", "when": c, "assign": "SPL"} for i, c in enumerate(CONDITIONS)]
    d["routing"].append({"name": "the rest", "assign": "LMF"})
    return rules.load_directory(write_config(tmp_path_factory.mktemp("ops"), {"tst.yaml": d}))


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(facts=facts_strategy)
def test_durable_rules_and_the_plain_evaluator_agree(operator_catalogue, facts):
    engine = _operator_engine(operator_catalogue)
    facts = {k: v for k, v in facts.items() if v != ""}
    nested = {"grievance": "TST_RTC"}
    for key, value in facts.items():
        root, _, leaf = key.partition(".")
        if leaf:
            nested.setdefault(root, {})[leaf] = value
        else:
            nested[key] = value
    assert engine.decide(nested) == reference.decide(operator_catalogue, nested)


_engines: dict = {}


def _operator_engine(catalogue):
    if catalogue.version not in _engines:
        _engines[catalogue.version] = rules.Engine(catalogue)
    return _engines[catalogue.version]


def test_each_operator_rule_can_fire(operator_catalogue):
    """Guards the agreement test against a catalogue in which everything falls through to the last rule."""
    engine = _operator_engine(operator_catalogue)
    fired = set()
    samples = [
        {"citizen": {"age": 65}}, {"citizen": {"age": 70}}, {"citizen": {"age": 5, "gender": "female"}},
        {"citizen": {"age": 5, "gender": "male"}, "form": {"survey_number": "12/A"}},
        {"citizen": {"age": 5, "gender": "male"}, "form": {"survey_number": "9", "land_area": 3}},
    ]
    for facts in samples:
        fired.add(engine.decide({"grievance": "TST_RTC", **facts}).rules_fired[0])
    assert len(fired) >= 4, fired


# --- threads and publishing ---------------------------------------------------------------------

def test_eight_threads_each_get_their_own_decision(engine):
    cases = [
        ({"grievance": "TST_RTC", "location": {"district": "Bengaluru Urban"}}, "SPL"),
        ({"grievance": "TST_RTC", "location": {"district": "Mysuru"}}, "LMF"),
        ({"grievance": "TST_PENSION_DELAY", "citizen": {"age": 75}}, "DO"),
        ({"grievance": "TST_PENSION_DELAY", "citizen": {"age": 25}}, "LMF"),
    ]
    barrier = threading.Barrier(8)

    def worker(n):
        barrier.wait()
        wrong = 0
        for i in range(2000):
            facts, expected = cases[(n + i) % len(cases)]
            if engine.decide(facts).post != expected:
                wrong += 1
        return wrong

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(worker, range(8))) == [0] * 8


def test_publish_swaps_versions_while_deciding(catalogue, tmp_path):
    changed = department()
    changed["routing"] = [{"name": "all to the district", "assign": "DO"}]
    other = rules.load_directory(write_config(tmp_path, {"tst.yaml": changed}))
    engine = rules.Engine(catalogue)
    stop = threading.Event()
    seen, errors = [], []

    def decide_forever():
        while not stop.is_set():
            try:
                d = engine.decide({"grievance": "TST_RTC", "location": {"district": "Mysuru"}})
                seen.append((d.version, d.post))
            except Exception as exc:  # noqa: BLE001 - any failure is the finding
                errors.append(exc)

    threads = [threading.Thread(target=decide_forever) for _ in range(4)]
    for t in threads:
        t.start()
    for i in range(20):
        engine.publish(other if i % 2 == 0 else catalogue)
    stop.set()
    for t in threads:
        t.join()
    engine.close()
    assert errors == []
    # every decision is wholly from one version: the old catalogue routes to LMF, the new one to DO
    expected = {catalogue.version: "LMF", other.version: "DO"}
    assert seen and all(expected[v] == post for v, post in seen)
    assert {v for v, _ in seen} <= set(expected)


def test_old_rulesets_are_deleted_after_publish(catalogue, tmp_path):
    changed = department()
    changed["routing"][-1]["assign"] = "DO"
    other = rules.load_directory(write_config(tmp_path, {"tst.yaml": changed}))
    engine = rules.Engine(catalogue)
    first = engine._current.compiled["TST"].rulesets["LAND"]
    engine.publish(other)
    assert first.retired
    assert engine.version == other.version
    assert engine.decide({"grievance": "TST_MUTATION"}).post == "DO"
    engine.close()


def test_engine_without_a_catalogue_says_so():
    with pytest.raises(RuntimeError, match="no catalogue has been published"):
        rules.Engine().decide({"grievance": "X"})


def test_many_unmatched_events_in_a_row(tmp_path):
    """durable-rules 2.0.28 frees an unconsumed event twice when its state is deleted; the engine's
    catch-all rule keeps every event consumed. Before that fix this crashed the process."""
    d = department()
    d["routing"] = [{"name": "only Mysuru", "when": {"location.district": "Mysuru"}, "assign": "LMF"}]
    engine = rules.Engine(rules.load_directory(write_config(tmp_path, {"tst.yaml": d})))
    for i in range(2000):
        with pytest.raises(rules.NoRuleMatched):
            engine.decide({"grievance": "TST_RTC", "location": {"district": "Bengaluru Urban"}, "form": {"land_area": i}})
    assert engine.decide({"grievance": "TST_RTC", "location": {"district": "Mysuru"}}).post == "LMF"
    engine.close()


def test_partitioned_rulesets_decide_like_the_whole_department(tmp_path, monkeypatch):
    """Rules that name services or grievance types are left out of other services' rulesets; the first
    rule to fire must not change."""
    d = department()
    d["routing"] = [
        {"name": "pension seniors", "when": {"service": "PENSION", "citizen.age": {"gte": 60}}, "assign": "DO"},
        {"name": "mutations in Anekal", "when": {"grievance": ["TST_MUTATION"], "location.taluk": "Anekal"}, "assign": "SPL"},
        {"name": "not land", "when": {"not": {"service": "LAND"}, "channel": "CMO"}, "assign": "SEC"},
        {"name": "any land or old", "when": {"any": [{"service": "LAND", "channel": "APP"}, {"citizen.age": {"gte": 90}}]}, "assign": "SPL"},
        {"name": "rest", "assign": "LMF"},
    ]
    catalogue = rules.load_directory(write_config(tmp_path, {"tst.yaml": d}))
    monkeypatch.setattr(CompiledDepartment, "RULES_PER_RULESET", 1)  # one ruleset per service
    engine = rules.Engine(catalogue)
    compiled = engine._current.compiled["TST"]
    land_rules = set(compiled.rulesets["LAND"].definition) - {"none"}
    pension_rules = set(compiled.rulesets["PENSION"].definition) - {"none"}
    assert "r0" not in land_rules and "r1" not in pension_rules  # the partition did leave rules out
    for grievance in ("TST_RTC", "TST_MUTATION", "TST_PENSION_DELAY"):
        for age in (30, 65, 95):
            for channel in ("WEB", "APP", "CMO"):
                for taluk in ("Anekal", "Hunsur"):
                    facts = {"grievance": grievance, "channel": channel, "citizen": {"age": age}, "location": {"taluk": taluk}}
                    assert engine.decide(facts) == reference.decide(catalogue, facts), facts
    engine.close()


def test_a_rule_can_start_a_grievance_above_l1(tmp_path):
    d = department()
    d["routing"].insert(0, {"name": "urgent pensions start with the district", "when": {"service": "PENSION", "channel": "CMO"},
                            "assign": "LMF", "start_level": 2, "priority": "urgent"})
    d["defaults"]["show_cause_notice"] = True
    catalogue = rules.load_directory(write_config(tmp_path, {"tst.yaml": d}))
    assert catalogue.departments["TST"].show_cause_notice is True
    engine = rules.Engine(catalogue)
    decision = engine.decide({"grievance": "TST_PENSION_DELAY", "channel": "CMO"})
    assert decision.start_level == 2 and decision.escalation == ("LMF", "DO", "SEC")
    assert decision.explanation[-1] == "starts at L2 (DO) by rule 'urgent pensions start with the district'"
    assert decision == reference.decide(catalogue, {"grievance": "TST_PENSION_DELAY", "channel": "CMO"})
    assert engine.decide({"grievance": "TST_PENSION_DELAY", "channel": "WEB"}).start_level == 1
    engine.close()
