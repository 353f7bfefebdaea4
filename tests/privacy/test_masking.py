"""Who sees what of a citizen: the masking helpers, the officers' grievance page and API (holder against supervisor),
and spreadsheet downloads that neither leak personal data nor run what a citizen typed as a formula."""
from __future__ import annotations

import csv
import io
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import select

from ipgrs.catalog.models import GrievanceType, Post
from ipgrs.citizens import privacy
from tests.officers.helpers import api_token, officer_login, rtc_in_anekal

SQLITE = pytest.mark.parametrize("app", ["sqlite"], indirect=True)

MOBILE = "+919845051234"
FORM_FIELDS = [{"name": "survey_number", "type": "text"}, {"name": "contact_phone", "type": "phone"},
               {"name": "applicant_email", "type": "email"}, {"name": "landmark", "type": "text"},
               {"name": "workplace_address", "type": "textarea"}, {"name": "village_name", "type": "text"},
               {"name": "details", "type": "textarea"}]


def test_masking_helpers():
    assert privacy.mask_mobile(MOBILE) == "+91******1234" and privacy.mask_mobile("+9112") == "*****"
    assert privacy.mask_email("ravi.kumar@example.org") == "r***@example.org"
    assert privacy.mask_contact(MOBILE) == "+91******1234" and privacy.mask_contact("a@b.in") == "a***@b.in"
    assert privacy.mask_text("Call 98450 51234 or ravi@example.org about survey 123/2A of 12-01-2025") == \
        "Call [number removed] or [e-mail removed] about survey 123/2A of 12-01-2025"
    answers = {"survey_number": "123/2A", "contact_phone": MOBILE, "applicant_email": "ravi@example.org",
               "landmark": "Opposite the temple", "workplace_address": "12, 3rd Cross", "village_name": "Chandapura",
               "details": "my son's number is 9845051234", "_files": ["photo"]}
    assert privacy.masked_form(FORM_FIELDS, answers) == {
        "survey_number": "123/2A", "contact_phone": "+91******1234", "applicant_email": "r***@example.org",
        "village_name": "Chandapura", "details": "my son's number is [number removed]", "_files": ["photo"]}


def _with_personal_details(db_session):
    g = rtc_in_anekal(db_session, mobile=MOBILE, name="Kempamma")
    g.locality, g.landmark, g.pincode = "Chandapura Ward 7", "Opposite Sri Rama Temple", "562106"
    g.latitude, g.longitude = 12.7934512, 77.7012345
    g.description = "RTC pending. Call my son on 98450 61234."
    g.form_data = {**g.form_data, "landmark": "Behind the school", "contact_phone": "+919845061234"}
    db_session.commit()
    return g


PERSONAL = ("9845051234", "Kempamma", "Chandapura Ward 7", "Opposite Sri Rama Temple", "562106", "Behind the school",
            "98450 61234", "9845061234", "12.79345", "77.70123")


@SQLITE
def test_the_holder_sees_everything_a_supervisor_sees_it_masked(client, db_session):
    g = _with_personal_details(db_session)
    officer_login(client, "spl_tahsildar")       # holds the grievance's post
    page = client.get(f"/officer/grievances/{g.number}").data.decode()
    assert all(p in page for p in PERSONAL if p not in ("9845051234", "9845061234")) and MOBILE in page
    officer_login(client, "dc_blr")              # supervises it, three levels up the chain
    page = client.get(f"/officer/grievances/{g.number}")
    body = page.data.decode()
    assert page.status_code == 200 and g.number in body and "+91******1234" in body and "Anekal" in body
    assert [p for p in PERSONAL if p in body] == []
    assert "12.79, 77.70" in body and "[number removed]" in body and "123/2A" in body

    client.get("/logout/")                       # the API by bearer token alone
    holder = client.get(f"/api/v1/officer/grievances/{g.number}",
                        headers={"Authorization": "Bearer " + api_token(client, "spl_tahsildar")}).get_json()["grievance"]
    assert holder["citizen"] == {"name": "Kempamma", "mobile": MOBILE} and holder["location"]["landmark"] == "Opposite Sri Rama Temple"
    supervisor = client.get(f"/api/v1/officer/grievances/{g.number}",
                            headers={"Authorization": "Bearer " + api_token(client, "dc_blr")}).get_json()["grievance"]
    assert supervisor["scope"] == "supervision"
    assert supervisor["citizen"] == {"name": None, "mobile": "+91******1234"}
    assert supervisor["location"] == {"district": "Bengaluru Urban", "taluk": "Anekal", "locality": None, "landmark": None,
                                      "pincode": None, "latitude": 12.79, "longitude": 77.7}
    assert "landmark" not in supervisor["form"] and supervisor["form"]["survey_number"] == "123/2A"
    flat = str(supervisor)
    assert [p for p in PERSONAL if p in flat] == []


FORMULAS = ('=HYPERLINK("http://evil")', "+1+1", "@SUM(A1)", "-2+3")


@SQLITE
def test_downloads_neutralise_formulas_and_carry_no_personal_text(client, db_session):
    """What a citizen typed never reaches a download; what does (catalogue names, the holder's mobile column) is
    text that cannot run, while numbers stay numbers."""
    g = rtc_in_anekal(db_session, mobile=MOBILE, name=FORMULAS[0], locality=FORMULAS[1])
    g.description, g.locality, g.landmark = FORMULAS[2] + " my RTC", FORMULAS[1], FORMULAS[3]
    g.grievance_type = db_session.get(GrievanceType, g.grievance_type_id)
    g.grievance_type.name_en = FORMULAS[3]
    db_session.get(Post, g.assigned_post_id).name_en = FORMULAS[2]
    db_session.commit()
    day = g.created_at.astimezone(ZoneInfo("Asia/Kolkata")).date().isoformat()
    query = "?" + urlencode({"from": day, "to": day})
    for username, has_mobile in (("spl_tahsildar", True), ("monitor", False)):
        officer_login(client, username)
        csv_rows = list(csv.reader(io.StringIO(client.get("/dashboards/grievances.csv" + query).data.decode("utf-8-sig"))))
        sheet = openpyxl.load_workbook(io.BytesIO(client.get("/dashboards/grievances.xlsx" + query).data)).active
        xlsx_rows = [[c.value for c in row] for row in sheet.iter_rows()]
        for rows in (csv_rows, xlsx_rows):
            mine = [r for r in rows[1:] if r[0] == g.number]
            assert len(mine) == 1, rows
            row = mine[0]
            assert "'-2+3" in row and "'@SUM(A1)" in row                      # type and post names, neutralised
            assert ("'" + MOBILE in row) is has_mobile                          # the holder's mobile column only
            cells = [str(v) for r in rows for v in r if v is not None]
            assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], cells
            assert not [c for c in cells if "HYPERLINK" in c or "my RTC" in c or "+1+1" in c]  # name, text, address
        level = csv_rows[0].index("Level")   # a number stays a number in the workbook
        assert xlsx_rows[[r[0] for r in xlsx_rows].index(g.number)][level] == 1
