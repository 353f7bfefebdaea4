"""Explain: why a grievance was routed where it is — for officers in its scope and administrators, never citizens."""
from __future__ import annotations

from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from ipgrs import clock
from ipgrs.catalog import services as catalog
from ipgrs.catalog.models import Department, Post, Taluk
from ipgrs.grievances.explain import explain
from ipgrs.grievances.services import file_grievance
from ipgrs.officers.models import Officer, Posting
from tests.factories import make_citizen, rtc_filing
from tests.officers.helpers import api_token, officer_login, rtc_in_anekal, rtc_in_hunsur
from tests.portal.helpers import api_token as citizen_token
from tests.portal.helpers import portal_login

RULE_1 = "Bengaluru Urban land records go to the special tahsildar"


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_the_rule_that_fired_and_the_facts_it_matched(db_session):
    g = rtc_in_anekal(db_session)
    ex = explain(db_session, g)
    version = g.ruleset_version
    assert ex["version"] == {"id": version.id, "content_hash": version.content_hash, "published_at": version.published_at.isoformat(),
                             "published_by": "tests", "message": "shipped catalogue"}
    [fired] = ex["rules_fired"]
    assert fired["name"] == RULE_1 and fired["number"] == 1 and fired["assign"] == "SPL_TAHSILDAR"
    assert fired["when"] == "service is RTC and location.district is Bengaluru Urban"
    assert fired["matched"] == [
        {"fact": "service", "test": "service is RTC", "value": "RTC", "given": True, "holds": True},
        {"fact": "location.district", "test": "location.district is Bengaluru Urban", "value": "Bengaluru Urban", "given": True, "holds": True}]
    assert ex["rules_not_matched"] == []
    assert ex["decision"]["escalation"] == ["SPL_TAHSILDAR", "AC", "DC", "SEC"] and ex["explanation"] == g.decision["explanation"]


def test_the_catch_all_and_why_earlier_rules_did_not_match(db_session):
    g = rtc_in_hunsur(db_session)
    ex = explain(db_session, g)
    [fired] = ex["rules_fired"]
    assert fired["number"] == 5 and fired["when"] == "always (no conditions)" and fired["matched"] == []
    assert [r["number"] for r in ex["rules_not_matched"]] == [1, 2, 3, 4]
    first = ex["rules_not_matched"][0]
    assert first["failed"] == [{"fact": "location.district", "test": "location.district is Bengaluru Urban", "value": "Mysuru",
                                "given": True, "holds": False}]


def test_a_senior_citizens_age_is_a_matched_fact(db_session):
    senior = make_citizen(db_session, date_of_birth=date(1950, 1, 1), district="Mysuru", taluk="Hunsur", pincode="571105")
    g = file_grievance(db_session, senior, rtc_filing(grievance_type="REV_PENSION_NOT_CREDITED", category=None, subcategory=None,
                                                      form={"pension_id": "OAP/2020/1234", "months_not_received": 3,
                                                            "mode_of_payment": "BANK"}))
    [fired] = explain(db_session, g)["rules_fired"]
    age = next(m for m in fired["matched"] if m["fact"] == "citizen.age")
    assert age["test"] == "citizen.age ≥ 60" and age["value"] >= 70 and age["holds"]


def test_the_explanation_stays_with_the_version_that_decided(db_session, config_dir):
    g = rtc_in_anekal(db_session)
    rev = config_dir / "departments" / "rev.yaml"
    rev.write_text(rev.read_text(encoding="utf-8").replace(RULE_1, "Renamed rule").replace(
        "when: {service: RTC, location.district: Bengaluru Urban}", "when: {service: RTC}"), encoding="utf-8")
    newer, _ = catalog.publish_directory(db_session, config_dir, author="nodal officer", message="renamed")
    current_app.extensions["ipgrs.rules"].refresh(db_session, force=True)
    assert newer.id != g.ruleset_version_id
    [fired] = explain(db_session, g, current_app.extensions["ipgrs.rules"].catalogue)["rules_fired"]
    assert fired["name"] == RULE_1 and fired["when"] == "service is RTC and location.district is Bengaluru Urban"


