"""Officers and citizens, each in their own browser, take a grievance through its lifecycle on the real
platform: the last-mile functionary asks for information, the citizen answers, the officer resolves, the
citizen appeals and the grievance reaches the next officer; and a grievance left past its due date is
escalated by `ipgrs escalate` after the clock file has moved time forward (no sleeping).

The RTC grievances of Anekal, Bengaluru Urban go to the Special Tahsildar (demo login spl_tahsildar), whose
chain is SPL_TAHSILDAR → AC → DC → SEC; the Assistant Commissioner is ac_blr. Password = username.

Screenshots of every step go to test-output/browser/officer-*/NN-actor-step.png (look at them)."""
from __future__ import annotations

import random

from playwright.sync_api import expect

from ipgrs.portal.i18n import EVENTS, STATUS
from tests.browser.steps import (KANNADA, RTC_DESCRIPTION, Story, Walk, file_rtc_grievance, officer_login,
                                 open_from_inbox, register_citizen)

CITIZEN_NAME = "ಆಶಾ ಕುಮಾರಿ"  # officers must see it in Kannada letters, not boxes
DESCRIPTION = RTC_DESCRIPTION + "\nಪಹಣಿ ಇನ್ನೂ ಸಿಕ್ಕಿಲ್ಲ."
QUESTION = "Please upload the acknowledgement"
ANSWER = "The acknowledgement of my RTC application is attached."
REPORT = "The RTC was issued on the citizen's application and handed over at the Nadakacheri."
APPEAL = "The RTC I was given still shows the old survey number."
NEWEST_FIRST = "?sort=-filed"  # the suite's other grievances are in these inboxes too


def status(code: str) -> str:
    """The status as the citizen's page words it."""
    return STATUS[code][0]


def new_mobile() -> str:
    return f"97{random.randrange(10 ** 8):08d}"


def citizen_files(page_for, live_server, story_name: str, document) -> tuple[Walk, str]:
    citizen = Walk(page_for("desktop", story_name), "desktop", actor="citizen", fonts=True)
    register_citizen(citizen, live_server, new_mobile(), name=CITIZEN_NAME)
    return citizen, file_rtc_grievance(citizen, document, description=DESCRIPTION)


def officer(page_for, story: Story, viewport: str, actor: str) -> Walk:
    return Walk(page_for(viewport, story.folder.name), viewport, portal=False, actor=actor, story=story, fonts=True)


def open_grievance(walk: Walk, row, number: str) -> None:
    row.locator(f"a:text-is('{number}')").click()
    walk.page.wait_for_url(f"**/officer/grievances/{number}")
    expect(walk.page.locator("h1")).to_contain_text(number)


def act(walk: Walk, action: str) -> None:
    """Submits the grievance page's form for `action` and waits for the page it redirects to."""
    page = walk.page
    with page.expect_navigation():
        page.click(f"#form-{action} button[type=submit]")
    expect(page.locator(".alert-success")).to_be_visible()  # the outcome, flashed


