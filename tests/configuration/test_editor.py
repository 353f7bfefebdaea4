"""The configuration editor on SQLite and PostgreSQL: permissions, Validate, drafts, diff, publish, rollback, bad input."""
from __future__ import annotations

import pytest
from sqlalchemy import select

import rules
from ipgrs.catalog import services as catalog
from ipgrs.configuration import services
from ipgrs.configuration.models import ConfigChange, ConfigDraft
from tests.factories import make_citizen, rtc_filing
from tests.officers.helpers import HUNSUR
from tests.configuration.helpers import (AGRI_TEXT, REV_TEXT, editor_csrf, line_of, login, nodal_officer, page_csrf,
                                         post_json, with_first_rule)


@pytest.fixture
def rev_nodal(app, db_session):
    return nodal_officer(db_session, app, "nodal_rev", "REV")


def test_a_nodal_officer_sees_and_edits_only_their_department(client, app, db_session, rev_nodal):
    login(client, "nodal_rev")
    index = client.get("/config/")
    assert index.status_code == 200
    assert b'data-code="REV"' in index.data and b'data-code="AGRI"' not in index.data
    page = client.get("/config/REV")
    assert page.status_code == 200 and b"ace.js" in page.data and b"Everything else goes to the taluk Tahsildar" in page.data
    token = editor_csrf(client, "REV")
    before = catalog.latest_version_id(db_session)

    assert client.get("/config/AGRI").status_code == 403
    assert client.get("/config/AGRI/diff").status_code == 403
    for path, body in (("validate", {"text": AGRI_TEXT}), ("draft", {"text": AGRI_TEXT}),
                       ("publish", {"text": AGRI_TEXT, "message": "not mine"})):
        response = post_json(client, f"/config/AGRI/{path}", token, body)
        assert response.status_code == 403, path
        assert "not a nodal officer of department AGRI" in response.get_json()["message"]
    response = client.post("/config/AGRI/rollback", data={"version_id": before, "csrf_token": token})
    assert response.status_code == 403
    assert client.post("/config/rollback", data={"version_id": before, "csrf_token": token}).status_code in (302, 403)
    assert client.post("/config/new", data={"code": "NEWONE", "csrf_token": token}).status_code in (302, 403)
    assert catalog.latest_version_id(db_session) == before
    assert db_session.scalar(select(ConfigDraft).where(ConfigDraft.department_code == "AGRI")) is None
    # Publishing a file that names another department from one's own page is refused too.
    response = post_json(client, "/config/REV/publish", token, {"text": AGRI_TEXT})
    assert response.status_code == 400
    assert "its code must be 'REV', not 'AGRI'" in response.get_json()["errors"][0]["message"]
    assert catalog.latest_version_id(db_session) == before


