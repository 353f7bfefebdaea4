"""The platform on SQLite and PostgreSQL: health, the catalogue API, publishing a new department, admin views."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

import rules
from ipgrs.catalog import models as m
from ipgrs.catalog import services
from tests.factories import department, dump


def test_health_reports_database_and_rules_version(client, shipped_catalogue):
    response = client.get("/health")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["database"] == "ok"
    assert body["rules_version"]["content_hash"] == shipped_catalogue.version
    assert body["rules_version"]["departments"] == shipped_catalogue.counts["departments"]


def test_departments_api_returns_the_taxonomy_in_both_languages(client, shipped_catalogue):
    response = client.get("/api/v1/catalog/departments")
    assert response.status_code == 200
    body = response.get_json()
    assert body["content_hash"] == shipped_catalogue.version
    codes = [d["code"] for d in body["departments"]]
    assert codes == sorted(shipped_catalogue.departments)
    rev = next(d for d in body["departments"] if d["code"] == "REV")
    assert rev["name"] == {"en": "Revenue Department", "kn": "ಕಂದಾಯ ಇಲಾಖೆ"}
    rtc = next(s for s in rev["services"] if s["code"] == "RTC")
    assert any(g["code"] == "REV_RTC_NOT_ISSUED" and "pahani" in g["keywords"] for g in rtc["grievance_types"])
    assert {"code", "name"} <= set(rev["line_departments"][0])
    assert rtc["line_department"] in {ld["code"] for ld in rev["line_departments"]}


def test_taxonomy_tables_mirror_the_published_catalogue(db_session, shipped_catalogue):
    assert db_session.scalar(select(func.count()).select_from(m.Department).where(m.Department.active)) == len(shipped_catalogue.departments)
    assert db_session.scalar(select(func.count()).select_from(m.GrievanceType).where(m.GrievanceType.active)) == len(shipped_catalogue.grievance_types)
    assert db_session.scalar(select(func.count()).select_from(m.District)) == 31
    rtc = db_session.scalar(select(m.GrievanceType).where(m.GrievanceType.code == "REV_RTC_NOT_ISSUED"))
    assert rtc.service.department.code == "REV" and rtc.service.line_department.department.code == "REV"
    version = services.latest_version(db_session)
    assert version.content_hash == shipped_catalogue.version and version.counts == shipped_catalogue.counts


def test_a_new_department_file_is_published_and_served_without_restart(client, db_session, config_dir, app):
    new = department(code="WATERBOARD", name={"en": "Water Supply Board", "kn": "ನೀರು ಸರಬರಾಜು ಮಂಡಳಿ"})
    for s in new["services"]:
        for g in s["grievances"]:
            g["code"] = "WSB_" + g["code"].removeprefix("TST_")
    (config_dir / "departments" / "waterboard.yaml").write_text(dump(new), encoding="utf-8")
    version, catalogue = services.publish_directory(db_session, config_dir, author="nodal officer", message="onboard the board")
    assert "WATERBOARD" in catalogue.departments

    body = client.get("/api/v1/catalog/departments").get_json()
    assert body["version"] == version.id
    board = next(d for d in body["departments"] if d["code"] == "WATERBOARD")
    assert board["name"]["kn"] == "ನೀರು ಸರಬರಾಜು ಮಂಡಳಿ"
    assert [g["code"] for s in board["services"] for g in s["grievance_types"]] == ["WSB_RTC", "WSB_MUTATION", "WSB_PENSION_DELAY"]
    decision = app.extensions["ipgrs.rules"].decide({"grievance": "WSB_PENSION_DELAY", "citizen": {"age": 80}})
    assert (decision.department, decision.post, decision.priority) == ("WATERBOARD", "DO", "high")
    assert client.get("/health").get_json()["rules_version"]["id"] == version.id


def test_an_invalid_config_is_not_published_and_the_old_version_keeps_serving(client, db_session, config_dir):
    before = services.latest_version_id(db_session)
    (config_dir / "departments" / "broken.yaml").write_text("code: BRK\nname: {en: x}\n", encoding="utf-8")
    with pytest.raises(rules.ConfigInvalid) as info:
        services.publish_directory(db_session, config_dir, author="nodal officer")
    assert any("broken.yaml:2:" in str(e) and "required key 'kn' not provided" in str(e) for e in info.value.errors)
    assert services.latest_version_id(db_session) == before
    assert client.get("/health").get_json()["status"] == "ok"


def test_removed_department_is_deactivated_not_deleted(db_session, config_dir):
    (config_dir / "departments" / "rev.yaml").unlink()
    services.publish_directory(db_session, config_dir, author="admin")
    rev = db_session.scalar(select(m.Department).where(m.Department.code == "REV"))
    assert rev is not None and rev.active is False
    assert db_session.scalar(select(m.GrievanceType).where(m.GrievanceType.code == "REV_RTC_NOT_ISSUED")).active is False


def test_api_errors_are_json_with_a_message(client):
    response = client.get("/api/v1/catalog/nothing-here")
    assert response.status_code == 404
    assert response.is_json and response.get_json()["message"]
    page = client.get("/no/such/page")
    assert page.status_code == 404 and b"Traceback" not in page.data and b"<h1>404</h1>" in page.data


def test_openapi_document_lists_the_catalogue(client):
    assert client.get("/api/v1/_openapi").status_code == 401  # FAB protects the spec; admins read it
    _login(client)
    spec = client.get("/api/v1/_openapi").get_json()
    assert "get" in spec["paths"]["/api/v1/catalog/departments"]


def _login(client, username="admin", password="admin"):
    from ipgrs.demo import seed
    seed()
    page = client.get("/login/")
    token = re.search(rb'name="csrf_token" type="hidden" value="([^"]+)"', page.data)
    data = {"username": username, "password": password}
    if token:
        data["csrf_token"] = token.group(1).decode()
    response = client.post("/login/", data=data)
    assert response.status_code == 302, response.data[:500]


def test_admin_sees_read_only_catalogue_views(client):
    _login(client)
    page = client.get("/departmentview/list/?_flt_0_code=REV")
    assert page.status_code == 200
    assert "ಕಂದಾಯ ಇಲಾಖೆ".encode() in page.data
    assert client.get("/departmentview/add").status_code in (302, 403, 404)
    assert client.get("/grievancetypeview/list/?_flt_0_code=REV_RTC_NOT_ISSUED").status_code == 200


def test_anonymous_users_cannot_see_admin_views(client):
    response = client.get("/departmentview/list/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_admin_pages_carry_the_vendored_kannada_font(client):
    _login(client)
    page = client.get("/departmentview/list/").data.decode()
    assert "vendor/noto-sans-kannada/kannada.css" in page
    css = client.get("/static/vendor/noto-sans-kannada/kannada.css")
    assert css.status_code == 200 and b"U+0C80-0CFF" in css.data
    font = client.get("/static/vendor/noto-sans-kannada/noto-sans-kannada-kannada-400-normal.woff2")
    assert font.status_code == 200 and font.data[:4] == b"wOF2"
