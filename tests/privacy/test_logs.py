"""No personal data in logs: the main flows at DEBUG, in the text and the JSON log format, carry no mobile number
(in any writing), OTP code, citizen's name or address."""
from __future__ import annotations

import io
import logging
import re

import pytest

from ipgrs.notifications import services as notifications
from ipgrs.observability import json_formatter
from tests.officers.helpers import api_token as officer_token
from tests.portal.helpers import api_token, csrf_from, latest_otp, portal_login

pytestmark = pytest.mark.parametrize("app", ["sqlite"], indirect=True)

WEB_MOBILE, APP_MOBILE, GATEWAY_MOBILE = "9845071234", "9845079876", "9845075555"
NAME, APP_NAME = "Kempamma Thimmaiah", "Sarojamma Basappa"
LOCALITY, LANDMARK, PINCODE = "Chandapura Ward Seven", "Opposite Sri Rama Temple", "562106"


def writings(mobile: str) -> list[str]:
    """A 10-digit mobile number as it may be written: +91…, bare, 5+5, and the E.164 form's digits."""
    return [mobile, "+91" + mobile, "91" + mobile, f"{mobile[:5]} {mobile[5:]}", f"+91 {mobile[:5]} {mobile[5:]}",
            f"{mobile[:5]}-{mobile[5:]}"]


@pytest.fixture
def captured():
    """Every log record at DEBUG, formatted as text (with tracebacks) and as the JSON log lines."""
    text, as_json = io.StringIO(), io.StringIO()
    handlers = [logging.StreamHandler(text), logging.StreamHandler(as_json)]
    handlers[0].setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handlers[1].setFormatter(json_formatter())
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.DEBUG)
    for h in handlers:
        h.setLevel(logging.DEBUG)
        root.addHandler(h)
    try:
        yield lambda: (text.getvalue(), as_json.getvalue())
    finally:
        for h in handlers:
            root.removeHandler(h)
        root.setLevel(level)