def test_information_resolution_and_appeal_reach_the_next_level(page_for, live_server, document_png, tmp_path):
    citizen, number = citizen_files(page_for, live_server, "officer-flow", document_png)
    story = citizen.story
    lmf = officer(page_for, story, "desktop", "lmf")

    # The Special Tahsildar finds the new grievance and asks for the acknowledgement.
    officer_login(lmf, live_server, "spl_tahsildar")
    row = open_from_inbox(lmf, number, NEWEST_FIRST)
    expect(row).to_contain_text("open")
    expect(row).to_contain_text("L1 SPL_TAHSILDAR")
    open_grievance(lmf, row, number)
    page = lmf.page
    expect(page.locator("#grievance-status")).to_have_text("Open")
    expect(page.locator("#scope")).to_have_text("assigned to you")
    expect(page.locator("#citizen")).to_contain_text(CITIZEN_NAME)
    expect(page.locator("#description")).to_contain_text("ಪಹಣಿ ಇನ್ನೂ ಸಿಕ್ಕಿಲ್ಲ")
    expect(page.locator("#attachments")).to_contain_text(document_png.name)
    expect(page.locator("#routing strong")).to_have_text("L1 SPL_TAHSILDAR")
    lmf.check("grievance")
    page.fill("#request_info-question", QUESTION)
    act(lmf, "request_info")
    expect(page.locator("#grievance-status")).to_have_text("Awaiting the citizen")
    expect(page.locator("#sla")).to_contain_text("paused")
    expect(page.locator("#audit li[data-kind=information_requested]")).to_contain_text(QUESTION)
    expect(page.locator("#form-resolve")).to_have_count(0)  # nothing to do but wait for the citizen
    lmf.check("information-requested")

    # The citizen sees the question on the grievance's page and answers it with the document.
    acknowledgement = tmp_path / "acknowledgement.png"
    acknowledgement.write_bytes(document_png.read_bytes())
    page = citizen.page
    page.goto(f"/grievances/{number}")
    expect(page.locator("#grievance-status")).to_have_text(status("awaiting_citizen"))
    expect(page.locator("#reply-form h2")).to_have_text("The officer needs information from you")
    expect(page.locator(".timeline")).to_contain_text(QUESTION)
    citizen.check("question")
    page.fill("#answer", ANSWER)
    page.set_input_files("#reply-attachments", acknowledgement)
    with page.expect_navigation():
        page.click("#reply-form button[type=submit]")
    expect(page.locator("#grievance-status")).to_have_text(status("accepted"))
    expect(page.locator("#reply-form")).to_have_count(0)
    expect(page.locator(".timeline")).to_contain_text(EVENTS["citizen_replied"][0])
    expect(page.locator(".timeline")).to_contain_text(ANSWER)
    citizen.check("answered")

    # The Special Tahsildar reads the answer and resolves with an action taken report and a document.
    report_png = tmp_path / "action-taken-report.png"
    report_png.write_bytes(document_png.read_bytes())
    page = lmf.page
    page.goto(f"/officer/grievances/{number}")
    expect(page.locator("#audit li[data-kind=citizen_replied]")).to_contain_text(ANSWER)
    expect(page.locator("#attachments")).to_contain_text(acknowledgement.name)
    if page.locator("#form-accept").count():
        act(lmf, "accept")
    expect(page.locator("#grievance-status")).to_have_text("Accepted")
    page.fill("#resolve-report", REPORT)
    page.set_input_files("#resolve-attachments", report_png)
    lmf.check("resolving")
    act(lmf, "resolve")
    expect(page.locator("#grievance-status")).to_have_text("Resolved")
    expect(page.locator("#audit li[data-kind=resolved]")).to_contain_text(REPORT)
    expect(page.locator("#attachments")).to_contain_text(report_png.name)
    expect(page.locator("#actions form")).to_have_count(0)
    lmf.check("resolved")

    # The citizen is not satisfied: one star and an appeal.
    page = citizen.page
    page.goto(f"/grievances/{number}")
    expect(page.locator("#grievance-status")).to_have_text(status("resolved"))
    expect(page.locator(".timeline")).to_contain_text(REPORT)
    page.check("#feedback-form input[name=rating][value='1']")
    page.check("#feedback-form input[name=satisfied][value=no]")
    page.fill("#comment", APPEAL)
    citizen.check("feedback")
    with page.expect_navigation():
        page.click("#feedback-form button[type=submit]")
    expect(page.locator("#grievance-status")).to_have_text(status("reopened"))
    expect(page.locator("#feedback-form")).to_have_count(0)
    expect(page.locator("main .card dl.facts")).to_contain_text("(L2)")
    citizen.check("appealed")

    # The Assistant Commissioner, on a phone, finds the reopened grievance at level 2 and may act on it.
    ac = officer(page_for, story, "phone", "ac")
    officer_login(ac, live_server, "ac_blr")
    row = open_from_inbox(ac, number, NEWEST_FIRST)
    expect(row).to_contain_text("reopened")
    expect(row).to_contain_text("L2 AC")
    expect(row).to_contain_text("mine")
    open_grievance(ac, row, number)
    page = ac.page
    expect(page.locator("#grievance-status")).to_have_text("Reopened on appeal")
    expect(page.locator("#scope")).to_have_text("assigned to you")
    expect(page.locator("#routing strong")).to_have_text("L2 AC")
    expect(page.locator("#citizen")).to_contain_text(CITIZEN_NAME)
    expect(page.locator("#audit li[data-kind=reopened]")).to_contain_text(APPEAL)
    expect(page.locator("#form-accept")).to_have_count(1)
    ac.check("grievance")
    assert KANNADA.search(page.locator("#citizen").inner_text())

    assert "Traceback" not in live_server.log_text(), live_server.log_text()[-3000:]


def test_a_lapsed_grievance_is_escalated_to_the_next_level(page_for, live_server, document_png, advance):
    citizen, number = citizen_files(page_for, live_server, "officer-escalation", document_png)
    page = citizen.page
    expect(page.locator("main .card dl.facts")).to_contain_text("(L1)")

    advance(40)  # past the RTC timeline (10 working days) whatever the holidays
    swept = live_server.escalate()
    assert swept.startswith("escalated "), swept  # the server's own beat may have swept first: no count asserted

    page.goto(f"/grievances/{number}")
    expect(page.locator("#grievance-status")).to_have_text(status("open"))
    expect(page.locator("main .card dl.facts")).to_contain_text("(L2)")
    expect(page.locator(".timeline")).to_contain_text(EVENTS["escalated"][0])
    citizen.check("escalated")

    ac = officer(page_for, citizen.story, "desktop", "ac")
    officer_login(ac, live_server, "ac_blr")
    row = open_from_inbox(ac, number, NEWEST_FIRST + "&scope=mine")
    expect(row).to_contain_text("L2 AC")
    open_grievance(ac, row, number)
    page = ac.page
    expect(page.locator("#grievance-status")).to_have_text("Open")
    expect(page.locator("#scope")).to_have_text("assigned to you")
    expect(page.locator("#routing strong")).to_have_text("L2 AC")
    expect(page.locator("#audit li[data-kind=escalated]")).to_have_count(1)
    expect(page.locator("#form-accept")).to_have_count(1)
    ac.check("grievance")

    # It has left the Special Tahsildar's hands: the post is before the grievance's level, so not even supervision.
    lmf = officer(page_for, citizen.story, "desktop", "lmf")
    officer_login(lmf, live_server, "spl_tahsildar")
    response = lmf.page.goto(f"/officer/grievances/{number}")
    assert response.status == 404, response.status
    expect(lmf.page.locator("h1")).to_have_text("Not found")
    citizen.story.shoot(lmf.page, "lmf-after-escalation")  # not check(): the browser rightly logs the 404

    assert "Traceback" not in live_server.log_text(), live_server.log_text()[-3000:]
