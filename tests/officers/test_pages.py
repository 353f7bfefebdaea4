"""The officer's pages: the inbox, one grievance, and every action through its form, as a logged-in officer."""
from __future__ import annotations

import re
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo
from io import BytesIO

from sqlalchemy import select

from ipgrs import clock
from ipgrs.grievances import workflow
from ipgrs.grievances.models import Grievance, GrievanceEvent
from tests.factories import png_bytes
from tests.officers.helpers import (mutation_in_anekal, officer_login, page_csrf, rtc_in_anekal, rtc_in_hunsur)
from tests.portal.helpers import csrf_from


IST = ZoneInfo("Asia/Kolkata")


def reload(session, g) -> Grievance:
    session.expire_all()
    return session.get(Grievance, g.id)


def last_event(session, g) -> GrievanceEvent:
    return session.scalars(select(GrievanceEvent).where(GrievanceEvent.grievance_id == g.id).order_by(GrievanceEvent.id.desc())).first()


def act(client, g, action, **fields):
    data = {"csrf_token": page_csrf(client, g.number), "expected_version": str(g.row_version), **fields}
    return client.post(f"/officer/grievances/{g.number}/{action}", data=data, content_type="multipart/form-data")


def test_the_inbox_lists_counts_and_counts_down(client, db_session):
    near, far = rtc_in_anekal(db_session), rtc_in_anekal(db_session)
    # Noon in Bengaluru, 3 days ahead and 2 days back: the countdown counts calendar days in IST, so an offset
    # from now would read "due in 4 days" when the test runs late in the Indian evening.
    noon = datetime.combine(clock.now().astimezone(IST).date(), time(12), tzinfo=IST)
    near.due_at, far.due_at = noon + timedelta(days=3), noon - timedelta(days=2)
    db_session.commit()
    officer_login(client, "spl_tahsildar")
    page = client.get("/officer/inbox")
    assert page.status_code == 200
    html = page.data.decode()
    assert html.index(far.number) < html.index(near.number)  # soonest due first: the overdue one leads
    assert re.search(r"due in 3 days", html) and "overdue by 2 days" in html
    assert 'data-facet="status" data-value="open"' in html and "Special Tahsildar, Anekal, Bengaluru Urban" in html
    assert re.search(r'data-facet="sla" data-value="overdue"[^>]*>overdue <span class="n">1</span>', html)
    assert "vendor/noto-sans-kannada/kannada.css" in html  # FAB's layout with the Kannada font
    only_overdue = client.get("/officer/inbox?sla=overdue").data.decode()
    assert far.number in only_overdue and near.number not in only_overdue
    first = client.get("/officer/inbox?page_size=1").data.decode()
    assert "page 1 of 2" in first and 'rel="next"' in first and "page=2" in first
    bad = client.get("/officer/inbox?page_size=500")
    assert bad.status_code == 400 and b"Page size: a whole number from 1 to 100." in bad.data


def test_the_grievance_page_shows_everything_the_handler_needs(client, db_session, app):
    from ipgrs.grievances import actions

    g = rtc_in_anekal(db_session, name="Kempamma")
    officer_login(client, "spl_tahsildar")
    from tests.officers.helpers import officer_of
    officer = officer_of(db_session, "spl_tahsildar")
    actions.add_note(db_session, g, actions.Actor("officer", "Special Tahsildar, Anekal", officer=officer),
                     "Checked Bhoomi: the mutation is pending.", visible_to_citizen=False)
    page = client.get(f"/officer/grievances/{g.number}")
    assert page.status_code == 200
    html = page.data.decode()
    assert "Kempamma" in html and g.citizen.mobile in html
    assert "123/2A" in html and "Survey number / Hissa number" in html and "Chandapura" in html and "Anekal" in html
    assert "Bengaluru Urban land records go to the special tahsildar" in html
    assert f"ruleset version {g.ruleset_version_id}" in html and "routed to SPL_TAHSILDAR by rule 1" in html
    assert "Checked Bhoomi: the mutation is pending." in html and ">internal<" in html
    for action in ("accept", "note", "request_info", "interim_reply", "transfer", "resolve", "reject"):
        form = re.search(rf'<form[^>]*id="form-{action}".*?</form>', html, re.S)
        assert form, action
        assert f'name="expected_version" value="{reload(db_session, g).row_version}"' in form.group(0)
        assert 'name="csrf_token"' in form.group(0)
    assert 'enctype="multipart/form-data"' in re.search(r'<form[^>]*id="form-resolve"[^>]*>', html).group(0)
    for code in workflow.REJECTION_REASONS:
        assert f'value="{code}"' in html


