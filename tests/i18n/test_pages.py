"""Kannada and English on every page, chosen once and remembered; form labels, error messages and SMS in the
citizen's language, from the gettext catalogue and the YAML's {en, kn} pairs."""
from __future__ import annotations

from sqlalchemy import select

from ipgrs import forms
from ipgrs.i18n import tr, translate
from ipgrs.notifications.models import Notification
from tests.factories import make_citizen, rtc_filing
from tests.portal.helpers import portal_login
from tests.portal.test_portal import file_rtc, fill_profile


def test_the_choice_is_remembered_and_switchable(client, db_session):
    assert "ಕುಂದುಕೊರತೆ ಸಲ್ಲಿಸಿ" in client.get("/?lang=kn").get_data(as_text=True)
    page = client.get("/track").get_data(as_text=True)  # no ?lang: the session remembers
    assert 'lang="kn"' in page and "ಕುಂದುಕೊರತೆ ಸ್ಥಿತಿ ತಿಳಿಯಿರಿ" in page and 'href="?lang=en"' in page
    page = client.get("/track?lang=en").get_data(as_text=True)
    assert 'lang="en"' in page and "Track a grievance" in page and 'href="?lang=kn"' in page


def test_the_admin_language_menu_switches_the_portal_too(client, db_session):
    client.get("/lang/kn")  # Flask-AppBuilder's own language switch (the officers' UI navbar)
    assert "ಕುಂದುಕೊರತೆ ಸಲ್ಲಿಸಿ" in client.get("/").get_data(as_text=True)


def test_the_browser_language_is_the_default(client, db_session):
    page = client.get("/", headers={"Accept-Language": "kn-IN,kn;q=0.9,en;q=0.5"}).get_data(as_text=True)
    assert page.startswith('<!doctype html>\n<html lang="kn">') and "ಕುಂದುಕೊರತೆ ಸಲ್ಲಿಸಿ" in page
    page = client.get("/", headers={"Accept-Language": "en-IN,en;q=0.9"}).get_data(as_text=True)
    assert page.startswith('<!doctype html>\n<html lang="en">')


def test_filing_errors_in_kannada(client, app, db_session):
    portal_login(client, app, db_session, "9845000071")
    fill_profile(client)
    client.get("/?lang=kn")
    response = file_rtc(client, **{"form.survey_number": "", "description": "short"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "ಸರ್ವೆ ನಂಬರ್ / ಹಿಸ್ಸಾ ನಂಬರ್: ಈ ಮಾಹಿತಿ ಅಗತ್ಯ" in page  # YAML label, catalogue sentence
    assert "ವಿವರಣೆ: ಕುಂದುಕೊರತೆಯನ್ನು 10 ರಿಂದ 4000 ಅಕ್ಷರಗಳಲ್ಲಿ ವಿವರಿಸಿ." in page
    assert "this field is required" not in page


def test_profile_errors_in_kannada(client, app, db_session):
    portal_login(client, app, db_session, "9845000072")
    client.get("/?lang=kn")
    page = fill_profile(client, name="", pincode="12345").get_data(as_text=True)
    assert "ಹೆಸರು: ಈ ಮಾಹಿತಿ ಅಗತ್ಯ." in page and "ಪಿನ್‌ಕೋಡ್: ಕರ್ನಾಟಕದ ಪಿನ್‌ಕೋಡ್ 6 ಅಂಕಿಗಳದ್ದು" in page


def test_api_errors_follow_accept_language(client, db_session):
    response = client.post("/api/v1/auth/otp", json={"mobile": "12"}, headers={"Accept-Language": "kn"})
    assert response.status_code == 400 and "ಮೊಬೈಲ್" in response.get_json()["message"]
    response = client.post("/api/v1/auth/otp", json={"mobile": "12"})
    assert "mobile number" in response.get_json()["message"]


def test_form_validation_in_either_language(shipped_catalogue):
    gt = shipped_catalogue.grievance_types["REV_RTC_NOT_ISSUED"]
    _, en = forms.validate(gt, {}, lang="en")
    _, kn = forms.validate(gt, {}, lang="kn")
    assert en["survey_number"] == ["Survey number / Hissa number: this field is required"]
    assert kn["survey_number"] == ["ಸರ್ವೆ ನಂಬರ್ / ಹಿಸ್ಸಾ ನಂಬರ್: ಈ ಮಾಹಿತಿ ಅಗತ್ಯ"]


def test_sms_in_the_citizens_language_whatever_the_page(db_session):
    from ipgrs.grievances.services import file_grievance

    citizen = make_citizen(db_session, language="kn")
    g = file_grievance(db_session, citizen, rtc_filing())
    sms = db_session.scalar(select(Notification).where(Notification.key == f"grievance:{g.number}:filed:sms"))
    assert sms.language == "kn" and sms.body.startswith("ನಿಮ್ಮ ಕುಂದುಕೊರತೆ " + g.number)


def test_translate_outside_a_request():
    assert translate("File a grievance", "kn") == "ಕುಂದುಕೊರತೆ ಸಲ್ಲಿಸಿ"
    assert translate("File a grievance", "en") == "File a grievance"
    assert tr("That code is not right. {left} tries left.", lang="kn", left=3) == "ಆ ಕೋಡ್ ಸರಿಯಿಲ್ಲ. ಇನ್ನೂ 3 ಪ್ರಯತ್ನಗಳು ಉಳಿದಿವೆ."


def test_the_officers_inbox_in_kannada(client, db_session):
    from tests.officers.helpers import officer_login, rtc_in_anekal

    g = rtc_in_anekal(db_session)
    officer_login(client, "spl_tahsildar")
    page = client.get("/officer/inbox?lang=kn")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<h1>ಒಳಪೆಟ್ಟಿಗೆ</h1>" in text and "ಶೋಧಿಸಿ" in text and g.number in text
    assert "ಗಡುವು, ಹತ್ತಿರದ್ದು ಮೊದಲು" in text and "ತೆರೆದಿದೆ" in text  # sort options, status names
    assert "<h1>Inbox</h1>" in client.get("/officer/inbox?lang=en").get_data(as_text=True)
    client.get("/logout/")
