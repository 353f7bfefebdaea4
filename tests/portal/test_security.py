"""The filing issue's bad-input and security list, on both databases: each gets a clear error, nothing partial is stored."""
from __future__ import annotations

import re
from io import BytesIO

from sqlalchemy import func, select

from ipgrs.grievances import services
from ipgrs.grievances.models import Grievance, GrievanceAttachment
from tests.factories import make_citizen, png_bytes, rtc_filing, upload
from tests.portal.helpers import api_token, latest_otp, portal_login
from tests.portal.test_portal import file_rtc, fill_profile


def _count(session, model):
    return session.scalar(select(func.count()).select_from(model))


def test_another_citizens_grievance_is_404_on_the_portal_and_the_api(client, app, db_session):
    owner = make_citizen(db_session)
    g = services.file_grievance(db_session, owner, rtc_filing(uploads=[(None, upload("a.png", png_bytes()))]))
    portal_login(client, app, db_session, "9845100001")
    assert client.get(f"/grievances/{g.number}").status_code == 404
    assert client.get(f"/attachments/{g.attachments[0].id}").status_code == 404
    token = api_token(app.test_client(), app, db_session, "9845100002")
    response = app.test_client().get(f"/api/v1/grievances/{g.number}", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 404 and response.get_json()["message"]
    assert app.test_client().get(f"/api/v1/grievances/{g.number}").status_code == 401


def test_every_portal_form_needs_its_csrf_token(client, app, db_session):
    assert client.post("/citizen/login", data={"mobile": "9845100003"}).status_code == 400
    portal_login(client, app, db_session, "9845100003")
    assert client.post("/citizen/profile", data={"name": "X"}).status_code == 400
    assert client.post("/file/REV_RTC_NOT_ISSUED", data={"description": "no token here at all"}).status_code == 400
    assert client.post("/citizen/logout").status_code == 400
    assert client.post("/citizen/verify", data={"code": "123456"}).status_code == 400


def test_script_in_free_text_is_rendered_escaped(client, app, db_session):
    portal_login(client, app, db_session, "9845100004")
    fill_profile(client, name="<script>alert(1)</script>", locality="<img src=x onerror=alert(2)>")
    payload = "<script>alert('x')</script> my RTC is pending"
    response = file_rtc(client, description=payload, **{"form.village_name": "<svg onload=alert(3)>",
                                                         "location.where": "other", "location.district": "Mysuru",
                                                         "location.taluk": "Hunsur", "location.landmark": "<b>temple</b>"})
    assert response.status_code == 302, response.data.decode()[:1500]
    page = client.get(response.headers["Location"]).data.decode()
    assert "<script>alert('x')</script>" not in page and "&lt;script&gt;alert(" in page
    profile = client.get("/citizen/profile").data.decode()
    assert "<script>alert(1)</script>" not in profile and "<img src=x" not in profile


def test_oversize_and_disguised_uploads_are_refused(client, app, db_session):
    portal_login(client, app, db_session, "9845100005")
    fill_profile(client)
    before = (_count(db_session, Grievance), _count(db_session, GrievanceAttachment))
    exe = b"MZ\x90\x00\x03" + b"\x00" * 500
    response = file_rtc(client, attachments=[(BytesIO(exe), "invoice.pdf")])
    assert response.status_code == 400 and "invoice.pdf is not a PDF, JPEG or PNG file" in response.data.decode()
    big = b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024) + b"\n%%EOF\n"
    response = file_rtc(client, attachments=[(BytesIO(big), "big.pdf")])
    assert response.status_code == 400 and "big.pdf" in response.data.decode()
    html = b"<html><script>alert(1)</script></html>"
    response = file_rtc(client, attachments=[(BytesIO(html), "photo.png")])
    assert response.status_code == 400
    six = [(BytesIO(png_bytes()), f"p{i}.png") for i in range(6)]
    response = file_rtc(client, attachments=six)
    assert response.status_code == 400 and "At most 5 files" in response.data.decode()
    assert (_count(db_session, Grievance), _count(db_session, GrievanceAttachment)) == before


def test_path_traversal_in_a_file_name_stays_a_name(client, app, db_session):
    portal_login(client, app, db_session, "9845100006")
    fill_profile(client)
    response = file_rtc(client, attachments=[(BytesIO(png_bytes()), "../../../../etc/cron.d/evil.png")])
    assert response.status_code == 302
    item = db_session.scalar(select(GrievanceAttachment).order_by(GrievanceAttachment.id.desc()).limit(1))
    assert item.original_name == "evil.png"
    assert re.fullmatch(r"[0-9a-f]{32}\.png", item.stored_name)
    download = client.get(f"/attachments/{item.id}")
    assert download.status_code == 200 and download.data == png_bytes()
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment")


def test_otp_brute_force_and_replay_over_the_api(client, app, db_session):
    mobile = "9845100007"
    assert client.post("/api/v1/auth/otp", json={"mobile": mobile}).status_code == 202
    code = latest_otp(app, db_session, "+91" + mobile)
    wrong = f"{(int(code) + 7) % 10**6:06d}"
    statuses = [client.post("/api/v1/auth/token", json={"mobile": mobile, "code": wrong}).status_code for _ in range(6)]
    assert statuses == [401] * 6
    locked = client.post("/api/v1/auth/token", json={"mobile": mobile, "code": code})
    assert locked.status_code == 401 and "Too many wrong codes" in locked.get_json()["message"]
    again = client.post("/api/v1/auth/otp", json={"mobile": mobile})
    assert again.status_code == 429 and int(again.headers["Retry-After"]) > 0 and again.get_json()["message"]


def test_same_answer_for_known_and_unknown_numbers(client, app, db_session):
    make_citizen(db_session, mobile="+919845100008")
    known = client.post("/api/v1/auth/otp", json={"mobile": "9845100008"})
    unknown = client.post("/api/v1/auth/otp", json={"mobile": "9845100009"})
    assert known.status_code == unknown.status_code == 202
    assert known.get_json() == unknown.get_json()


def test_malformed_phone_numbers_get_a_clear_json_error(client):
    for bad in ["12345", "abc", "+1 415 555 2671", "", None, 9845]:
        response = client.post("/api/v1/auth/otp", json={"mobile": bad})
        assert response.status_code == 400, bad
        assert response.get_json()["field"] == "mobile" and "mobile number" in response.get_json()["message"]
    assert client.post("/api/v1/auth/otp", data="{{{", content_type="application/json").status_code == 400


def test_unknown_grievance_type_codes(client, app, db_session):
    portal_login(client, app, db_session, "9845100010")
    fill_profile(client)
    page = client.get("/file/NO_SUCH_TYPE")
    assert page.status_code == 404 and b"Traceback" not in page.data
    api = client.get("/api/v1/catalog/grievance-types/NO_SUCH_TYPE/form")
    assert api.status_code == 404 and api.get_json()["message"]


def test_login_never_redirects_off_site(client, app, db_session):
    for target in ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:alert(1)"]:
        response = portal_login(app.test_client(), app, db_session, f"98451{len(target):05d}", next_url=target)
        assert response.headers["Location"] in ("/", "/citizen/profile?next=/"), (target, response.headers["Location"])


def test_expired_token_and_tampered_token(client, app, db_session):
    from datetime import timedelta

    from ipgrs import clock

    token = api_token(client, app, db_session, "9845100011")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}x"}).status_code == 401
    with clock.travel(timedelta(days=31)):
        assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
