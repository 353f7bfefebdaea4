"""The operator desk: find or register the citizen, verify by OTP or in person, file on the channel received."""
from __future__ import annotations

from io import BytesIO

from sqlalchemy import select

from ipgrs.grievances.models import Grievance
from tests.factories import png_bytes
from tests.portal.helpers import csrf_from, latest_otp, staff_login


def _start(client, mobile, channel="HELPLINE_1902"):
    page = client.get("/desk/")
    assert page.status_code == 200
    return client.post("/desk/", data={"mobile": mobile, "channel": channel, "csrf_token": csrf_from(page.data)})


def _file(client, **extra):
    page = client.get("/desk/file/REV_RTC_NOT_ISSUED")
    data = {"csrf_token": csrf_from(page.data), "description": "Citizen called 1902: RTC pending for 3 months.",
            "form.survey_number": "77/1", "form.village_name": "Hunsur", "location.where": "current"}
    data.update(extra)
    return client.post("/desk/file/REV_RTC_NOT_ISSUED", data=data, content_type="multipart/form-data")


def test_helpline_operator_registers_verifies_by_otp_and_files(client, app, db_session):
    staff_login(client, "operator", "operator")
    assert _start(client, "9812300001").headers["Location"].endswith("/desk/verify")
    page = client.get("/desk/verify")
    assert client.post("/desk/verify", data={"action": "send", "csrf_token": csrf_from(page.data)}).status_code == 200
    code = latest_otp(app, db_session, "+919812300001")
    response = client.post("/desk/verify", data={"action": "check", "code": code, "csrf_token": csrf_from(page.data)})
    assert response.headers["Location"].endswith("/desk/profile")  # a new citizen: the operator fills the profile
    page = client.get("/desk/profile")
    response = client.post("/desk/profile", data={"name": "Mallamma", "district": "Mysuru", "taluk": "Hunsur",
                                                  "pincode": "571105", "language": "kn", "csrf_token": csrf_from(page.data)})
    assert response.headers["Location"].endswith("/desk/file")
    assert b"REV_RTC_NOT_ISSUED" in client.get("/desk/file?q=pahani").data
    done = _file(client)
    assert done.status_code == 200, done.data.decode()[:1500]
    number = done.data.decode().split('id="grievance-number">')[1].split("<")[0]
    g = db_session.scalar(select(Grievance).where(Grievance.number == number))
    assert g.channel == "HELPLINE_1902" and g.operator_user_id is not None and not g.verified_in_person
    assert g.citizen.mobile == "+919812300001" and g.citizen.language == "kn"
    assert g.events[0].actor_kind == "operator" and g.events[0].actor_label == "Operator, Helpline 1902"


def test_in_person_verification_needs_a_scan(client, app, db_session):
    staff_login(client, "operator", "operator")
    _start(client, "9812300002", channel="JANASPANDANA")
    page = client.get("/desk/verify")
    refused = client.post("/desk/verify", data={"action": "in_person", "csrf_token": csrf_from(page.data)})
    assert refused.status_code == 400 and b"tick the box" in refused.data
    client.post("/desk/verify", data={"action": "in_person", "confirm": "yes", "csrf_token": csrf_from(page.data)})
    page = client.get("/desk/profile")
    client.post("/desk/profile", data={"name": "Ningappa", "district": "Mysuru", "taluk": "Hunsur", "pincode": "571105",
                                       "csrf_token": csrf_from(page.data)})
    missing = _file(client)
    assert missing.status_code == 400 and b"Scanned grievance" in missing.data
    done = _file(client, scan=(BytesIO(png_bytes()), "paper.png"))
    assert done.status_code == 200, done.data.decode()[:1000]
    number = done.data.decode().split('id="grievance-number">')[1].split("<")[0]
    g = db_session.scalar(select(Grievance).where(Grievance.number == number))
    assert g.verified_in_person and g.channel == "JANASPANDANA"
    assert [a.field for a in g.attachments] == ["scan"]


def test_the_desk_is_for_operators_only(client, app, db_session):
    assert "/login" in client.get("/desk/").headers["Location"]
    staff_login(client, "operator", "operator")
    assert client.get("/desk/verify").headers["Location"].endswith("/desk/")  # nothing chosen yet
    bad = _start(client, "12345")
    assert bad.status_code == 400 and b"Mobile number:" in bad.data
