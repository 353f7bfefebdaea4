"""A nodal officer changes the Revenue department's routing in the browser: the administrator assigns them in the FAB
admin; they open the editor, make a typo (the error appears on its line), fix it, add a routing rule, run the dry-run
simulation (the count of changed routes is shown), publish, and a citizen's new grievance follows the new rule at once. The rule is rolled back at the end (a new version), so the other
browser tests find REV as shipped.

Screenshots: test-output/browser/config-editor/NN-actor-step.png."""
from __future__ import annotations

import random
import sqlite3

from playwright.sync_api import expect

from tests.browser.steps import Story, Walk, file_rtc_grievance, officer_login, register_citizen

SLOW = 60_000  # ms: Validate and Publish build the whole 44-department catalogue (seconds on a busy machine)
NODAL = "rev_secretary"  # a demo login (the Revenue Secretary), made nodal officer of REV by the administrator
RULE = """  - name: RTC files of survey numbers 999/ go to the Deputy Commissioner
    when: {grievance: REV_RTC_NOT_ISSUED, form.survey_number: {matches: "^999/"}}
    assign: DC
    priority: high
"""


def grievance_row(live_server, number: str) -> tuple:
    with sqlite3.connect(live_server.instance / "ipgrs.db") as db:
        return db.execute(
            "SELECT p.code, g.priority, g.ruleset_version_id FROM grievance g JOIN catalog_post p ON p.id = g.assigned_post_id "
            "WHERE g.number = ?", (number,)).fetchone()


def editor_line(page, needle: str) -> int:
    return page.evaluate("(n) => configEditor.getValue().split('\\n').findIndex(l => l.includes(n)) + 1", needle)


def replace_in_editor(page, old: str, new: str) -> None:
    """Selects `old` with the editor's own search and types `new` over it, as a person would."""
    found = page.evaluate("(s) => { const r = configEditor.find(s, {caseSensitive: true, start: {row: 0, column: 0}});"
                          " configEditor.focus(); return !!r; }", old)
    assert found, f"{old!r} is not in the editor"
    page.keyboard.type(new)
    assert new in page.evaluate("configEditor.getValue()")


