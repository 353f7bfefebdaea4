"""OWASP A04/A05 for documents: what a citizen or an officer uploads is checked by its content wherever it comes in
(the portal, the citizen API, the officer's action), and every download is an attachment the browser will not
sniff. tests/portal/test_security.py checks the portal's oversize, disguised, HTML-as-PNG, too-many and traversal
cases; tests/grievances/test_attachments.py the checker itself."""
from __future__ import annotations

import json
from io import BytesIO

import pytest
from sqlalchemy import func, select

from ipgrs.grievances.models import Grievance, GrievanceAttachment
from tests.factories import png_bytes
from tests.officers.helpers import api_token as officer_token
from tests.officers.helpers import rtc_in_anekal
from tests.portal.helpers import api_token

pytestmark = pytest.mark.parametrize("app", ["sqlite"], indirect=True)

SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
BAD = {
    "svg with a script": (SVG, "map.svg"),
    "svg named png": (SVG, "map.png"),
    "html named pdf": (b"<html><body><script>alert(1)</script></body></html>", "form.pdf"),
    "exe named jpg": (b"MZ\x90\x00\x03" + b"\x00" * 600, "photo.jpg"),
    "truncated png": (png_bytes()[:40], "photo.png"),
    "oversize": (b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024) + b"\n%%EOF\n", "big.pdf"),
}
POLYGLOT = b"%PDF-1.4\n<html><body><script>alert(document.cookie)</script></body></html>\n%%EOF\n"


def _count(session):
    return (session.scalar(select(func.count()).select_from(Grievance)),
            session.scalar(select(func.count()).select_from(GrievanceAttachment)))


def _api_filing(client, bearer, files):
    data = {"data": json.dumps({"grievance_type": "REV_RTC_NOT_ISSUED", "category": "DELAY", "subcategory": "OVER_30_DAYS",
                                "description": "My RTC has not been issued for two months.",
                                "form": {"survey_number": "123/2A", "village_name": "Chandapura"},
                                "location": {"where": "other", "district": "Bengaluru Urban", "taluk": "Anekal"}}),
            "attachments": [(BytesIO(content), name) for content, name in files]}
    return client.post("/api/v1/grievances", data=data, headers=bearer, content_type="multipart/form-data")


def test_bad_files_through_the_citizen_api_and_the_officer_api_are_refused_naming_the_file(app, client, db_session):
    bearer = {"Authorization": f"Bearer {api_token(client, app, db_session, '9845300080')}"}
    g = rtc_in_anekal(db_session)
    officer = {"Authorization": f"Bearer {officer_token(app.test_client(), 'spl_tahsildar')}"}
    before = _count(db_session)
    for case, (content, name) in BAD.items():
        response = _api_filing(client, bearer, [(content, name)])
        assert response.status_code == 400, case
        body = response.get_json()
        assert name in json.dumps(body) and body["message"] and list(body["errors"]) == ["attachments"], (case, body)
        response = app.test_client().post(
            f"/api/v1/officer/grievances/{g.number}/resolve", headers=officer, content_type="multipart/form-data",
            data={"data": json.dumps({"expected_version": g.row_version, "report": "Done."}),
                  "attachments": [(BytesIO(content), name)]})
        assert response.status_code == 400 and name in json.dumps(response.get_json()), (case, response.get_json())
    six = [(png_bytes(), f"p{i}.png") for i in range(6)]
    response = _api_filing(client, bearer, six)
    assert response.status_code == 400 and "At most 5 files" in json.dumps(response.get_json())
    assert _count(db_session) == before
    db_session.refresh(g)
    assert g.status == "open"


def test_a_pdf_html_polyglot_and_a_hostile_name_download_as_an_inert_attachment(app, client, db_session):
    bearer = {"Authorization": f"Bearer {api_token(client, app, db_session, '9845300081')}"}
    response = _api_filing(client, bearer, [(POLYGLOT, "..\\..\\x%0D%0ASet-Cookie: a=b\"<script>.pdf")])
    assert response.status_code in (200, 201), response.get_json()
    assert len(response.get_json()["grievance"]["attachments"]) == 1
    item = db_session.scalar(select(GrievanceAttachment).order_by(GrievanceAttachment.id.desc()).limit(1))
    assert item.content_type == "application/pdf" and "\r" not in item.original_name and "<" not in item.original_name
    assert "/" not in item.original_name and "\\" not in item.original_name
    from datetime import timedelta

    from ipgrs import clock
    from tests.portal.helpers import portal_login

    with clock.travel(timedelta(seconds=31)):  # past the wait before a second code to the same number
        portal_login(client, app, db_session, "9845300081")
    download = client.get(f"/attachments/{item.id}")
    assert download.status_code == 200 and download.data == POLYGLOT
    assert download.mimetype == "application/pdf"  # never text/html, whatever the bytes after the header say
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download.headers["Cache-Control"]
    assert all("\r" not in v and "\n" not in v for _, v in download.headers.items())
    assert "Set-Cookie" not in download.headers or "a=b" not in download.headers["Set-Cookie"]
    assert "script-src 'self'" in download.headers["Content-Security-Policy"]
    officer_page = app.test_client()
    from tests.officers.helpers import officer_login

    officer_login(officer_page, "spl_tahsildar")
    served = officer_page.get(f"/attachments/{item.id}")
    assert served.status_code == 200 and served.headers["Content-Disposition"].startswith("attachment;")
    assert served.headers["X-Content-Type-Options"] == "nosniff"


def test_the_configuration_upload_takes_only_utf8_text_and_validates_it(app, client, db_session):
    from ipgrs.catalog import services as catalog
    from tests.configuration.helpers import login, page_csrf

    login(client, "admin")
    before = catalog.latest_version_id(db_session)
    token = page_csrf(client)
    for content in (png_bytes(), b"\xff\xfe<\x00s\x00", b"code: !!python/object/apply:os.system ['id']\n"):
        response = client.post("/config/new", data={"csrf_token": token, "file": (BytesIO(content), "dept.yaml")},
                               content_type="multipart/form-data")
        assert response.status_code == 302 and response.headers["Location"].endswith("/config/")
    assert catalog.latest_version_id(db_session) == before