def test_the_api_refuses_other_departments_too(client, app, db_session, rev_nodal):
    from tests.officers.helpers import api_token

    token = api_token(client, "nodal_rev")
    auth = {"Authorization": f"Bearer {token}"}
    before = catalog.latest_version_id(db_session)
    assert client.get("/api/v1/config/departments", headers=auth).get_json()["departments"] == ["REV"]
    assert client.get("/api/v1/config/departments/REV", headers=auth).get_json()["text"] == REV_TEXT
    assert client.get("/api/v1/config/departments/AGRI", headers=auth).status_code == 403
    assert client.post("/api/v1/config/departments/AGRI/validate", json={"text": AGRI_TEXT}, headers=auth).status_code == 403
    assert client.post("/api/v1/config/departments/AGRI/publish", json={"text": AGRI_TEXT, "base_version_id": before},
                       headers=auth).status_code == 403
    assert client.post("/api/v1/config/departments/AGRI/rollback", json={"version_id": before}, headers=auth).status_code == 403
    assert client.get("/api/v1/config/departments/REV").status_code == 401
    # Its own department: validate works, and a publish through the API is a new version.
    assert client.post("/api/v1/config/departments/REV/validate", json={"text": REV_TEXT}, headers=auth).get_json()["ok"]
    response = client.post("/api/v1/config/departments/REV/publish", headers=auth,
                           json={"text": with_first_rule(REV_TEXT), "base_version_id": before, "message": "via API"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["version_id"] > before


def test_validate_marks_each_error_on_its_line_with_the_cli_messages(client, app, db_session, rev_nodal, config_dir):
    broken = REV_TEXT.replace("    assign: TAHSILDAR\n", "    assign: TAHSILDR\n")
    login(client, "nodal_rev")
    token = editor_csrf(client, "REV")
    result = post_json(client, "/config/REV/validate", token, {"text": broken}).get_json()
    assert result["ok"] is False
    (config_dir / "departments" / "rev.yaml").write_text(broken, encoding="utf-8")
    with pytest.raises(rules.ConfigInvalid) as cli:
        rules.load_directory(config_dir)
    expected = [(e.line, e.column, str(e).split(": ", 1)[1]) for e in cli.value.errors]
    assert [(e["line"], e["column"], e["message"]) for e in result["errors"]] == expected
    assert result["errors"][0]["line"] == line_of(broken, "assign: TAHSILDR")
    assert "did you mean 'TAHSILDAR'?" in result["errors"][0]["message"]
    assert [r["assign"] for r in result["rules"]][-1] == "TAHSILDR"  # the table shows what is written

    ok = post_json(client, "/config/REV/validate", token, {"text": with_first_rule(REV_TEXT)}).get_json()
    assert ok["ok"] is True and ok["errors"] == []
    assert ok["rules"][0] == {"order": 1, "name": "Hunsur RTC grievances go to the Assistant Commissioner",
                              "conditions": "service = RTC and location.taluk = Hunsur", "assign": "AC",
                              "post_name": "Assistant Commissioner", "priority": "normal",
                              "timeline": ok["rules"][0]["timeline"], "escalation": ok["rules"][0]["escalation"]}
    assert "(default)" in ok["rules"][0]["timeline"]


def test_a_grievance_code_of_another_department_is_an_error_in_this_file(client, app, db_session, rev_nodal):
    agri_code = next(line.split(":")[1].strip() for line in AGRI_TEXT.splitlines() if line.strip().startswith("- code: AGRI_"))
    clash = REV_TEXT.replace("- code: REV_RTC_NOT_ISSUED", f"- code: {agri_code}", 1)
    login(client, "nodal_rev")
    result = post_json(client, "/config/REV/validate", editor_csrf(client, "REV"), {"text": clash}).get_json()
    assert any(f"grievance code '{agri_code}' is already used" in e["message"] and e["line"] == line_of(clash, agri_code)
               for e in result["errors"]), result


def test_drafts_are_kept_apart_from_the_published_version_and_diffed(client, app, db_session, rev_nodal):
    login(client, "nodal_rev")
    token = editor_csrf(client, "REV")
    before = catalog.latest_version_id(db_session)
    draft = with_first_rule(REV_TEXT)
    response = post_json(client, "/config/REV/draft", token, {"text": draft})
    assert response.status_code == 200 and response.get_json()["base_version_id"] == before
    assert catalog.latest_version_id(db_session) == before
    assert services.published(db_session, "REV").text == REV_TEXT
    page = client.get("/config/REV").data.decode()
    assert "Hunsur RTC grievances go to the Assistant Commissioner" in page and 'id="draft-base"' in page
    diff = client.get("/config/REV/diff").data.decode()
    assert '<div class="diff-add">+  - name: Hunsur RTC grievances go to the Assistant Commissioner</div>' in diff
    assert '<div class="diff-add">+    assign: AC</div>' in diff and 'class="diff-del"' not in diff
    # Another nodal officer of REV does not see this draft: drafts are per author.
    nodal_officer(db_session, app, "nodal_rev2", "REV")
    login(client, "nodal_rev2")
    assert b"Hunsur RTC grievances" not in client.get("/config/REV").data
    assert b'id="no-draft"' in client.get("/config/REV/diff").data


def test_publish_is_a_new_version_in_effect_at_once_and_old_grievances_keep_theirs(client, app, db_session, rev_nodal):
    citizen = make_citizen(db_session, **HUNSUR)
    from ipgrs.grievances.services import file_grievance

    before_version = catalog.latest_version_id(db_session)
    old = file_grievance(db_session, citizen, rtc_filing())
    assert old.assigned_post.code == "TAHSILDAR" and old.ruleset_version_id == before_version

    login(client, "nodal_rev")
    token = editor_csrf(client, "REV")
    response = post_json(client, "/config/REV/publish", token,
                         {"text": with_first_rule(REV_TEXT), "message": "Hunsur RTC to the AC"})
    assert response.status_code == 200, response.get_json()
    version_id = response.get_json()["version_id"]
    assert version_id > before_version
    version = catalog.latest_version(db_session)
    assert (version.id, version.published_by, version.message) == (version_id, "nodal_rev", "Hunsur RTC to the AC")
    assert len(version.snapshot["files"]) == 44 and version.counts["departments"] == 44
    assert client.get("/health").get_json()["rules_version"]["id"] == version_id

    new = file_grievance(db_session, citizen, rtc_filing())
    assert new.assigned_post.code == "AC" and new.ruleset_version_id == version_id
    db_session.refresh(old)
    assert old.ruleset_version_id == before_version and old.assigned_post.code == "TAHSILDAR"

    change = db_session.scalar(select(ConfigChange).where(ConfigChange.version_id == version_id))
    assert (change.action, change.department_code, change.author, change.base_version_id) == ("publish", "REV", "nodal_rev", before_version)
    assert change.content_hash == services.content_hash(with_first_rule(REV_TEXT))
    assert services.draft_of(db_session, rev_nodal, "REV") is None  # published drafts are done
    page = client.get("/config/REV").data.decode()
    assert f"<td>{version_id}</td>" in page and "Hunsur RTC to the AC" in page


def test_a_second_publish_from_an_older_base_must_rebase(client, app, db_session, rev_nodal):
    other = nodal_officer(db_session, app, "nodal_rev2", "REV")
    base = catalog.latest_version_id(db_session)
    services.save_draft(db_session, other, "REV", REV_TEXT.replace("Everything else goes", "All else goes"))
    login(client, "nodal_rev")
    token = editor_csrf(client, "REV")
    assert post_json(client, "/config/REV/publish", token, {"text": with_first_rule(REV_TEXT)}).status_code == 200

    login(client, "nodal_rev2")
    token = editor_csrf(client, "REV")
    assert b'id="stale-draft"' in client.get("/config/REV").data
    response = post_json(client, "/config/REV/publish", token, {"text": REV_TEXT.replace("Everything else goes", "All else goes")})
    assert response.status_code == 409
    body = response.get_json()
    assert "Rebase your draft on the new version" in body["message"] and f"from version {base}" in body["message"]
    assert "by nodal_rev" in body["message"]
    # Rebasing keeps the text, moves the base, and the diff shows what publishing would change (the other's rule goes).
    response = client.post("/config/REV/rebase", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/config/REV/diff")
    diff = client.get("/config/REV/diff").data.decode()
    assert "-  - name: Hunsur RTC grievances go to the Assistant Commissioner" in diff
    assert post_json(client, "/config/REV/publish", token, {"text": with_first_rule(REV_TEXT).replace(
        "Everything else goes", "All else goes")}).status_code == 200


def test_a_publish_of_another_department_in_between_needs_no_rebase(client, app, db_session, rev_nodal):
    login(client, "nodal_rev")
    token = editor_csrf(client, "REV")
    assert post_json(client, "/config/REV/draft", token, {"text": with_first_rule(REV_TEXT)}).status_code == 200
    admin = app.appbuilder.sm.find_user(username="admin")
    agri = services.published(db_session, "AGRI")
    services.publish_department(db_session, admin, "AGRI", AGRI_TEXT + "\n# reviewed\n", agri.version.id, "agri")
    response = post_json(client, "/config/REV/publish", token, {"text": with_first_rule(REV_TEXT)})
    assert response.status_code == 200, response.get_json()
    latest = catalog.latest_version(db_session)
    assert any(t.endswith("# reviewed\n") for t in latest.snapshot["files"].values())  # AGRI's change was kept


def test_rollback_is_a_new_version_and_logged(client, app, db_session, rev_nodal):
    original = catalog.latest_version_id(db_session)
    login(client, "nodal_rev")
    token = editor_csrf(client, "REV")
    published = post_json(client, "/config/REV/publish", token, {"text": with_first_rule(REV_TEXT)}).get_json()["version_id"]
    response = client.post("/config/REV/rollback", data={"version_id": original, "message": "undo", "csrf_token": token})
    assert response.status_code == 302
    latest = catalog.latest_version(db_session)
    assert latest.id > published and services.published(db_session, "REV").text == REV_TEXT
    assert latest.content_hash == db_session.get(catalog.m.RulesetVersion, original).content_hash
    change = db_session.scalar(select(ConfigChange).where(ConfigChange.version_id == latest.id))
    assert (change.action, change.restored_version_id, change.base_version_id) == ("rollback", original, published)
    login(client, "admin", "admin")
    log = client.get("/configchangeview/list/").data.decode()
    assert "rollback" in log and "publish" in log


BAD = {
    "malformed": ("code: REV\nname: {en: Revenue\n", 3, "YAML syntax error"),
    "unsafe tag": (REV_TEXT.replace("code: REV", "code: !!python/object:os.system REV"), line_of(REV_TEXT, "code: REV"),
                   "is not allowed"),
    "unknown post": (REV_TEXT.replace("    assign: TAHSILDAR\n", "    assign: VILLAGE_CLERK\n"),
                     line_of(REV_TEXT, "    assign: TAHSILDAR"), "'VILLAGE_CLERK' is not a post of REV"),
    "escalation cycle": (REV_TEXT.replace("escalation: [TAHSILDAR, AC, DC, SEC]", "escalation: [TAHSILDAR, AC, TAHSILDAR, SEC]", 1),
                         None, "an escalation chain cannot loop back"),
    "too large": (REV_TEXT + "#" + "x" * (1024 * 1024) + "\n", 1, "the limit is 1,048,576 bytes (1 MB)"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_yaml_is_refused_with_line_numbers_and_the_published_version_keeps_serving(client, app, db_session, rev_nodal, case):
    text, line, message = BAD[case]
    if case == "escalation cycle":
        assert text != REV_TEXT, "rev.yaml has no such escalation line any more"
        line = line_of(text, "escalation: [TAHSILDAR, AC, TAHSILDAR, SEC]")
    before = catalog.latest_version_id(db_session)
    login(client, "nodal_rev")
    response = post_json(client, "/config/REV/publish", editor_csrf(client, "REV"), {"text": text, "message": case})
    assert response.status_code == 400, response.get_json()
    errors = response.get_json()["errors"]
    assert any(message in e["message"] and e["line"] == line for e in errors), errors
    assert catalog.latest_version_id(db_session) == before
    assert client.get("/health").get_json()["rules_version"]["id"] == before
    from ipgrs.grievances.services import file_grievance

    assert file_grievance(db_session, make_citizen(db_session), rtc_filing()).ruleset_version_id == before


def test_the_editor_shows_the_rule_analysis_and_runs_the_dry_run(client, app, db_session, rev_nodal):
    from tests.officers.helpers import rtc_in_anekal, rtc_in_hunsur

    hunsur, anekal = rtc_in_hunsur(db_session), rtc_in_anekal(db_session)
    login(client, "nodal_rev")
    token = editor_csrf(client, "REV")
    catch_all = with_first_rule(REV_TEXT, "routing:\n  - name: Everything to the AC\n    assign: AC\n")
    result = post_json(client, "/config/REV/validate", token, {"text": catch_all}).get_json()
    assert result["ok"] is True
    shadowed = [f for f in result["findings"] if f["kind"] == "shadowed"]
    assert shadowed and all(f["department"] == "REV" for f in shadowed)
    assert shadowed[0]["line"] > line_of(catch_all, "Everything to the AC")

    before = catalog.latest_version_id(db_session)
    report = post_json(client, "/config/REV/simulate", token, {"text": with_first_rule(REV_TEXT), "limit": 50}).get_json()
    assert report["total"] >= 2 and report["changed_route"] >= 1
    changed = {x["number"]: x for x in report["examples"]}
    assert changed[hunsur.number]["new"]["post"] == "AC" and changed[hunsur.number]["old"]["post"] == "TAHSILDAR"
    assert anekal.number not in changed
    assert catalog.latest_version_id(db_session) == before  # a dry run publishes nothing
    db_session.refresh(hunsur)
    assert hunsur.assigned_post.code == "TAHSILDAR"

    bad = post_json(client, "/config/REV/simulate", token, {"text": "code: REV\n", "limit": 50})
    assert bad.status_code == 400 and bad.get_json()["errors"]
    assert post_json(client, "/config/AGRI/simulate", token, {"text": AGRI_TEXT}).status_code == 403
    assert post_json(client, "/config/REV/simulate", token, {"text": REV_TEXT, "since": "31-01-2026"}).status_code == 400


def test_the_administrator_assigns_a_nodal_officer_in_the_admin(client, app, db_session):
    from ipgrs.catalog.models import Department
    from tests.portal.helpers import csrf_from

    sm = app.appbuilder.sm
    user = sm.add_user("clerk_agri", "Clerk", "Agri", "clerk_agri@test.invalid", sm.find_role("Officer"), password="clerk_agri")
    agri = db_session.scalar(select(Department).where(Department.code == "AGRI"))
    login(client, "admin", "admin")
    page = client.get("/nodalassignmentview/add")
    assert page.status_code == 200
    response = client.post("/nodalassignmentview/add", data={"user": user.id, "department": agri.id,
                                                              "csrf_token": csrf_from(page.data)})
    assert response.status_code == 302
    assert "Nodal Officer" in [r.name for r in sm.find_user(username="clerk_agri").roles]
    assert "Clerk Agri" in client.get("/nodalassignmentview/list/").data.decode()

    login(client, "clerk_agri")
    assert client.get("/config/AGRI").status_code == 200
    assert client.get("/config/REV").status_code == 403
    assert client.get("/configchangeview/list/").status_code in (302, 403)  # the log is the administrator's


def test_an_administrator_starts_a_department_from_the_template_and_can_discard_it(client, app, db_session):
    login(client, "admin", "admin")
    response = client.post("/config/new", data={"code": "WSSB", "csrf_token": page_csrf(client)})
    assert response.status_code == 302 and response.headers["Location"].endswith("/config/WSSB")
    page = client.get("/config/WSSB").data.decode()
    assert "code: WSSB" in page and "WSSB_SERVICE_DELAY" in page
    token = editor_csrf(client, "WSSB")
    text = services.TEMPLATE.replace("NEWDEPT", "WSSB")
    assert post_json(client, "/config/WSSB/validate", token, {"text": text}).get_json()["ok"] is True
    assert b'data-code="WSSB"' in client.get("/config/").data
    again = client.post("/config/new", data={"code": "REV", "csrf_token": page_csrf(client)}, follow_redirects=True)
    assert b"department REV exists already" in again.data
    response = client.post("/config/WSSB/discard", data={"csrf_token": token})
    assert response.status_code == 302 and response.headers["Location"].endswith("/config/")
    assert client.get("/config/WSSB").status_code == 404


def test_the_editor_refuses_a_json_body_that_is_not_an_object(client, app, db_session, rev_nodal):
    """A JSON number, true or a list has none of the fields: 400 with the field named, never a 500."""
    login(client, "nodal_rev")
    token = editor_csrf(client, "REV")
    for url in ("/config/REV/validate", "/config/REV/simulate", "/config/REV/draft", "/config/REV/publish"):
        for body in (5, True, ["text"]):
            response = post_json(client, url, token, body)
            assert response.status_code == 400 and "text" in response.get_json()["message"], (url, body, response.data[:200])
    limit = post_json(client, "/config/REV/simulate", token, {"text": REV_TEXT, "limit": [50]})
    assert limit.status_code == 400 and limit.get_json()["message"].startswith("limit:")


def test_the_api_answers_a_version_id_beyond_the_column_range(client, app, db_session, rev_nodal):
    """PostgreSQL refuses an integer beyond 32 bits in the query: that was a 500 (found by the API fuzzer)."""
    from tests.officers.helpers import api_token

    auth = {"Authorization": f"Bearer {api_token(client, 'nodal_rev')}"}
    huge = 2**42
    rollback = client.post("/api/v1/config/departments/REV/rollback", json={"version_id": huge}, headers=auth)
    assert rollback.status_code == 403 and f"Version {huge} has no department REV" in rollback.get_json()["message"]
    publish = client.post("/api/v1/config/departments/REV/publish", json={"text": REV_TEXT, "base_version_id": huge},
                          headers=auth)
    assert publish.status_code == 409 and publish.get_json()["message"]