def test_officers_in_scope_see_it_on_the_page_and_in_the_api(client, db_session):
    g = rtc_in_anekal(db_session)
    officer_login(client, "spl_tahsildar")
    page = client.get(f"/officer/grievances/{g.number}").get_data(as_text=True)
    assert "Why it is here" in page and f"Rule 1 “{RULE_1}”" in page and "location.district is Bengaluru Urban" in page
    assert f"Decided by ruleset version {g.ruleset_version_id} " in page and "by tests: “shipped catalogue”" in page
    routing = page[page.index('id="routing"'):page.index("<strong>History</strong>")]
    assert routing.count("<strong>") == 1 and "<strong>L1 SPL_TAHSILDAR</strong>" in routing  # what the browser test reads
    token = api_token(client, "dc_blr")  # supervises it
    body = client.get(f"/api/v1/officer/grievances/{g.number}", headers=bearer(token)).get_json()["grievance"]
    assert body["explain"]["rules_fired"][0]["name"] == RULE_1 and body["explain"]["version"]["id"] == g.ruleset_version_id


def _officer_of_another_department(db_session) -> str:
    """A login for the Agriculture officer posted in Anekal: same place, another department."""
    sm = current_app.appbuilder.sm
    posting = db_session.scalar(
        select(Posting).join(Post, Post.id == Posting.post_id).join(Department).join(Taluk, Taluk.id == Posting.taluk_id)
        .where(Department.code == "AGRI", Taluk.name_en == "Anekal", Posting.active).limit(1))
    user = sm.add_user("agri_anekal", "Agri", "Officer", "agri_anekal@test.invalid", sm.find_role("Officer"), password="agri_anekal")
    officer = db_session.get(Officer, posting.officer_id)
    officer.user_id = user.id
    db_session.commit()
    return "agri_anekal"


def test_an_officer_of_another_department_cannot_see_it(client, db_session):
    g = rtc_in_anekal(db_session)
    from ipgrs.demo import seed

    seed()
    username = _officer_of_another_department(db_session)
    officer_login(client, username)
    assert client.get("/officer/inbox").status_code == 200  # a working officer login
    page = client.get(f"/officer/grievances/{g.number}")
    assert page.status_code == 404 and RULE_1 not in page.get_data(as_text=True)
    assert client.get(f"/api/v1/officer/grievances/{g.number}").status_code == 404
    admin_page = client.get(f"/admin/grievances/{g.number}/explain")
    assert admin_page.status_code in (302, 403) and RULE_1 not in admin_page.get_data(as_text=True)


def test_administrators_see_it(client, db_session):
    g = rtc_in_anekal(db_session)
    officer_login(client, "admin")
    page = client.get(f"/admin/grievances/{g.number}/explain")
    assert page.status_code == 200, page.data[:300]
    text = page.get_data(as_text=True)
    assert f"Rule 1 “{RULE_1}”" in text and "SPL_TAHSILDAR" in text
    assert client.get("/admin/grievances/KA-0000-00000000/explain").status_code == 404


def test_citizens_cannot_see_it(client, db_session, app):
    g = rtc_in_anekal(db_session)
    mobile = g.citizen.mobile[-10:]
    portal_login(client, app, db_session, mobile)
    own = client.get(f"/grievances/{g.number}")
    assert own.status_code == 200
    text = own.get_data(as_text=True)
    # (the citizen's timeline has the "assigned" event, whose note names the rule; the explanation itself is not shown)
    assert "Why it is here" not in text and "ruleset version" not in text and "location.district is" not in text
    assert client.get(f"/officer/grievances/{g.number}").status_code == 302  # to the staff login
    assert client.get(f"/admin/grievances/{g.number}/explain").status_code == 302
    with clock.travel(timedelta(minutes=10)):  # past the OTP resend cooldown of the portal login
        token = citizen_token(client, app, db_session, mobile)
        response = client.get(f"/api/v1/grievances/{g.number}", headers=bearer(token))
        body = response.get_json()
        assert response.status_code == 200 and body
        assert "explain" not in str(body) and "rules_fired" not in str(body) and "location.district is" not in str(body)
        assert client.get(f"/api/v1/officer/grievances/{g.number}", headers=bearer(token)).status_code == 401  # a citizen token is no JWT
