"""Rule analysis: each kind of finding provoked by a small catalogue, with file and line; and the shipped catalogue."""
from __future__ import annotations

from pathlib import Path

import rules
from rules.analysis import KINDS, Finding, analyse
from tests.factories import department, dump, write_config

CATCH_ALL = {"name": "Everything else goes to the taluk", "assign": "LMF"}


def catalogue_of(tmp_path, d: dict) -> tuple[rules.Catalogue, str]:
    text = dump(d)
    root = write_config(tmp_path / "cfg", {"tst.yaml": text})
    return rules.load_directory(root), text


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def kinds(findings) -> list[str]:
    return [f.kind for f in findings]


def test_the_test_department_has_no_findings(tmp_path):
    catalogue, _ = catalogue_of(tmp_path, department())
    assert analyse(catalogue) == []


def test_a_rule_after_a_catch_all_is_shadowed(tmp_path):
    d = department(routing=[CATCH_ALL, {"name": "Pensions go to the district", "when": {"service": "PENSION"}, "assign": "DO"}])
    catalogue, text = catalogue_of(tmp_path, d)
    [finding] = analyse(catalogue)
    assert finding.kind == "shadowed" and finding.department == "TST"
    assert finding.file.endswith("tst.yaml") and finding.line == line_of(text, "name: Pensions go to the district")
    assert finding.rules == ("Pensions go to the district", "Everything else goes to the taluk")
    assert finding.message.startswith("Rule 2 'Pensions go to the district' can never fire: rule 1 "
                                      "'Everything else goes to the taluk' always matches first")


def test_a_rule_covered_by_two_earlier_rules_together_is_shadowed(tmp_path):
    d = department(routing=[
        {"name": "Bengaluru goes to the special officer", "when": {"location.district": "Bengaluru Urban"}, "assign": "SPL"},
        {"name": "Mysuru goes to the district", "when": {"location.district": "Mysuru"}, "assign": "DO"},
        {"name": "Land records in both districts", "when": {"service": "LAND", "location.district": ["Bengaluru Urban", "Mysuru"]},
         "assign": "SEC"},
    ])
    catalogue, text = catalogue_of(tmp_path, d)
    [finding] = analyse(catalogue)
    assert finding.kind == "shadowed" and finding.line == line_of(text, "name: Land records in both districts")
    assert "rule 1 'Bengaluru goes to the special officer' and rule 2 'Mysuru goes to the district' between them" in finding.message
    assert set(finding.rules) == {"Land records in both districts", "Bengaluru goes to the special officer", "Mysuru goes to the district"}


def test_a_rule_whose_conditions_contradict_each_other_is_shadowed(tmp_path):
    d = department(routing=[{"name": "Impossible", "when": {"service": "LAND", "grievance": "TST_PENSION_DELAY"}, "assign": "DO"},
                            CATCH_ALL])
    catalogue, _ = catalogue_of(tmp_path, d)
    [finding] = analyse(catalogue)
    assert finding.kind == "shadowed" and finding.rules == ("Impossible",)
    assert "its conditions cannot all hold together for any grievance type of TST" in finding.message


def test_a_regular_expression_tested_twice_is_the_same_fact(tmp_path):
    d = department(routing=[
        {"name": "Survey numbers starting with 1", "when": {"form.survey_number": {"matches": "^1"}}, "assign": "SPL"},
        {"name": "Also survey numbers starting with 1", "when": {"form.survey_number": {"matches": "^1"}, "service": "LAND"},
         "assign": "DO"},
        {"name": "The rest", "when": {"not": {"form.survey_number": {"matches": "^1"}}}, "assign": "LMF"},
    ])
    catalogue, _ = catalogue_of(tmp_path, d)
    assert [(f.kind, f.rules[0]) for f in analyse(catalogue)] == [("shadowed", "Also survey numbers starting with 1")]