def test_attachments_link_to_the_documents(client, db_session):
    from ipgrs.grievances.services import file_grievance
    from tests.factories import make_citizen, rtc_filing, upload

    g = file_grievance(db_session, make_citizen(db_session), rtc_filing(uploads=[(None, upload("receipt.png", png_bytes()))]))
    officer_login(client, "spl_tahsildar")
    html = client.get(f"/officer/grievances/{g.number}").data.decode()
    link = re.search(r'href="(/attachments/\d+)">receipt.png<', html)
    assert link
    document = client.get(link.group(1))
    assert document.status_code == 200 and document.data == png_bytes()


def test_other_offices_get_404_and_supervisors_cannot_act(client, db_session):
    g = rtc_in_anekal(db_session)
    officer_login(client, "tahsildar_hunsur")
    assert client.get(f"/officer/grievances/{g.number}").status_code == 404
    assert g.number not in client.get("/officer/inbox?status=all").data.decode()
    officer_login(client, "tahsildar")  # same taluk, but not this grievance's post nor its chain
    assert client.get(f"/officer/grievances/{g.number}").status_code == 404
    assert client.get("/officer/grievances/KA-2000-99999999").status_code == 404

    officer_login(client, "dc_blr")
    page = client.get(f"/officer/grievances/{g.number}")
    assert page.status_code == 200
    html = page.data.decode()
    assert "under your supervision" in html and g.citizen.mobile not in html and 'id="form-accept"' not in html
    assert g.number in client.get("/officer/inbox?scope=supervision").data.decode()
    refused = client.post(f"/officer/grievances/{g.number}/accept",
                          data={"csrf_token": csrf_from(client.get("/officer/inbox").data), "expected_version": g.row_version})
    assert refused.status_code == 403 and b"supervise" in refused.data
    assert reload(db_session, g).status == workflow.OPEN


def test_every_action_through_its_form(client, db_session):
    officer_login(client, "spl_tahsildar")
    g = rtc_in_anekal(db_session)

    response = act(client, g, "accept")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/officer/grievances/{g.number}")
    g = reload(db_session, g)
    assert g.status == workflow.ACCEPTED and last_event(db_session, g).kind == "accepted"
    assert last_event(db_session, g).actor_label == "Special Tahsildar, Anekal"
    assert b"Accepted." in client.get(response.headers["Location"]).data  # the flash

    assert act(client, g, "note", note="Called the village accountant.").status_code == 302
    note = last_event(db_session, g)
    assert note.kind == "note" and not note.visible_to_citizen
    g = reload(db_session, g)
    assert act(client, g, "note", note="We are verifying the records.", visible_to_citizen="yes").status_code == 302
    assert last_event(db_session, g).visible_to_citizen

    g = reload(db_session, g)
    assert act(client, g, "interim_reply", note="Field verification next week.",
               expected_date=(clock.now() + timedelta(days=10)).date().isoformat()).status_code == 302
    g = reload(db_session, g)
    assert g.status == workflow.ACCEPTED and last_event(db_session, g).kind == "interim_reply"

    assert act(client, g, "request_info", question="Please upload the application acknowledgement.").status_code == 302
    g = reload(db_session, g)
    assert g.status == workflow.AWAITING_CITIZEN and last_event(db_session, g).kind == "information_requested"
    html = client.get(f"/officer/grievances/{g.number}").data.decode()
    assert 'id="form-note"' in html and 'id="form-resolve"' not in html  # only a note while the citizen is asked


