"""POST a service request: an API key issued to a partner app, the normal filing service with channel
Open311, the citizen found or registered by mobile, and nothing stored when anything is wrong."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ipgrs.citizens.models import Citizen
from ipgrs.grievances.models import Grievance, GrievanceEvent
from ipgrs.open311.models import PartnerApiKey
from tests.factories import make_citizen
from tests.open311.schemas import ERRORS, POST_RESPONSE, check
from tests.portal.helpers import csrf_from, staff_login

URL = "/open311/v2/requests.json"


def rtc_request(api_key, **overrides):
    data = {
        "api_key": api_key, "service_code": "REV_RTC_NOT_ISSUED", "jurisdiction_id": "karnataka.gov.in",
        "description": "Applied for the RTC of my land two months ago and it has not been issued.",
        "phone": "98450 12345", "first_name": "Manjunath", "last_name": "Gowda", "email": "manju@example.com",
        "attribute[survey_number]": "123/2A", "attribute[village_name]": "Chandapura",
        "attribute[category]": "DELAY", "attribute[subcategory]": "OVER_30_DAYS",
        "attribute[district]": "Bengaluru Urban", "attribute[taluk]": "Anekal", "attribute[locality]": "Chandapura",
        "lat": "12.79", "long": "77.70",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def counts(session):
    return tuple(session.scalar(select(func.count()).select_from(m)) for m in (Grievance, Citizen, GrievanceEvent))


def test_post_files_a_grievance_routed_by_the_rules(client, db_session, api_key):
    response = client.post(URL, data=rtc_request(api_key, account_id="partner-user-77"))
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    check(POST_RESPONSE, body)
    assert body[0]["account_id"] == "partner-user-77" and "Special Tahsildar" in body[0]["service_notice"]
    g = db_session.scalar(select(Grievance).where(Grievance.number == body[0]["service_request_id"]))
    assert g.channel == "Open311" and g.status == "open"
    assert g.assigned_post.code == "SPL_TAHSILDAR"  # rev.yaml: Bengaluru Urban land records go to the special tahsildar
    assert g.decision["facts"]["channel"] == "Open311"
    assert g.taluk.name_en == "Anekal" and g.latitude == pytest.approx(12.79)
    assert g.form_data == {"survey_number": "123/2A", "village_name": "Chandapura"} and g.category == "DELAY"
    assert g.citizen.mobile == "+919845012345" and g.citizen.name == "Manjunath Gowda" and g.citizen.email == "manju@example.com"
    filed = g.events[0]
    assert filed.kind == "filed" and filed.actor_label == "Open311: Namma Bengaluru test app"
    assert db_session.scalar(select(PartnerApiKey)).requests_filed == 1
    # and it reads back through GET
    again = client.get(f"/open311/v2/requests/{g.number}.json").get_json()
    assert again[0]["service_request_id"] == g.number and again[0]["status"] == "open"


def test_a_known_mobile_is_the_same_citizen(client, db_session, api_key):
    citizen = make_citizen(db_session, name="Lakshmi Devi")
    response = client.post(URL, data=rtc_request(api_key, phone=citizen.mobile, first_name="Someone", last_name="Else",
                                                  **{"attribute[district]": None, "attribute[taluk]": None,
                                                     "attribute[locality]": None, "lat": None, "long": None}))
    assert response.status_code == 201, response.get_json()
    g = db_session.scalar(select(Grievance).where(Grievance.number == response.get_json()[0]["service_request_id"]))
    assert g.citizen_id == citizen.id and citizen.name == "Lakshmi Devi"  # a partner does not rename a citizen
    assert g.taluk.name_en == "Anekal"  # the citizen's registered address


def test_location_from_address_string(client, db_session, api_key):
    response = client.post(URL, data=rtc_request(api_key, address_string="Near the bus stand, Hunsur, Mysuru 571105",
                                                  **{"attribute[district]": None, "attribute[taluk]": None}))
    assert response.status_code == 201, response.get_json()
    g = db_session.scalar(select(Grievance).where(Grievance.number == response.get_json()[0]["service_request_id"]))
    assert (g.district.name_en, g.taluk.name_en) == ("Mysuru", "Hunsur") and g.assigned_post.code == "TAHSILDAR"


def test_json_body_and_multivaluelist(client, db_session, api_key):
    body = {"api_key": api_key, "service_code": "REV_RTC_ENTRY_ERROR", "phone": "9845012399",
            "description": "The extent of my land is wrong in the RTC and the name is misspelt.",
            "attribute": {"survey_number": "77", "error_columns": ["EXTENT", "OWNER_NAME"],
                          "district": "Mysuru", "taluk": "Hunsur"}}
    from ipgrs.catalog.runtime import RulesRuntime  # noqa: F401 - the catalogue names the options
    options = [o.value for f in client.application.extensions["ipgrs.rules"].catalogue.grievance_types["REV_RTC_ENTRY_ERROR"].form
               if f.name == "error_columns" for o in f.options]
    body["attribute"]["error_columns"] = options[:2]
    response = client.post(URL, json=body)
    assert response.status_code == 201, response.get_json()
    g = db_session.scalar(select(Grievance).where(Grievance.number == response.get_json()[0]["service_request_id"]))
    assert g.form_data["error_columns"] == options[:2] and g.channel == "Open311"


@pytest.mark.parametrize("key", [None, "", "o311_not-a-key", "x" * 500])
def test_a_bad_or_missing_key_is_403(client, db_session, key):
    before = counts(db_session)
    response = client.post(URL, data=rtc_request(key))
    assert response.status_code == 403
    check(ERRORS, response.get_json())
    assert response.get_json()[0]["description"].startswith("api_key")
    assert counts(db_session) == before


def test_a_deactivated_key_is_403(client, db_session, api_key):
    db_session.scalar(select(PartnerApiKey)).active = False
    db_session.commit()
    assert client.post(URL, data=rtc_request(api_key)).status_code == 403


def test_an_unknown_service_is_404(client, db_session, api_key):
    before = counts(db_session)
    response = client.post(URL, data=rtc_request(api_key, service_code="NO_SUCH_THING"))
    assert response.status_code == 404
    check(ERRORS, response.get_json())
    assert counts(db_session) == before


@pytest.mark.parametrize("overrides, named", [
    ({"attribute[survey_number]": None}, "attribute[survey_number]"),
    ({"attribute[survey_number]": "not a survey number"}, "attribute[survey_number]"),
    ({"description": None}, "description"),
    ({"phone": None}, "phone"),
    ({"phone": "12345"}, "phone"),
    ({"attribute[taluk]": "Hunsur"}, "attribute[taluk]"),          # not a taluk of Bengaluru Urban
    ({"attribute[category]": "NOPE"}, "attribute[category]"),
    ({"attribute[colour]": "red"}, "attribute[colour]"),
    ({"lat": "north"}, "lat"),
    ({"attribute[district]": None, "attribute[taluk]": None, "lat": None, "long": None}, "attribute[district]"),
])
def test_bad_input_is_400_naming_the_field_and_stores_nothing(client, db_session, api_key, overrides, named):
    before = counts(db_session)
    response = client.post(URL, data=rtc_request(api_key, **{"phone": "9845012377", **overrides}))
    assert response.status_code == 400, response.get_json()
    check(ERRORS, response.get_json())
    assert any(e["description"].startswith(named) for e in response.get_json()), response.get_json()
    assert counts(db_session) == before  # neither the grievance nor the new citizen


def test_posts_are_rate_limited_per_key(client, db_session, api_key, monkeypatch):
    from ipgrs.open311 import services

    monkeypatch.setitem(client.application.config, "OPEN311_POSTS_PER_MINUTE", 2)
    for _ in range(2):
        assert client.post(URL, data=rtc_request(api_key, **{"attribute[survey_number]": None})).status_code == 400
    response = client.post(URL, data=rtc_request(api_key))
    assert response.status_code == 429
    check(ERRORS, response.get_json())
    other, _ = services.issue_key(db_session, "Another app")
    assert client.post(URL, data=rtc_request(other)).status_code == 201  # the limit is per key


def test_keys_are_stored_hashed(db_session):
    import hashlib

    from ipgrs.open311 import services

    raw, key = services.issue_key(db_session, "Hash check")
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest() and raw not in (key.key_prefix, key.key_hash)
    assert services.authenticate(db_session, raw).id == key.id


def test_admin_issues_a_key_shown_once(client, db_session):
    from ipgrs.open311 import services

    staff_login(client, "admin", "admin")
    page = client.get("/open311keys/add")
    assert page.status_code == 200
    response = client.post("/open311keys/add", data={"partner": "Janaspandana kiosk", "contact_email": "kiosk@example.com",
                                                      "csrf_token": csrf_from(page.data)})
    assert response.status_code == 302
    import re

    shown = client.get("/open311keys/list/").get_data(as_text=True)  # the flashed message, once
    raw = re.search(r"<code>(o311_[\w-]+)</code>", shown).group(1)
    key = services.authenticate(db_session, raw)
    assert key.partner == "Janaspandana kiosk" and key.active
    listing = client.get("/open311keys/list/").get_data(as_text=True)
    assert "Janaspandana kiosk" in listing and raw not in listing
    # rotating: a new key is shown once and the old one stops working
    token = csrf_from(client.get(f"/open311keys/show/{key.id}").data)
    assert client.post("/open311keys/action_post", data={"action": "rotate", "rowid": key.id, "csrf_token": token}).status_code == 302
    rotated = re.search(r"<code>(o311_[\w-]+)</code>", client.get("/open311keys/list/").get_data(as_text=True)).group(1)
    assert rotated != raw and services.authenticate(db_session, rotated).id == key.id
    with pytest.raises(services.Open311Error):
        services.authenticate(db_session, raw)
    client.get("/logout/")


def test_officers_cannot_see_the_keys(client, db_session):
    staff_login(client, "tahsildar", "tahsildar")
    assert client.get("/open311keys/list/").status_code in (302, 403)
    client.get("/logout/")


def test_routing_rules_may_name_the_open311_channel(config_dir):
    import rules

    rev = config_dir / "departments" / "rev.yaml"
    rev.write_text(rev.read_text(encoding="utf-8").replace(
        "routing:\n", "routing:\n  - name: Partner apps' grievances go to the tahsildar\n"
                      "    when: {channel: Open311}\n    assign: TAHSILDAR\n", 1), encoding="utf-8")
    catalogue = rules.load_directory(config_dir)
    engine = rules.Engine()
    engine.publish(catalogue)
    decision = engine.decide({"grievance": "REV_RTC_NOT_ISSUED", "channel": "Open311",
                              "location": {"district": "Bengaluru Urban", "taluk": "Anekal"}})
    assert decision.rules_fired[0] == "Partner apps' grievances go to the tahsildar"
    with pytest.raises(rules.ConfigInvalid):
        rev.write_text(rev.read_text(encoding="utf-8").replace("{channel: Open311}", "{channel: OPEN_311}"), encoding="utf-8")
        rules.load_directory(config_dir)
