"""The read side of Open311 GeoReport v2, through the `georeport` client against a live server; every
answer checked against the spec's JSON Schemas (schemas.py)."""
from __future__ import annotations

from datetime import timedelta

import pytest
import requests
from sqlalchemy import update

from ipgrs import clock
from ipgrs.grievances.models import Grievance
from tests.factories import make_citizen, rtc_filing
from tests.open311.schemas import (ERRORS, ONE_SERVICE_REQUEST, SERVICE_DEFINITION, SERVICE_LIST, SERVICE_REQUESTS,
                                   check)


def utc(moment) -> str:
    from datetime import timezone

    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def file(db_session, **citizen):
    from ipgrs.grievances.services import file_grievance

    return file_grievance(db_session, make_citizen(db_session, **citizen), rtc_filing(
        description="My RTC applied on 2026-01-10 is not issued; call me on 98450 12345 or write to lakshmi@example.com please."))


def test_services_are_the_catalogues_grievance_types(georeport, shipped_catalogue):
    services = georeport.get_service_list()
    check(SERVICE_LIST, services)
    assert len(services) == len(shipped_catalogue.grievance_types)
    rtc = next(s for s in services if s["service_code"] == "REV_RTC_NOT_ISSUED")
    assert rtc["service_name"] == "RTC not issued within time" and rtc["metadata"] is True and rtc["type"] == "realtime"
    assert "pahani" in rtc["keywords"].split(", ") and rtc["group"].startswith("Revenue")


def test_services_in_kannada(live_server, db_session):
    services = requests.get(f"{live_server}/open311/v2/services.json", params={"lang": "kn"}, timeout=30).json()
    check(SERVICE_LIST, services)
    assert next(s for s in services if s["service_code"] == "REV_RTC_NOT_ISSUED")["service_name"] == "ನಿಗದಿತ ಸಮಯದಲ್ಲಿ ಪಹಣಿ ನೀಡಿಲ್ಲ"


def test_service_definition_is_the_generated_form(georeport, shipped_catalogue):
    definition = georeport.get_service_definition("REV_RTC_NOT_ISSUED")
    check(SERVICE_DEFINITION, definition)
    by_code = {a["code"]: a for a in definition["attributes"]}
    assert [a["order"] for a in definition["attributes"]] == list(range(1, len(definition["attributes"]) + 1))
    assert by_code["survey_number"]["datatype"] == "string" and by_code["survey_number"]["required"] is True
    assert by_code["survey_number"]["description"] == "Survey number / Hissa number"
    assert by_code["application_date"]["datatype"] == "datetime" and by_code["application_date"]["required"] is False
    assert {v["key"] for v in by_code["category"]["values"]} == {"DELAY", "NOT_AVAILABLE_ONLINE"}
    assert len(by_code["district"]["values"]) == len(shipped_catalogue.jurisdictions.districts)
    assert {"taluk", "locality", "pincode"} <= set(by_code)

    entry_error = georeport.get_service_definition("REV_RTC_ENTRY_ERROR")
    check(SERVICE_DEFINITION, entry_error)
    columns = next(a for a in entry_error["attributes"] if a["code"] == "error_columns")
    assert columns["datatype"] == "multivaluelist" and columns["required"] is True and columns["values"]


def test_every_service_definition_is_valid(live_server, db_session, shipped_catalogue):
    """Every datatype the YAML's field types map to is one of the spec's."""
    with requests.Session() as http:
        for code in shipped_catalogue.grievance_types:
            response = http.get(f"{live_server}/open311/v2/services/{code}.json", timeout=30)
            assert response.status_code == 200, code
            check(SERVICE_DEFINITION, response.json())


def test_an_unknown_service_is_a_404_in_the_spec_format(georeport):
    with pytest.raises(requests.HTTPError) as raised:
        georeport.get_service_definition("NO_SUCH_SERVICE")
    response = raised.value.response
    assert response.status_code == 404 and response.headers["Content-Type"].startswith("application/json")
    check(ERRORS, response.json())
    assert response.json()[0]["code"] == 404 and "NO_SUCH_SERVICE" in response.json()[0]["description"]


