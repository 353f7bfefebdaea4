"""The citizen's side of redressal: answering a request for information, rating, appealing — on the portal,
the API and the link in the resolution SMS."""
from __future__ import annotations

import re

from sqlalchemy import select

from ipgrs.grievances import actions, services, workflow
from ipgrs.notifications.models import Notification
from tests.factories import make_citizen, rtc_filing
from tests.portal.helpers import api_token, csrf_from, portal_login


def officer(g):
    return actions.Actor("officer", "Tahsildar, Hunsur", officer=g.assigned_officer)


def filed_by(session, mobile):
    citizen = make_citizen(session, mobile=mobile, district="Mysuru", taluk="Hunsur", pincode="571105")
    return services.file_grievance(session, citizen, rtc_filing())


def test_portal_reply_then_appeal(client, app, db_session):
    g = filed_by(db_session, "+919845200001")
    portal_login(client, app, db_session, "9845200001")
    actions.request_info(db_session, g, officer(g), "Upload the mutation order, please.")
    page = client.get(f"/grievances/{g.number}")
    assert b"The officer needs information from you" in page.data and b"Upload the mutation order" in page.data
    empty = client.post(f"/grievances/{g.number}/reply", data={"answer": "", "csrf_token": csrf_from(page.data)})
    assert empty.status_code == 400 and b"Your answer: this field is required." in empty.data
    sent = client.post(f"/grievances/{g.number}/reply", data={"answer": "Order number 12/2025.", "csrf_token": csrf_from(page.data)})
    assert sent.status_code == 302
    db_session.refresh(g)
    assert g.status == workflow.ACCEPTED
    actions.resolve(db_session, g, officer(g), "RTC corrected.")
    page = client.get(f"/grievances/{g.number}")
    assert b"How was the redressal?" in page.data
    appeal = client.post(f"/grievances/{g.number}/feedback", data={"rating": "1", "satisfied": "no", "comment": "Still wrong.",
                                                                  "csrf_token": csrf_from(page.data)})
    assert appeal.status_code == 302
    db_session.refresh(g)
    assert g.status == workflow.REOPENED and g.level == 2


def test_api_feedback_and_refusals(client, app, db_session):
    g = filed_by(db_session, "+919845200002")
    auth = {"Authorization": f"Bearer {api_token(client, app, db_session, '9845200002')}"}
    early = client.post(f"/api/v1/grievances/{g.number}/feedback", headers=auth, json={"rating": 5, "satisfied": True})
    assert early.status_code == 409 and "open" in early.get_json()["message"]
    actions.resolve(db_session, g, officer(g), "Done.")
    bad = client.post(f"/api/v1/grievances/{g.number}/feedback", headers=auth, json={"rating": 7, "satisfied": True})
    assert bad.status_code == 400 and "rating" in bad.get_json()["errors"]
    ok = client.post(f"/api/v1/grievances/{g.number}/feedback", headers=auth, json={"rating": 4, "satisfied": True})
    assert ok.status_code == 200 and ok.get_json()["grievance"]["status"] == "closed"
    other = filed_by(db_session, "+919845200003")
    assert client.post(f"/api/v1/grievances/{other.number}/feedback", headers=auth, json={"rating": 4, "satisfied": True}).status_code == 404


def test_the_sms_link_lets_the_citizen_rate_without_logging_in(client, app, db_session):
    g = filed_by(db_session, "+919845200004")
    actions.resolve(db_session, g, officer(g), "Done.")
    sms = db_session.scalar(select(Notification).where(Notification.key.like(f"grievance:{g.number}:resolved:%")))
    link = re.search(r"https?://\S+/feedback/(\S+)", sms.body)
    assert link, sms.body
    page = client.get(f"/feedback/{link.group(1)}")
    assert page.status_code == 200 and b"How was the redressal?" in page.data
    assert client.get(f"/feedback/{link.group(1)}x").status_code == 404  # tampered
    done = client.post(f"/feedback/{link.group(1)}", data={"rating": "5", "satisfied": "yes", "csrf_token": csrf_from(page.data)})
    assert done.status_code == 302
    db_session.refresh(g)
    assert g.status == workflow.CLOSED and g.rating == 5
