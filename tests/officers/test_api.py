"""The officer's JSON API with FAB's JWT (and the browser session): inbox, one grievance, every action, errors."""
from __future__ import annotations

import json
from datetime import timedelta
from io import BytesIO

from sqlalchemy import select

from ipgrs import clock
from ipgrs.grievances import workflow
from ipgrs.grievances.models import Grievance, GrievanceEvent
from tests.factories import png_bytes
from tests.officers.helpers import api_token, mutation_in_anekal, officer_login, rtc_in_anekal, rtc_in_hunsur


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def reload(session, g) -> Grievance:
    session.expire_all()
    return session.get(Grievance, g.id)


def kinds(session, g) -> list[str]:
    return [e.kind for e in session.scalars(select(GrievanceEvent).where(GrievanceEvent.grievance_id == g.id).order_by(GrievanceEvent.id))]


def post(client, token, g, action, **fields):
    """The action with the grievance's current row version, unless the test gives another."""
    from ipgrs.extensions import db

    fields.setdefault("expected_version", reload(db.session, g).row_version)
    return client.post(f"/api/v1/officer/grievances/{g.number}/{action}", json=fields, headers=bearer(token))


def test_the_inbox_with_filters_counts_and_pages(client, db_session):
    filed = [rtc_in_anekal(db_session) for _ in range(3)]
    filed[0].due_at = clock.now() - timedelta(days=1)
    db_session.commit()
    token = api_token(client, "spl_tahsildar")
    body = client.get("/api/v1/officer/grievances?page_size=2", headers=bearer(token)).get_json()
    assert body["total"] == 3 and body["pages"] == 2 and body["page"] == 1 and len(body["grievances"]) == 2
    assert body["grievances"][0]["number"] == filed[0].number and body["grievances"][0]["sla"] == "overdue"
    assert body["grievances"][0]["sla_text"].startswith("overdue")
    assert body["counts"]["status"] == {"open": 3} and body["counts"]["sla"]["overdue"] == 1
    first = body["grievances"][0]
    assert first["scope"] == "mine" and first["post"]["code"] == "SPL_TAHSILDAR" and first["row_version"] == filed[0].row_version
    overdue = client.get("/api/v1/officer/grievances?sla=overdue", headers=bearer(token)).get_json()
    assert [g["number"] for g in overdue["grievances"]] == [filed[0].number]
    bad = client.get("/api/v1/officer/grievances?page_size=1000&status=nope", headers=bearer(token))
    assert bad.status_code == 400 and set(bad.get_json()["errors"]) == {"page_size", "status"} and bad.get_json()["message"]


def test_login_is_required_and_the_browser_session_works_too(client, db_session):
    g = rtc_in_anekal(db_session)
    anonymous = client.get("/api/v1/officer/grievances")
    assert anonymous.status_code == 401 and anonymous.get_json()["message"]
    officer_login(client, "spl_tahsildar")
    assert client.get(f"/api/v1/officer/grievances/{g.number}").get_json()["grievance"]["number"] == g.number
    client.get("/logout/")
    operator = api_token(client, "operator")
    assert client.get("/api/v1/officer/grievances", headers=bearer(operator)).status_code == 403
    admin = api_token(client, "admin")
    refused = client.get("/api/v1/officer/grievances", headers=bearer(admin))
    assert refused.status_code == 403 and "not linked to an officer" in refused.get_json()["message"]


def test_one_grievance_in_full_and_404_for_other_offices(client, db_session):
    g = rtc_in_anekal(db_session, name="Kempamma")
    spl = api_token(client, "spl_tahsildar")
    body = client.get(f"/api/v1/officer/grievances/{g.number}", headers=bearer(spl)).get_json()["grievance"]
    assert body["citizen"] == {"name": "Kempamma", "mobile": g.citizen.mobile}
    assert body["form"] == {"survey_number": "123/2A", "village_name": "Chandapura"}
    assert body["location"]["taluk"] == "Anekal" and body["routing"]["escalation"] == ["SPL_TAHSILDAR", "AC", "DC", "SEC"]
    assert body["routing"]["rules_fired"] == ["Bengaluru Urban land records go to the special tahsildar"]
    assert body["routing"]["ruleset_version"]["id"] == g.ruleset_version_id and body["routing"]["explanation"]
    assert [e["kind"] for e in body["events"]] == ["filed", "assigned"]
    assert body["actions"] == ["accept", "note", "request_info", "interim_reply", "transfer", "resolve", "reject"]

    dc = api_token(client, "dc_blr")
    supervised = client.get(f"/api/v1/officer/grievances/{g.number}", headers=bearer(dc)).get_json()["grievance"]
    assert supervised["scope"] == "supervision" and supervised["actions"] == []
    # a supervisor sees no name and a masked mobile (citizens.privacy)
    assert supervised["citizen"] == {"name": None, "mobile": g.citizen.masked_mobile} != body["citizen"]
    refused = post(client, dc, g, "accept")
    assert refused.status_code == 403 and "supervise" in refused.get_json()["message"]

    for other in ("tahsildar_hunsur", "tahsildar"):
        token = api_token(client, other)
        missing = client.get(f"/api/v1/officer/grievances/{g.number}", headers=bearer(token))
        assert missing.status_code == 404 and missing.get_json()["message"]
        assert post(client, token, g, "accept").status_code == 404
    assert reload(db_session, g).status == workflow.OPEN