def test_partly_overlapping_rules_with_different_posts(tmp_path):
    d = department(routing=[
        {"name": "Bengaluru goes to the special officer", "when": {"location.district": "Bengaluru Urban"}, "assign": "SPL"},
        {"name": "Pensions go to the district", "when": {"service": "PENSION"}, "assign": "DO"},
        CATCH_ALL,
    ])
    catalogue, text = catalogue_of(tmp_path, d)
    [finding] = analyse(catalogue)
    assert finding.kind == "overlap" and finding.line == line_of(text, "name: Pensions go to the district")
    assert finding.rules == ("Bengaluru goes to the special officer", "Pensions go to the district")
    assert "for example TST_PENSION_DELAY with district Bengaluru Urban" in finding.message
    assert "rule 1 'Bengaluru goes to the special officer' wins those because it comes first" in finding.message


def test_an_exception_before_a_general_rule_is_not_an_overlap(tmp_path):
    d = department(routing=[
        {"name": "Senior pensioners in Bengaluru", "when": {"service": "PENSION", "location.district": "Bengaluru Urban",
                                                            "citizen.age": {"gte": 60}}, "assign": "SEC"},
        {"name": "Pensions go to the district", "when": {"service": "PENSION"}, "assign": "DO"},
        {"name": "Same post, overlapping", "when": {"location.district": "Mysuru"}, "assign": "DO"},
        CATCH_ALL,
    ])
    catalogue, _ = catalogue_of(tmp_path, d)
    assert analyse(catalogue) == []


def test_gaps_name_the_district_and_the_age(tmp_path):
    d = department(routing=[
        {"name": "Bengaluru land records", "when": {"service": "LAND", "location.district": "Bengaluru Urban"}, "assign": "SPL"},
        {"name": "Mysuru land records of senior citizens", "when": {"service": "LAND", "location.district": "Mysuru",
                                                                    "citizen.age": {"gte": 60}}, "assign": "DO"},
        {"name": "Pensions", "when": {"service": "PENSION"}, "assign": "DO"},
    ])
    catalogue, text = catalogue_of(tmp_path, d)
    findings = analyse(catalogue)
    assert kinds(findings) == ["gap", "gap"]
    rtc, mutation = findings
    assert rtc.line == line_of(text, "code: TST_RTC") and mutation.line == line_of(text, "code: TST_MUTATION")
    assert rtc.message == ("Grievance type TST_RTC (RTC not issued) is routed by no rule when: district Mysuru, "
                           "the citizen's age below 60; district Mysuru, the citizen's age not given. Filing such a "
                           "grievance fails; add a rule for it or a rule without 'when' at the end of routing.")


def test_a_gap_by_taluk_and_by_district(tmp_path):
    d = department(routing=[{"name": "Anekal only", "when": {"location.taluk": "Anekal"}, "assign": "LMF"},
                            {"name": "Pensions", "when": {"service": "PENSION"}, "assign": "DO"}])
    catalogue, _ = catalogue_of(tmp_path, d)
    findings = analyse(catalogue)
    assert kinds(findings) == ["gap", "gap", "overlap"]  # and a pension filed in Anekal matches both rules
    assert findings[2].rules == ("Anekal only", "Pensions")
    assert ("routed by no rule when: district Bengaluru Urban, a taluk other than Anekal; "
            "district other than Bengaluru Urban.") in findings[0].message


def test_numbers_on_both_sides_leave_only_the_missing_age(tmp_path):
    d = department(routing=[{"name": "Seniors", "when": {"citizen.age": {"gte": 60}}, "assign": "DO"},
                            {"name": "Others by age", "when": {"citizen.age": {"lt": 60}}, "assign": "LMF"}])
    catalogue, _ = catalogue_of(tmp_path, d)
    findings = analyse(catalogue)
    assert kinds(findings) == ["gap"] * 3
    assert all(f.message.split(" when: ")[1].startswith("the citizen's age not given.") for f in findings)


def test_escalation_chains_that_end_below_state_level(tmp_path):
    d = department()
    d["defaults"]["escalation"] = ["LMF", "DO"]
    d["routing"][0]["escalation"] = ["SPL", "DO"]
    catalogue, text = catalogue_of(tmp_path, d)
    findings = analyse(catalogue)
    assert kinds(findings) == ["chain-below-state", "chain-below-state"]
    default, rule = findings
    assert default.line == line_of(text, "escalation:") and default.rules == ()
    assert default.message.startswith("The default escalation chain of TST ends at DO (District Officer), a district-level post")
    assert "such as SEC" in default.message
    assert rule.rules == (d["routing"][0]["name"],)
    assert rule.line > line_of(text, "routing:")