def test_filing_login_officer_action_and_sms_log_no_personal_data(client, app, db_session, captured):
    otps = []
    # the portal: OTP login, profile, filing with an address of the grievance's own
    portal_login(client, app, db_session, WEB_MOBILE)
    otps.append(latest_otp(app, db_session, "+91" + WEB_MOBILE))
    page = client.get("/citizen/profile")
    assert client.post("/citizen/profile", data={
        "name": NAME, "district": "Bengaluru Urban", "taluk": "Anekal", "locality": LOCALITY, "pincode": PINCODE,
        "language": "en", "csrf_token": csrf_from(page.data)}).status_code == 302
    page = client.get("/file/REV_RTC_NOT_ISSUED")
    filed = client.post("/file/REV_RTC_NOT_ISSUED", content_type="multipart/form-data", data={
        "csrf_token": csrf_from(page.data), "category": "DELAY", "subcategory": "OVER_30_DAYS",
        "description": f"My RTC is pending; call me on {WEB_MOBILE}.", "form.survey_number": "123/2A",
        "form.village_name": "Chandapura", "location.where": "other", "location.district": "Bengaluru Urban",
        "location.taluk": "Anekal", "location.locality": LOCALITY, "location.landmark": LANDMARK,
        "location.pincode": PINCODE})
    assert filed.status_code == 302, filed.data[:1000]
    number = re.search(r"KA-\d{4}-\d{8}", filed.headers["Location"]).group(0)
    # a wrong code, then the API: OTP, token, profile, filing
    assert client.post("/api/v1/auth/token", json={"mobile": APP_MOBILE, "code": "000000"}).status_code in (400, 401)
    token = api_token(client, app, db_session, APP_MOBILE)
    otps.append(latest_otp(app, db_session, "+91" + APP_MOBILE))
    auth = {"Authorization": f"Bearer {token}"}
    assert client.put("/api/v1/me", headers=auth, json={"name": APP_NAME, "district": "Mysuru", "taluk": "Hunsur",
                                                        "locality": LOCALITY, "pincode": "571105"}).status_code == 200
    assert client.post("/api/v1/grievances", headers=auth, json={
        "grievance_type": "REV_RTC_NOT_ISSUED", "description": "RTC pending for a long time now.",
        "form": {"survey_number": "45/1", "village_name": "Hunsur"}}).status_code == 201
    # an officer accepts the portal's grievance (the citizen is told by SMS)
    officer = {"Authorization": "Bearer " + officer_token(client, "spl_tahsildar")}
    g = client.get(f"/api/v1/officer/grievances/{number}", headers=officer).get_json()["grievance"]
    assert g["citizen"]["mobile"] == "+91" + WEB_MOBILE  # the holder sees it: the test data reached the code
    accepted = client.post(f"/api/v1/officer/grievances/{number}/accept", headers=officer,
                           json={"expected_version": g["row_version"]})
    assert accepted.status_code == 200, accepted.get_json()
    # SMS: the log provider, then an HTTP gateway that fails once, and one that refuses
    notifications.deliver_due(db_session)
    from tests.support.fake_sms_gateway import FakeSmsGateway

    gateway = FakeSmsGateway().start()
    saved = {k: app.config.get(k) for k in ("SMS_PROVIDER", "SMS_GATEWAY_URL", "SMS_GATEWAY_TOKEN")}
    try:
        app.config.update(SMS_PROVIDER="http", SMS_GATEWAY_URL=gateway.url, SMS_GATEWAY_TOKEN=gateway.token)
        assert client.post("/api/v1/auth/otp", json={"mobile": f"+91 {GATEWAY_MOBILE[:5]} {GATEWAY_MOBILE[5:]}"}).status_code == 202
        gateway.fail(1, 503)
        notifications.deliver_due(db_session)
        gateway.fail(1, 400)
        notifications.queue(db_session, channel="sms", recipient="+91" + GATEWAY_MOBILE, template="grievance_status",
                            language="en", context={"number": number, "status": "accepted"}, key="privacy-test")
        db_session.commit()
        client.post(f"/api/v1/officer/grievances/{number}/note", headers=officer, json={
            "expected_version": g["row_version"] + 1, "note": f"Called {NAME}", "visible_to_citizen": "yes"})
        notifications.deliver_due(db_session)
        assert gateway.requests >= 2  # the HTTP provider really ran
    finally:
        gateway.stop()
        app.config.update(saved)

    text, as_json = captured()
    # the capture saw the flows' records: SMS written, a gateway's retry and its refusal
    assert "sms otp" in text and "attempt 1 failed" in text and "is dead" in text and '"logger"' in as_json
    secrets = {*writings(WEB_MOBILE), *writings(APP_MOBILE), *writings(GATEWAY_MOBILE), *otps, NAME, APP_NAME, LOCALITY, LANDMARK, PINCODE,
               "Kempamma", "Sarojamma"}
    for output in (text, as_json):
        found = sorted(s for s in secrets if s in output)
        assert not found, f"personal data in the log: {found}\n{output[:3000]}"


def test_a_database_error_logged_with_its_traceback_carries_no_parameters(app, db_session, captured):
    """errors.py logs an unhandled error with its traceback; SQLAlchemy puts the statement's parameters in the text
    of its exceptions unless the engine hides them (ipgrs.app: hide_parameters)."""
    from sqlalchemy.exc import IntegrityError

    from ipgrs.citizens.models import Citizen
    from tests.factories import make_citizen

    make_citizen(db_session, mobile="+91" + WEB_MOBILE)
    db_session.add(Citizen(mobile="+91" + WEB_MOBILE, name=NAME, locality=LOCALITY, language="en"))
    with pytest.raises(IntegrityError) as raised:
        db_session.commit()
    db_session.rollback()
    logging.getLogger("ipgrs.errors").error("unhandled error", exc_info=raised.value)
    text, as_json = captured()
    assert "INSERT INTO citizen" in text and "IntegrityError" in as_json  # the statement and the error are kept
    for output in (text, as_json):
        assert WEB_MOBILE not in output and NAME not in output and LOCALITY not in output
