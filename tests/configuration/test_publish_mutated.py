"""Publishing a damaged department file from the editor: refused with a line, and the running engine keeps its version.

The mutations are those the config fuzzing (tests/rules/test_config_fuzz.py) found defects with, plus the usual
damage; each goes through `publish_department` on SQLite, the way the editor's Publish button does.
"""
from __future__ import annotations

import pytest

from ipgrs.app import rules_runtime
from ipgrs.catalog import services as catalog
from ipgrs.configuration import services
from tests.configuration.helpers import AGRI_TEXT, nodal_officer

FIRST_RULE = "    when: {grievance: [AGRI_SPURIOUS_INPUTS, AGRI_FERTILISER_OVERPRICING]}\n"
assert FIRST_RULE in AGRI_TEXT

MUTATIONS = {
    "nested 60 levels deep": AGRI_TEXT.replace(FIRST_RULE, "    when: " + "{not: " * 60 + "{service: X}" + "}" * 60 + "\n"),
    "a NUL character": AGRI_TEXT.replace("jurisdiction: taluk", "jurisdiction: ta\x00luk", 1),
    "an infinite number": AGRI_TEXT.replace(FIRST_RULE, "    when: {citizen.age: {gte: .inf}}\n"),
    "513 values in a condition": AGRI_TEXT.replace(FIRST_RULE, "    when: {citizen.age: [" + ", ".join(map(str, range(513))) + "]}\n"),
    "an alias": AGRI_TEXT.replace("jurisdiction: taluk", "jurisdiction: &t taluk", 1).replace(
        "jurisdiction: district", "jurisdiction: *t", 1),
    "a tab": AGRI_TEXT.replace("\n  ", "\n\t", 1),
    "truncated": AGRI_TEXT[: len(AGRI_TEXT) // 2].rsplit("{", 1)[0] + "{",
    "an escalation loop": AGRI_TEXT.replace("escalation: [JDA, COMMISSIONER, SEC]", "escalation: [JDA, COMMISSIONER, JDA]", 1),
}


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
def test_a_mutated_file_is_refused_and_the_runtime_keeps_its_version(app, db_session):
    runtime = rules_runtime(app)
    runtime.refresh(db_session, force=True)
    officer = nodal_officer(db_session, app, "nodal_agri_fuzz", "AGRI")
    version_id = runtime.version_id
    assert version_id == catalog.latest_version_id(db_session)
    filing = {"grievance": "AGRI_SPURIOUS_INPUTS", "channel": "WEB", "location": {"district": "Mysuru", "taluk": "Hunsur"}}
    decided = runtime.decide(filing)
    lines = {name: text.count("\n") + 1 for name, text in MUTATIONS.items()}
    for name, text in MUTATIONS.items():
        base = services.published(db_session, "AGRI").version.id
        with pytest.raises(services.DraftInvalid) as info:
            services.publish_department(db_session, officer, "AGRI", text, base, f"fuzz: {name}", runtime=runtime)
        errors = info.value.validation.errors
        assert errors, name
        assert all(e.file.endswith("agri.yaml") and 1 <= e.line <= lines[name] for e in errors), (name, errors)
        runtime.refresh(db_session, force=True)
        assert runtime.version_id == version_id == catalog.latest_version_id(db_session), name
        assert runtime.decide(filing) == decided, name


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
def test_a_new_department_with_an_impossible_date_is_refused_with_its_line(app, db_session):
    sm = app.appbuilder.sm
    admin = sm.find_user(username="admin_fuzz") or sm.add_user(
        "admin_fuzz", "Admin", "Fuzz", "admin_fuzz@test.invalid", sm.find_role(services.ADMIN_ROLE), password="admin_fuzz")
    text = services.TEMPLATE + "opened: 2026-02-30\n"
    with pytest.raises(services.DraftInvalid) as info:  # was a ValueError from reading the code (a 500 for the upload)
        services.create_department(db_session, admin, text, rules_runtime(app))
    [error] = info.value.validation.errors
    assert error.line == text.count("\n") and "2026-02-30 is not a date on the calendar" in error.message