def test_resolve_with_a_report_and_documents(client, db_session):
    officer_login(client, "spl_tahsildar")
    g = rtc_in_anekal(db_session)
    response = act(client, g, "resolve", report="RTC issued on the Bhoomi portal; copy attached.",
                   attachments=[(BytesIO(png_bytes()), "rtc-copy.png")])
    assert response.status_code == 302, response.data[:800]
    g = reload(db_session, g)
    assert g.status == workflow.RESOLVED and last_event(db_session, g).kind == "resolved"
    assert [a.original_name for a in g.attachments] == ["rtc-copy.png"]
    assert g.attachments[0].event_id == last_event(db_session, g).id


def test_reject_with_a_reason(client, db_session):
    officer_login(client, "spl_tahsildar")
    g = rtc_in_anekal(db_session)
    missing = act(client, g, "reject", note="Filed twice.")
    assert missing.status_code == 400
    assert re.search(rb'id="reject-reason-error"[^>]*>Reason: choose one of', missing.data)
    assert b"Filed twice." in missing.data  # what was typed is kept
    g = reload(db_session, g)
    assert act(client, g, "reject", reason="duplicate", note="Same as KA-2026-00000001.").status_code == 302
    g = reload(db_session, g)
    assert g.status == workflow.REJECTED and last_event(db_session, g).data == {"reason": "duplicate"}


def test_transfer_to_another_grievance_type_and_place(client, db_session):
    officer_login(client, "spl_tahsildar")
    g = rtc_in_anekal(db_session)
    nowhere = act(client, g, "transfer", reason="Wrong office.")
    assert nowhere.status_code == 400 and b'id="transfer-grievance_type-error"' in nowhere.data
    g = reload(db_session, g)
    response = act(client, g, "transfer", reason="This is a mutation delay, for the Tahsildar.",
                   grievance_type="REV_MUTATION_DELAY")
    assert response.status_code == 302, response.data[:600]
    g = reload(db_session, g)
    assert g.status == workflow.OPEN and g.transfer_count == 1 and g.assigned_post.code == "TAHSILDAR"
    assert last_event(db_session, g).kind == "transferred"
    # No longer the Special Tahsildar's: the page is gone for them.
    assert client.get(f"/officer/grievances/{g.number}").status_code == 404
    officer_login(client, "tahsildar")
    assert client.get(f"/officer/grievances/{g.number}").status_code == 200
    response = act(client, g, "transfer", reason="The land is in Hunsur.", district="Mysuru", taluk="Hunsur")
    assert response.status_code == 302
    g = reload(db_session, g)
    assert g.taluk.name_en == "Hunsur" and g.transfer_count == 2


def test_409_on_a_wrong_transition_and_on_a_stale_version(client, db_session):
    officer_login(client, "spl_tahsildar")
    g = rtc_in_anekal(db_session)
    stale_version = g.row_version
    assert act(client, g, "accept").status_code == 302
    again = client.post(f"/officer/grievances/{g.number}/accept",
                        data={"csrf_token": page_csrf(client, g.number), "expected_version": stale_version + 1})
    assert again.status_code == 409
    assert b"Cannot accept a grievance that is accepted" in again.data and b"Reload the grievance" in again.data
    stale = client.post(f"/officer/grievances/{g.number}/note",
                        data={"csrf_token": page_csrf(client, g.number), "expected_version": stale_version, "note": "late"})
    assert stale.status_code == 409 and b"changed by someone else" in stale.data
    assert last_event(db_session, g).kind == "accepted"