def test_a_nodal_officer_edits_validates_and_publishes_a_rule_that_routes_the_next_grievance(page_for, live_server, document_png):
    story = Story(page_for("desktop", "config-editor").shots)

    # Before the change: a citizen's RTC grievance with a 999/ survey number goes to the Special Tahsildar of Anekal.
    citizen = Walk(page_for("desktop", "config-editor"), "desktop", actor="citizen", story=story)
    register_citizen(citizen, live_server, f"96{random.randrange(10 ** 8):08d}")
    earlier = file_rtc_grievance(citizen, document_png, survey_number="999/1")
    assert grievance_row(live_server, earlier)[0] == "SPL_TAHSILDAR"

    # The administrator makes rev_secretary the nodal officer of REV (Configuration › Nodal officers › add).
    admin = Walk(page_for("desktop", "config-editor"), "desktop", portal=False, actor="admin", story=story)
    officer_login(admin, live_server, "admin")
    page = admin.page
    page.goto("/nodalassignmentview/add")
    page.select_option("select#user", value=_value_for(live_server, NODAL), force=True)
    page.select_option("select#department", value=_department_value(live_server, "REV"), force=True)
    admin.check("assign-nodal-officer")
    page.click("form input[type=submit], form button[type=submit]")
    page.wait_for_load_state("load")
    page.goto("/nodalassignmentview/list/")
    expect(page.locator("table tr", has_text="Revenue Department")).to_have_count(1)
    admin.check("assigned")

    # The nodal officer sees only REV, and opens its editor.
    nodal = Walk(page_for("desktop", "config-editor"), "desktop", portal=False, actor="nodal", story=story)
    officer_login(nodal, live_server, NODAL)
    page = nodal.page
    page.goto("/config/")
    expect(page.locator("#departments tbody tr")).to_have_count(1)
    nodal.check("departments")
    page.click("#departments a:text-is('Edit')")
    page.wait_for_url("**/config/REV")
    expect(page.locator("#yaml-editor .ace_gutter")).to_be_visible()
    expect(page.locator("#yaml-editor .ace_keyword, #yaml-editor .ace_meta").first).to_be_visible()  # highlighted YAML
    published_before = int(page.locator("#published-version").inner_text())
    nodal.check("editor")

    # A typo: "asign". Validate marks line N in the gutter, with the message of `ipgrs config validate`.
    replace_in_editor(page, "assign: TAHSILDAR", "asign: TAHSILDAR")
    line = editor_line(page, "asign: TAHSILDAR")
    page.click("#validate")
    problem = page.locator(f"#problems li[data-line='{line}']").first
    expect(problem).to_contain_text("'asign' is not a valid key here; did you mean 'assign'?", timeout=SLOW)
    page.evaluate("(l) => configEditor.scrollToLine(l, true, false)", line)
    expect(page.locator(".ace_gutter-cell.ace_error", has_text=str(line))).to_be_visible()
    expect(page.locator("#status")).to_contain_text("problem")
    nodal.check("typo-marked")

    # Fixed: valid again.
    replace_in_editor(page, "asign: TAHSILDAR", "assign: TAHSILDAR")
    page.click("#validate")
    expect(page.locator("#valid")).to_contain_text("No problems", timeout=SLOW)
    expect(page.locator(".ace_gutter-cell.ace_error")).to_have_count(0)

    # A new first rule, typed under "routing:"; the rules table shows it first after Validate.
    routing = editor_line(page, "routing:")
    page.evaluate("(r) => { configEditor.gotoLine(r + 1, 0, false); configEditor.focus(); }", routing)
    page.keyboard.insert_text(RULE)
    page.click("#validate")
    expect(page.locator("#valid")).to_be_visible(timeout=SLOW)
    first = page.locator("#rules-table tbody tr").first
    expect(first).to_contain_text("RTC files of survey numbers 999/ go to the Deputy Commissioner", timeout=SLOW)
    expect(first).to_contain_text("form.survey_number matches ^999/")
    nodal.check("rule-added")

    # The dry run: the department's recent grievances re-decided under the draft; the earlier 999/ grievance would now
    # go to the DC. Nothing is written.
    page.click("#simulate")
    expect(page.locator("#simulation-summary")).to_contain_text("re-decided", timeout=SLOW)
    assert int(page.locator("#sim-route").inner_text()) >= 1
    expect(page.locator("#simulation-examples li", has_text=earlier)).to_contain_text("draft DC")
    assert grievance_row(live_server, earlier)[0] == "SPL_TAHSILDAR"
    expect(page.locator("#findings li").first).to_be_visible()  # the rule analysis panel (warnings or "No warnings.")
    nodal.check("simulated")

    page.fill("#publish-message", "999/ survey numbers to the DC")
    page.click("#publish")
    expect(page.locator("#status")).to_contain_text("It is in effect now.", timeout=2 * SLOW)
    published = int(page.locator("#published-version").inner_text())
    assert published > published_before
    nodal.check("published")

    # A citizen's new grievance follows the new rule; no restart.
    number = file_rtc_grievance(citizen, document_png, survey_number="999/7")
    assert grievance_row(live_server, number) == ("DC", "high", published)

    # Rolled back to the version before (itself a new version); the grievance keeps the version that routed it.
    page.reload()
    page.select_option("#rollback-version", value=str(published_before))
    page.fill("#rollback input[name=message]", "browser test done")
    with page.expect_navigation(timeout=SLOW):
        page.click("#rollback button[type=submit]", no_wait_after=True)
    expect(page.locator(".alert-success")).to_contain_text(timeout=SLOW, expected=f"rolled back to version {published_before}")
    nodal.check("rolled-back")
    assert int(page.locator("#published-version").inner_text()) > published
    assert grievance_row(live_server, number)[2] == published
    assert grievance_row(live_server, earlier)[0] == "SPL_TAHSILDAR"  # routed by the version before, kept


def _value_for(live_server, username: str) -> str:
    with sqlite3.connect(live_server.instance / "ipgrs.db") as db:
        return str(db.execute("SELECT id FROM ab_user WHERE username = ?", (username,)).fetchone()[0])


def _department_value(live_server, code: str) -> str:
    with sqlite3.connect(live_server.instance / "ipgrs.db") as db:
        return str(db.execute("SELECT id FROM catalog_department WHERE code = ?", (code,)).fetchone()[0])