def test_one_department_only_and_to_dict(tmp_path):
    other = department(code="OTH", routing=[CATCH_ALL, {"name": "Never", "when": {"service": "PENSION"}, "assign": "DO"}])
    for s in other["services"]:
        for g in s["grievances"]:
            g["code"] = "OTH_" + g["code"]
    root = write_config(tmp_path / "cfg", {"tst.yaml": department(), "oth.yaml": other})
    catalogue = rules.load_directory(root)
    assert analyse(catalogue, "TST") == []
    [finding] = analyse(catalogue, "OTH")
    assert analyse(catalogue) == [finding]
    assert finding.to_dict() == {"kind": "shadowed", "department": "OTH", "message": finding.message, "file": finding.file,
                                 "line": finding.line, "column": 1, "rules": ["Never", "Everything else goes to the taluk"]}
    assert str(finding).startswith(f"{finding.file}:{finding.line}:1: warning: Rule 2 'Never' can never fire")


def test_the_shipped_catalogue(shipped_catalogue):
    """What the analysis finds in config/: no shadowed rules, gaps or short chains; overlaps are information for
    nodal officers (each one a later rule that an earlier, broader-in-some-way rule takes grievances from)."""
    findings = analyse(shipped_catalogue)
    assert all(isinstance(f, Finding) and f.kind in KINDS for f in findings)
    assert [f for f in findings if f.kind != "overlap"] == []
    for f in findings:
        lines = Path(f.file).read_text(encoding="utf-8").splitlines()
        assert lines[f.line - 1].lstrip().startswith("- name:"), (f.file, f.line)
        dept = shipped_catalogue.departments[f.department]
        names = [r.name for r in dept.routing]
        assert len(f.rules) == 2 and names.index(f.rules[0]) < names.index(f.rules[1])
    assert {f.department for f in findings} <= set(shipped_catalogue.departments)


def test_every_case_of_the_walk_is_decided_by_its_rule(shipped_catalogue):
    """The oracle: each leaf of the analysis' walk, turned into concrete facts, is decided by the plain
    first-match evaluator exactly as the analysis says (the rule that fires there, or no rule)."""
    from rules import conditions
    from rules.analysis import _DepartmentAnalysis, _plain

    checked = 0
    for dept in shipped_catalogue.departments.values():
        analysis = _DepartmentAnalysis(shipped_catalogue, dept)
        for gt in dept.grievance_types():
            for domain, k in analysis.explore(gt):
                if any(" =~ " in fact for fact in domain):
                    continue  # a regular expression's yes/no has no single concrete text here
                flat = {f: v for f, v in _plain(domain).items() if v is not conditions.MISSING}
                first = next((r.index for r in dept.routing if conditions.holds(r.condition, flat)), None)
                assert first == k, (dept.code, gt.code, domain)
                checked += 1
    assert checked > 478  # at least one case per grievance type


def test_a_form_field_the_grievance_type_does_not_ask_for_matches_nothing(tmp_path):
    """TST_PENSION_DELAY has no survey number, so rule 2 cannot match the pensions rule 1 takes: no overlap."""
    d = department(routing=[
        {"name": "Pensions go to the district", "when": {"service": "PENSION"}, "assign": "DO"},
        {"name": "Survey numbers starting with 1", "when": {"form.survey_number": {"matches": "^1"}}, "assign": "SPL"},
        CATCH_ALL,
    ])
    catalogue, _ = catalogue_of(tmp_path, d)
    assert analyse(catalogue) == []
    d["routing"][0]["when"] = {"location.district": "Mysuru"}  # now both match an RTC in Mysuru with survey number 1…
    catalogue, _ = catalogue_of(tmp_path / "2", d)
    [finding] = analyse(catalogue)
    assert finding.kind == "overlap" and "for example TST_RTC with district Mysuru, form field 'survey_number' matching /^1/" in finding.message
