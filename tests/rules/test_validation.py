"""Schema and cross-file checks: each kind of mistake gets one line with file, line, path and a hint."""
from __future__ import annotations

import re

import pytest

import rules
from tests.factories import department, dump, write_config


def errors_for(tmp_path, departments) -> list[str]:
    root = write_config(tmp_path / "cfg", departments)
    with pytest.raises(rules.ConfigInvalid) as info:
        rules.load_directory(root)
    return [str(e) for e in info.value.errors]


def only_error(tmp_path, departments) -> str:
    errors = errors_for(tmp_path, departments)
    assert len(errors) == 1, errors
    return errors[0]


def test_the_test_department_is_valid(tmp_path):
    catalogue = rules.load_directory(write_config(tmp_path, {"tst.yaml": department()}))
    assert catalogue.counts == {"departments": 1, "services": 2, "grievance_types": 3, "rules": 3, "districts": 2}


def test_misspelt_key_gets_did_you_mean(tmp_path):
    d = department()
    d["services"][0]["grievances"][0]["keywrds"] = d["services"][0]["grievances"][0].pop("keywords")
    error = only_error(tmp_path, {"tst.yaml": d})
    assert re.fullmatch(r".*/departments/tst\.yaml:\d+:\d+: 'keywrds' is not a valid key here; did you mean 'keywords'\? "
                        r"\(at services\[0\]\.grievances\[0\]\.keywrds\)", error), error


def test_missing_required_key(tmp_path):
    d = department()
    del d["services"][1]["line_department"]
    assert only_error(tmp_path, {"tst.yaml": d}).endswith("required key 'line_department' not provided (at services[1])")


def test_wrong_field_type_points_at_the_form_field(tmp_path):
    d = department()
    d["services"][0]["grievances"][0]["form"][1]["type"] = "numbr"
    text = dump(d)
    line = next(i for i, l in enumerate(text.splitlines(), 1) if "numbr" in l)
    error = only_error(tmp_path, {"tst.yaml": text})
    assert f"tst.yaml:{line}:" in error
    assert "must be one of text, textarea, number" in error and "got 'numbr'" in error
    assert error.endswith("(at services[0].grievances[0].form[1].type)")


def test_unknown_routing_target_suggests_a_post(tmp_path):
    d = department()
    d["routing"][0]["assign"] = "SPLL"
    error = only_error(tmp_path, {"tst.yaml": d})
    assert "'SPLL' is not a post of TST; did you mean 'SPL'?" in error and error.endswith("(at routing[0].assign)")


def test_unknown_line_department(tmp_path):
    d = department()
    d["services"][0]["line_department"] = "LX"
    assert "'LX' is not a line department of TST" in only_error(tmp_path, {"tst.yaml": d})


def test_escalation_cycle_is_refused(tmp_path):
    d = department()
    d["defaults"]["escalation"] = ["LMF", "DO", "LMF"]
    error = only_error(tmp_path, {"tst.yaml": d})
    assert "post 'LMF' appears twice: an escalation chain cannot loop back" in error
    assert error.endswith("(at defaults.escalation[2])")


def test_unreachable_grievance_type(tmp_path):
    d = department()
    d["routing"] = [{"name": "pahani", "when": {"grievance": "TST_RTC", "location.district": "Mysuru"}, "assign": "SPL"},
                    {"name": "pensions", "when": {"service": "PENSION"}, "assign": "LMF"}]
    error = only_error(tmp_path, {"tst.yaml": d})
    assert "grievance type 'TST_MUTATION' is not routed by any rule" in error
    assert error.endswith("(at services[0].grievances[1].code)")


def test_timeline_must_be_positive(tmp_path):
    d = department()
    d["defaults"]["timeline"]["days"] = 0
    assert "must be between 1 and 365 working days (at defaults.timeline.days)" in only_error(tmp_path, {"tst.yaml": d})


def test_unknown_fact_and_unknown_district_get_suggestions(tmp_path):
    d = department()
    d["routing"][0]["when"] = {"servce": "LAND"}
    d["routing"][1]["when"] = {"location.district": "Bengaluru Urbn", "form.survey_numbr": {"present": True}}
    errors = errors_for(tmp_path, {"tst.yaml": d})
    assert len(errors) == 3, errors
    joined = "\n".join(errors)
    assert "'servce' is not a fact a rule can test; did you mean 'service'?" in joined
    assert "'Bengaluru Urbn' is not a district of Karnataka; did you mean 'Bengaluru Urban'?" in joined
    assert "form field 'survey_numbr' is not declared by any grievance type of TST; did you mean 'survey_number'?" in joined