def test_forms_need_the_csrf_token_and_the_version(client, db_session):
    officer_login(client, "spl_tahsildar")
    g = rtc_in_anekal(db_session)
    forged = client.post(f"/officer/grievances/{g.number}/accept", data={"expected_version": g.row_version})
    assert forged.status_code == 400 and b"CSRF" in forged.data
    unversioned = client.post(f"/officer/grievances/{g.number}/accept", data={"csrf_token": page_csrf(client, g.number)})
    assert unversioned.status_code == 400 and b"Expected version: missing" in unversioned.data
    assert reload(db_session, g).status == workflow.OPEN


def test_accept_selected(client, db_session):
    officer_login(client, "tahsildar")
    one, two, three = mutation_in_anekal(db_session), mutation_in_anekal(db_session), mutation_in_anekal(db_session)
    page = client.get("/officer/inbox")
    html = page.data.decode()
    for g in (one, two, three):
        assert f'value="{g.number}:{g.row_version}"' in html
    response = client.post("/officer/inbox/accept", data={
        "csrf_token": csrf_from(html), "back": "/officer/inbox?status=open",
        "grievance": [f"{one.number}:{one.row_version}", f"{two.number}:{two.row_version}", f"{three.number}:{three.row_version + 5}"]})
    assert response.status_code == 302 and response.headers["Location"].endswith("/officer/inbox?status=open")
    assert [reload(db_session, g).status for g in (one, two, three)] == [workflow.ACCEPTED, workflow.ACCEPTED, workflow.OPEN]
    after = client.get(response.headers["Location"]).data.decode()
    assert f"Accepted 2: {one.number}, {two.number}." in after and f"Not accepted — {three.number}" in after
    forged = client.post("/officer/inbox/accept", data={"grievance": [f"{three.number}:{three.row_version}"]})
    assert forged.status_code == 400 and reload(db_session, three).status == workflow.OPEN


def test_only_officers_reach_the_inbox(client, db_session):
    assert "/login" in client.get("/officer/inbox").headers["Location"]
    officer_login(client, "operator")
    assert client.get("/officer/inbox").status_code in (302, 403)
    from tests.portal.helpers import staff_login
    client.get("/logout/")
    staff_login(client, "admin", "admin")
    page = client.get("/officer/inbox")
    assert page.status_code == 403 and b"not linked to an officer" in page.data


def test_hunsur_tahsildar_works_their_own_taluk(client, db_session):
    g = rtc_in_hunsur(db_session)
    officer_login(client, "tahsildar_hunsur")
    assert g.number in client.get("/officer/inbox").data.decode()
    assert act(client, g, "accept").status_code == 302
    assert reload(db_session, g).status == workflow.ACCEPTED


def test_documents_follow_the_inbox_scope(client, db_session):
    """The handling officer and supervisors in the chain read the documents; other offices and operators do not."""
    from ipgrs.grievances.services import file_grievance
    from tests.factories import make_citizen, rtc_filing, upload
    from tests.portal.helpers import staff_login

    g = file_grievance(db_session, make_citizen(db_session), rtc_filing(uploads=[(None, upload("deed.png", png_bytes()))]))
    url = f"/attachments/{g.attachments[0].id}"
    for login, status in (("dc_blr", 200), ("tahsildar_hunsur", 404)):
        officer_login(client, login)
        assert client.get(url).status_code == status, login
    client.get("/logout/")
    staff_login(client, "operator", "operator")
    assert client.get(url).status_code == 404


def test_the_interim_reply_date_starts_at_today_in_bengaluru(client, db_session):
    g = rtc_in_anekal(db_session)
    officer_login(client, "spl_tahsildar")
    now = clock.now()
    late_evening = datetime.combine(now.date(), time(20), tzinfo=ZoneInfo("UTC"))  # 01:30 the next day in IST
    with clock.travel(late_evening - now):
        html = client.get(f"/officer/grievances/{g.number}").data.decode()
        bengaluru_today = clock.now().astimezone(IST).date()
    assert bengaluru_today == late_evening.date() + timedelta(days=1)
    assert f'name="expected_date" class="form-control" min="{bengaluru_today.isoformat()}"' in html
