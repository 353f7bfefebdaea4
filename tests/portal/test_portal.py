"""The citizen portal and the app API, end to end through HTTP, on both databases."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from ipgrs.grievances.models import Grievance
from tests.factories import png_bytes
from tests.portal.helpers import api_token, csrf_from, portal_login


def fill_profile(client, **overrides):
    page = client.get("/citizen/profile")
    data = {"name": "Ravi Kumar", "district": "Bengaluru Urban", "taluk": "Anekal", "locality": "Chandapura",
            "pincode": "562106", "language": "en", "csrf_token": csrf_from(page.data)}
    data.update(overrides)
    return client.post("/citizen/profile", data=data)


def file_rtc(client, **overrides):
    page = client.get("/file/REV_RTC_NOT_ISSUED")
    assert page.status_code == 200
    data = {"csrf_token": csrf_from(page.data), "category": "DELAY", "subcategory": "OVER_30_DAYS",
            "description": "My RTC has not been issued for two months.", "form.survey_number": "123/2A",
            "form.village_name": "Chandapura", "location.where": "current"}
    data.update(overrides)
    return client.post("/file/REV_RTC_NOT_ISSUED", data=data, content_type="multipart/form-data")


def test_register_fill_profile_file_and_track(client, app, db_session):
    portal_login(client, app, db_session, "9845000001")
    assert "/citizen/profile" in client.get("/file/REV_RTC_NOT_ISSUED").headers["Location"]  # profile first
    assert fill_profile(client).status_code == 302
    from io import BytesIO
    response = file_rtc(client, attachments=[(BytesIO(png_bytes()), "receipt.png")])
    assert response.status_code == 302, response.data.decode()[:2000]
    number = re.search(r"/grievances/(KA-\d{4}-\d{8})", response.headers["Location"]).group(1)
    page = client.get(response.headers["Location"]).data.decode()
    assert number in page and "Special Tahsildar" in page or "Tahsildar" in page
    assert "receipt.png" in page
    mine = client.get("/grievances").data.decode()
    assert number in mine
    public = client.get(f"/track?number={number}").data.decode()
    assert number in public and "Registered" in public and "My RTC has not been issued" not in public


def test_form_errors_name_the_field_and_keep_what_was_typed(client, app, db_session):
    portal_login(client, app, db_session, "9845000002")
    fill_profile(client)
    before = db_session.scalar(select(func.count()).select_from(Grievance))
    response = file_rtc(client, **{"form.survey_number": "abc<script>", "description": "Typed text <b>kept</b> here."})
    assert response.status_code == 400
    page = response.data.decode()
    assert "Survey number" in page and "survey_number" in page
    assert "Typed text &lt;b&gt;kept&lt;/b&gt; here." in page and "<b>kept</b>" not in page
    assert "abc&lt;script&gt;" in page
    assert db_session.scalar(select(func.count()).select_from(Grievance)) == before


def test_profile_errors_name_fields(client, app, db_session):
    portal_login(client, app, db_session, "9845000003")
    response = fill_profile(client, name="", pincode="12345", taluk="Hunsur")
    assert response.status_code == 400
    page = response.data.decode()
    assert "Name: this field is required." in page
    assert "Pincode: a Karnataka pincode has 6 digits" in page


def test_kannada_pages(client, app, db_session):
    page = client.get("/?lang=kn").data.decode()
    assert 'lang="kn"' in page and "ಕುಂದುಕೊರತೆ ಸಲ್ಲಿಸಿ" in page and "noto-sans-kannada/kannada.css" in page


def test_api_register_profile_file_list_and_read(client, app, db_session):
    token = api_token(client, app, db_session, "9845000004")
    auth = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=auth).get_json()["citizen"]["profile_complete"] is False
    bad = client.put("/api/v1/me", headers=auth, json={"name": "A"})
    assert bad.status_code == 400 and "district" in bad.get_json()["errors"]
    ok = client.put("/api/v1/me", headers=auth, json={"name": "Asha", "district": "Mysuru", "taluk": "Hunsur", "pincode": "571105", "language": "kn"})
    assert ok.status_code == 200 and ok.get_json()["citizen"]["profile_complete"]
    filed = client.post("/api/v1/grievances", headers=auth, json={
        "grievance_type": "REV_RTC_NOT_ISSUED", "description": "RTC pending for a long time now.",
        "form": {"survey_number": "45/1", "village_name": "Hunsur"}})
    assert filed.status_code == 201, filed.get_json()
    g = filed.get_json()["grievance"]
    assert g["channel"] == "APP" and g["with"]["designation"]["en"] and g["location"]["taluk"] == "Hunsur"
    listed = client.get("/api/v1/grievances", headers=auth).get_json()["grievances"]
    assert [x["number"] for x in listed] == [g["number"]]
    one = client.get(f"/api/v1/grievances/{g['number']}", headers=auth).get_json()["grievance"]
    assert [e["kind"] for e in one["events"]] == ["filed", "assigned"]


def test_a_process_that_has_not_loaded_the_rules_yet_saves_a_profile(client, app, db_session, monkeypatch):
    from ipgrs.catalog.runtime import RulesRuntime

    token = api_token(client, app, db_session, "9845000017")
    monkeypatch.setitem(app.extensions, "ipgrs.rules", RulesRuntime())  # a web process's first request (was a 500)
    saved = client.put("/api/v1/me", headers={"Authorization": f"Bearer {token}"},
                       json={"name": "Asha", "district": "Mysuru", "taluk": "Hunsur", "pincode": "571105"})
    assert saved.status_code == 200 and saved.get_json()["citizen"]["profile_complete"]


def test_a_filing_sent_again_with_its_idempotency_key_is_not_filed_twice(client, app, db_session):
    from ipgrs.notifications.models import Notification

    token = api_token(client, app, db_session, "9845000015")
    auth = {"Authorization": f"Bearer {token}"}
    client.put("/api/v1/me", headers=auth, json={"name": "Asha", "district": "Mysuru", "taluk": "Hunsur", "pincode": "571105"})
    body = {"grievance_type": "REV_RTC_NOT_ISSUED", "description": "RTC pending for a long time now.",
            "form": {"survey_number": "45/1", "village_name": "Hunsur"}}
    first = client.post("/api/v1/grievances", headers={**auth, "Idempotency-Key": "a1b2c3d4-0001"}, json=body)
    again = client.post("/api/v1/grievances", headers={**auth, "Idempotency-Key": "a1b2c3d4-0001"}, json=body)
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    number = first.get_json()["grievance"]["number"]
    assert again.get_json()["grievance"]["number"] == number
    other = client.post("/api/v1/grievances", headers={**auth, "Idempotency-Key": "a1b2c3d4-0002"}, json=body)
    unkeyed = client.post("/api/v1/grievances", headers=auth, json=body)
    assert other.status_code == unkeyed.status_code == 201
    numbers = [g["number"] for g in client.get("/api/v1/grievances", headers=auth).get_json()["grievances"]]
    assert sorted(numbers) == sorted({number, other.get_json()["grievance"]["number"], unkeyed.get_json()["grievance"]["number"]})
    filed_sms = db_session.query(Notification).filter(Notification.key == f"grievance:{number}:filed:sms").count()
    assert filed_sms == 1
    # Another citizen's key of the same text is theirs: it files.
    token_b = api_token(client, app, db_session, "9845000016")
    auth_b = {"Authorization": f"Bearer {token_b}"}
    client.put("/api/v1/me", headers=auth_b, json={"name": "Ravi", "district": "Mysuru", "taluk": "Hunsur", "pincode": "571105"})
    theirs = client.post("/api/v1/grievances", headers={**auth_b, "Idempotency-Key": "a1b2c3d4-0001"}, json=body)
    assert theirs.status_code == 201 and theirs.get_json()["grievance"]["number"] != number
    for bad in ("", "x" * 65, "key with spaces", "ಕೀ"):
        refused = client.post("/api/v1/grievances", headers={**auth, "Idempotency-Key": bad.encode().decode("latin-1")}, json=body)
        assert refused.status_code == 400 and "Idempotency-Key" in refused.get_json()["message"], bad


def test_api_filing_errors_are_json_by_field(client, app, db_session):
    token = api_token(client, app, db_session, "9845000005")
    auth = {"Authorization": f"Bearer {token}"}
    client.put("/api/v1/me", headers=auth, json={"name": "Asha", "district": "Mysuru", "taluk": "Hunsur", "pincode": "571105"})
    response = client.post("/api/v1/grievances", headers=auth, json={
        "grievance_type": "REV_RTC_NOT_ISSUED", "description": "x", "form": {"survey_number": "??"}})
    body = response.get_json()
    assert response.status_code == 400 and body["message"]
    assert {"description", "form.survey_number", "form.village_name"} <= set(body["errors"])
    assert client.post("/api/v1/grievances", headers=auth, data="not json", content_type="application/json").status_code == 400
    unknown = client.post("/api/v1/grievances", headers=auth, json={"grievance_type": "NOPE", "description": "Long enough text."})
    assert unknown.status_code == 400 and "grievance_type" in unknown.get_json()["errors"]