def test_bad_operator_regex_and_operand(tmp_path):
    d = department()
    d["routing"][0]["when"] = {"citizen.age": {"gtee": 60}}
    d["routing"][1]["when"] = {"form.survey_number": {"matches": "([0-9"}, "citizen.age": {"gte": "sixty"}}
    joined = "\n".join(errors_for(tmp_path, {"tst.yaml": d}))
    assert "'gtee' is not an operator; use one of eq, ne, gt, gte, lt, lte, in, matches, present; did you mean 'gte'?" in joined
    assert "not a valid regular expression" in joined
    assert "'gte' compares with a number, got 'sixty'" in joined


def test_codes_unique_across_files(tmp_path):
    other = department(code="OTH")
    errors = errors_for(tmp_path, {"a.yaml": department(), "b.yaml": other})
    assert len(errors) == 3, errors
    assert all("b.yaml" in e and "is already used in" in e and "a.yaml" in e for e in errors)
    dup = errors_for(tmp_path / "2", {"a.yaml": department(), "b.yaml": department()})
    assert any("department code 'TST' is already used by" in e for e in dup)


def test_every_error_is_reported_not_just_the_first(tmp_path):
    bad_one = department()
    bad_one["posts"]["LMF"]["jurisdiction"] = "village"
    bad_two = department(code="TWO")
    del bad_two["name"]
    errors = errors_for(tmp_path, {"one.yaml": bad_one, "two.yaml": bad_two, "three.yaml": "code: [\n"})
    assert {e.split(":")[0].rsplit("/", 1)[-1] for e in errors} == {"one.yaml", "two.yaml", "three.yaml"}


def test_top_level_must_be_a_mapping(tmp_path):
    assert "expected a mapping of keys" in only_error(tmp_path, {"tst.yaml": "- just\n- a list\n"})


def test_select_needs_options_and_pattern_only_on_text(tmp_path):
    d = department()
    d["services"][0]["grievances"][0]["form"] = [
        {"name": "kind", "type": "select", "label": {"en": "Kind", "kn": "ಬಗೆ"}},
        {"name": "when", "type": "date", "pattern": "x", "label": {"en": "Date", "kn": "ದಿನಾಂಕ"}},
    ]
    joined = "\n".join(errors_for(tmp_path, {"tst.yaml": d}))
    assert "a select field needs options (at services[0].grievances[0].form[0].options)" in joined
    assert "pattern applies to text fields, not date (at services[0].grievances[0].form[1].pattern)" in joined


def test_missing_jurisdictions_file(tmp_path):
    root = write_config(tmp_path / "cfg", {"tst.yaml": department()})
    (root / "jurisdictions.yaml").unlink()
    with pytest.raises(rules.ConfigInvalid) as info:
        rules.load_directory(root)
    assert "jurisdictions.yaml not found" in str(info.value)


# --- the shipped catalogue ----------------------------------------------------------------------

KANNADA = re.compile("[\u0c80-\u0cff]")


def test_shipped_catalogue_is_valid_and_large_enough(shipped_catalogue):
    c = shipped_catalogue.counts
    assert c["departments"] >= 40
    assert c["districts"] == 31
    for dept in shipped_catalogue.departments.values():
        assert len(dept.services) >= 3, dept.code
        assert KANNADA.search(dept.name.kn), dept.code
        for service in dept.services:
            assert len(service.grievances) >= 2, (dept.code, service.code)
            for g in service.grievances:
                assert KANNADA.search(g.name.kn), g.code
                assert any(KANNADA.search(k) for k in g.keywords), f"{g.code} has no Kannada keyword"
                assert any(re.search("[A-Za-z]", k) for k in g.keywords), f"{g.code} has no English keyword"


def test_shipped_jurisdictions_have_taluks_in_both_languages(shipped_catalogue):
    districts = shipped_catalogue.jurisdictions.districts
    assert sum(len(d.taluks) for d in districts) >= 200
    assert all(KANNADA.search(t.kn) for d in districts for t in d.taluks)
    assert {t.en for t in shipped_catalogue.jurisdictions.district("Bengaluru Urban").taluks} >= {"Anekal", "Yelahanka"}