def test_every_action_through_the_api(client, db_session):
    token = api_token(client, "spl_tahsildar")
    g = rtc_in_anekal(db_session)
    accepted = post(client, token, g, "accept")
    assert accepted.status_code == 200 and accepted.get_json()["grievance"]["status"] == "accepted"
    assert post(client, token, g, "note", note="Internal: call the VA.").status_code == 200
    assert post(client, token, g, "note", note="Verifying.", visible_to_citizen=True).status_code == 200
    assert post(client, token, g, "interim_reply", note="Next week.",
                expected_date=(clock.now() + timedelta(days=7)).date().isoformat()).status_code == 200
    assert post(client, token, g, "request_info", question="Which village?").status_code == 200
    g = reload(db_session, g)
    assert g.status == workflow.AWAITING_CITIZEN
    events = db_session.scalars(select(GrievanceEvent).where(GrievanceEvent.grievance_id == g.id, GrievanceEvent.kind == "note")
                                .order_by(GrievanceEvent.id)).all()
    assert [e.visible_to_citizen for e in events] == [False, True]
    assert kinds(db_session, g)[2:] == ["accepted", "note", "note", "interim_reply", "information_requested"]

    other = rtc_in_anekal(db_session)
    response = post(client, token, other, "reject", reason="not_a_grievance", note="A suggestion about the portal.")
    assert response.status_code == 200 and reload(db_session, other).status == workflow.REJECTED

    moved = rtc_in_anekal(db_session)
    response = post(client, token, moved, "transfer", reason="Mutation, not RTC.", grievance_type="REV_MUTATION_DELAY")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()["grievance"]
    assert body["status"] == "open" and body["post"]["code"] == "TAHSILDAR"
    assert body["scope"] == "mine"  # the scope it was acted on with; the Special Tahsildar no longer sees it:
    assert client.get(f"/api/v1/officer/grievances/{moved.number}", headers=bearer(token)).status_code == 404


def test_resolve_with_documents_as_multipart(client, db_session):
    token = api_token(client, "tahsildar_hunsur")
    g = rtc_in_hunsur(db_session)
    response = client.post(f"/api/v1/officer/grievances/{g.number}/resolve", headers=bearer(token),
                           data={"data": json.dumps({"expected_version": g.row_version, "report": "RTC issued; copy attached."}),
                                 "attachments": [(BytesIO(png_bytes()), "rtc.png")]},
                           content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    g = reload(db_session, g)
    assert g.status == workflow.RESOLVED and [a.original_name for a in g.attachments] == ["rtc.png"]
    assert response.get_json()["grievance"]["attachments"][0]["url"] == f"/attachments/{g.attachments[0].id}"


def test_a_browser_session_posting_multipart_needs_the_csrf_token(client, db_session):
    g = rtc_in_hunsur(db_session)
    officer_login(client, "tahsildar_hunsur")
    response = client.post(f"/api/v1/officer/grievances/{g.number}/resolve",
                           data={"data": json.dumps({"expected_version": g.row_version, "report": "Done."})},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and "CSRF" in response.get_json()["message"]
    assert reload(db_session, g).status == workflow.OPEN
    as_json = client.post(f"/api/v1/officer/grievances/{g.number}/accept", json={"expected_version": g.row_version})
    assert as_json.status_code == 200  # JSON cannot be sent cross-site without the browser asking first


def test_errors_409_400_404(client, db_session):
    token = api_token(client, "tahsildar")
    g = mutation_in_anekal(db_session)
    version = g.row_version
    assert post(client, token, g, "accept").status_code == 200
    wrong = post(client, token, g, "accept")
    assert wrong.status_code == 409 and wrong.get_json()["message"].startswith("Cannot accept a grievance that is accepted")
    stale = post(client, token, g, "note", expected_version=version, note="late")
    assert stale.status_code == 409 and "changed by someone else" in stale.get_json()["message"]
    unversioned = client.post(f"/api/v1/officer/grievances/{g.number}/note", json={"note": "x"}, headers=bearer(token))
    assert unversioned.status_code == 400 and "expected_version" in unversioned.get_json()["errors"]
    invalid = post(client, token, g, "reject", reason="bored", note="")
    assert invalid.status_code == 400 and invalid.get_json()["errors"]["reason"][0].startswith("Reason:")
    past = post(client, token, g, "interim_reply", note="x", expected_date="2001-01-01")
    assert past.status_code == 400 and "expected_date" in past.get_json()["errors"]
    bad_place = post(client, token, g, "transfer", reason="x", district="Atlantis")
    assert bad_place.status_code == 400 and "district" in bad_place.get_json()["errors"]
    assert post(client, token, g, "escalate").status_code == 404
    assert post(client, token, g, "feedback_satisfied").status_code == 404
    not_json = client.post(f"/api/v1/officer/grievances/{g.number}/accept", data="expected_version=1", headers=bearer(token))
    assert not_json.status_code == 400 and not_json.get_json()["message"]
    assert kinds(db_session, g)[-1] == "accepted"


def test_the_api_is_in_the_openapi_document(client, db_session):
    officer_login(client, "admin")
    spec = client.get("/api/v1/_openapi").get_json()
    assert "get" in spec["paths"]["/api/v1/officer/grievances"]
    assert "get" in spec["paths"]["/api/v1/officer/grievances/{number}"]
    assert "post" in spec["paths"]["/api/v1/officer/grievances/{number}/{action}"]


def test_a_nul_byte_in_a_filter_is_a_400_not_a_500(client, db_session):
    """PostgreSQL refuses NUL in a query's text: the inbox refuses it first (found by the API fuzzer)."""
    token = api_token(client, "spl_tahsildar")
    bad = client.get("/api/v1/officer/grievances?department=RE%00V&district=x", headers=bearer(token))
    assert bad.status_code == 400 and set(bad.get_json()["errors"]) == {"department"} and bad.get_json()["message"]