def test_requests_without_personal_data(georeport, db_session):
    g = file(db_session)
    found = georeport.get_service_requests()
    check(SERVICE_REQUESTS, found)
    mine = next(r for r in found if r["service_request_id"] == g.number)
    assert mine["status"] == "open" and mine["service_code"] == "REV_RTC_NOT_ISSUED"
    assert mine["expected_datetime"] == utc(g.due_at)  # from the timeline
    assert mine["requested_datetime"] == utc(g.created_at)
    assert mine["address"] == "Anekal, Bengaluru Urban" and mine["agency_responsible"].startswith("Revenue")
    text = str(found)
    for personal in (g.citizen.name, g.citizen.mobile, g.citizen.mobile[-10:], "98450 12345", "lakshmi@example.com",
                     "Chandapura"):
        assert personal not in text
    assert "[number removed]" in mine["description"] and "[e-mail removed]" in mine["description"]
    assert "2026-01-10" in mine["description"]  # a date is not personal data


def test_one_request_is_a_one_element_list(georeport, live_server, db_session):
    g = file(db_session)
    raw = requests.get(f"{live_server}/open311/v2/requests/{g.number}.json", timeout=30).json()
    check(ONE_SERVICE_REQUEST, raw)
    assert georeport.get_service_request(g.number)["service_request_id"] == g.number
    with pytest.raises(requests.HTTPError) as raised:
        georeport.get_service_request("KA-2026-99999999")
    assert raised.value.response.status_code == 404
    check(ERRORS, raised.value.response.json())


def test_filters(georeport, db_session):
    first, second = file(db_session), file(db_session)
    db_session.execute(update(Grievance).where(Grievance.id == second.id).values(status="closed", closed_at=clock.now()))
    db_session.commit()

    def numbers(**filters):
        found = georeport.get_service_requests(**filters)
        check(SERVICE_REQUESTS, found)
        return {r["service_request_id"] for r in found}

    assert numbers(service_request_id=f"{first.number},{second.number}") == {first.number, second.number}
    assert first.number in numbers(status="open") and second.number not in numbers(status="open")
    assert second.number in numbers(status="closed") and first.number not in numbers(status="closed")
    assert {first.number, second.number} <= numbers(status="open,closed")
    assert first.number in numbers(service_code="REV_RTC_NOT_ISSUED,REV_MUTATION_DELAY")
    assert first.number not in numbers(service_code="REV_MUTATION_DELAY")
    now = clock.now()
    assert first.number in numbers(start_date=utc(now - timedelta(days=1)), end_date=utc(now + timedelta(minutes=1)))
    assert first.number not in numbers(start_date=utc(now - timedelta(days=30)), end_date=utc(now - timedelta(days=2)))
    closed = next(r for r in georeport.get_service_requests(service_request_id=second.number))
    assert closed["status"] == "closed"


def test_the_default_window_is_90_days(georeport, db_session):
    old = file(db_session)
    db_session.execute(update(Grievance).where(Grievance.id == old.id).values(created_at=clock.now() - timedelta(days=91)))
    db_session.commit()
    assert old.number not in {r["service_request_id"] for r in georeport.get_service_requests()}
    assert old.number in {r["service_request_id"] for r in georeport.get_service_requests(service_request_id=old.number)}


@pytest.mark.parametrize("params, names", [
    ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "90 days"),
    ({"start_date": "yesterday"}, "start_date"),
    ({"start_date": "2026-01-01T00:00:00"}, "time zone"),
    ({"status": "pending"}, "status"),
    ({"jurisdiction_id": "bbmp.gov.in"}, "jurisdiction_id"),
])
def test_bad_queries_are_errors_in_the_spec_format(live_server, db_session, params, names):
    response = requests.get(f"{live_server}/open311/v2/requests.json", params=params, timeout=30)
    assert response.status_code in (400, 404)
    check(ERRORS, response.json())
    assert names in response.json()[0]["description"]


@pytest.mark.parametrize("method, path, status", [
    ("DELETE", "/open311/v2/requests.json", 405),
    ("PUT", "/open311/v2/services.json", 405),
    ("GET", "/open311/v2/nothing.json", 404),
    ("GET", "/open311/v2/services.xml", 404),
])
def test_no_html_for_routing_errors(live_server, db_session, method, path, status):
    response = requests.request(method, f"{live_server}{path}", timeout=30)
    assert response.status_code == status and response.headers["Content-Type"].startswith("application/json")
    check(ERRORS, response.json())
    assert response.json()[0]["code"] == status


def test_an_unexpected_error_is_a_500_in_the_spec_format(client, monkeypatch):
    from ipgrs.open311 import services

    def broken(*args, **kwargs):
        raise RuntimeError("database fell over with a secret in it")

    monkeypatch.setattr(services, "service_list", broken)
    response = client.get("/open311/v2/services.json")
    assert response.status_code == 500
    check(ERRORS, response.get_json())
    assert "secret" not in response.get_data(as_text=True) and "Traceback" not in response.get_data(as_text=True)
