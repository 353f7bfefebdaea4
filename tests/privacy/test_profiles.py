"""The administrator's citizen pages: a masked list found by exact mobile number, the full profile shown only after
its read is committed to the access log, the read-only access log, and the desk's profile step logged too."""
from __future__ import annotations

import pytest
from flask import current_app
from sqlalchemy import func, select, text

from ipgrs.citizens.models import ProfileRead
from ipgrs.citizens.services import client_hash
from tests.factories import make_citizen
from tests.officers.helpers import officer_login, rtc_in_anekal
from tests.portal.helpers import csrf_from, staff_login

SQLITE = pytest.mark.parametrize("app", ["sqlite"], indirect=True)


def reads(session) -> list[ProfileRead]:
    return list(session.scalars(select(ProfileRead).order_by(ProfileRead.id)))


def citizen_with_address(session, mobile="+919845061111", **values):
    return make_citizen(session, mobile=mobile, name="Gowramma", email="gowramma@example.org", locality="Chandapura",
                        pincode="562106", gender="female", **values)


def citizen_with_a_grievance(session):
    citizen = citizen_with_address(session)
    g = rtc_in_anekal(session)
    g.citizen_id = citizen.id
    session.commit()
    return citizen, g


@SQLITE
def test_the_list_masks_mobiles_leaves_out_addresses_and_finds_one_exact_number(client, db_session):
    one = citizen_with_address(db_session)
    citizen_with_address(db_session, mobile="+919845062222")
    staff_login(client, "admin", "admin")
    page = client.get("/admin/citizens/").data.decode()
    assert "+91******1111" in page and "+91******2222" in page
    assert "9845061111" not in page and "Chandapura" not in page and "562106" not in page and "gowramma@" not in page
    found = client.get("/admin/citizens/?mobile=98450 61111").data.decode()   # any usual writing of the number
    assert "+91******1111" in found and "+91******2222" not in found and f"/admin/citizens/{one.id}" in found
    partial = client.get("/admin/citizens/?mobile=98450")                       # no prefix search: no enumeration
    assert partial.status_code == 400 and "Mobile number:" in partial.data.decode() and "+91******1111" not in partial.data.decode()
    assert reads(db_session) == []   # a list is not a profile read


def test_opening_a_profile_is_logged_before_it_is_shown(client, db_session):
    citizen, g = citizen_with_a_grievance(db_session)
    staff_login(client, "admin", "admin")
    page = client.get(f"/admin/citizens/{citizen.id}")
    body = page.data.decode()
    assert page.status_code == 200
    assert "+919845061111" in body and "gowramma@example.org" in body and "Chandapura" in body and "562106" in body
    assert g.number in body
    [row] = reads(db_session)
    admin = current_app.appbuilder.sm.find_user(username="admin")
    assert (row.user_id, row.username, row.citizen_id, row.source) == (admin.id, "admin", citizen.id, "admin/citizens")
    assert row.client == client_hash("127.0.0.1") and "127.0.0.1" not in row.client and row.at is not None
    # the log lists it; nothing in it can be edited or deleted, by the administrator either
    log_page = client.get("/admin/access-log/list/").data.decode()
    assert row.client in log_page   # the row itself (the page's menu links name admin/citizens too)
    assert client.get(f"/admin/access-log/edit/{row.id}").status_code in (302, 403, 404)
    assert client.post(f"/admin/access-log/delete/{row.id}", data={"csrf_token": csrf_from(log_page)}).status_code in (302, 403, 404, 405)
    assert client.get("/admin/access-log/add").status_code in (302, 403, 404)
    assert client.get("/admin/citizens/987654321").status_code == 404   # no such citizen: nothing to log
    assert len(reads(db_session)) == 1
    with pytest.raises(PermissionError):   # nor through the ORM
        db_session.delete(row)
        db_session.flush()
    db_session.rollback()


def test_the_profile_and_the_log_read_in_kannada(client, db_session):
    citizen, g = citizen_with_a_grievance(db_session)
    staff_login(client, "admin", "admin")
    english = client.get(f"/admin/citizens/{citizen.id}?lang=en").data.decode()
    assert "Revenue Department" in english and ">Open<" in english
    kannada = client.get(f"/admin/citizens/{citizen.id}?lang=kn").data.decode()
    assert g.department.name_kn in kannada and g.grievance_type.name_kn in kannada and "Revenue Department" not in kannada
    log_page = client.get("/admin/access-log/list/").data.decode()  # the session keeps Kannada
    assert "ಪ್ರವೇಶ ದಾಖಲೆ" in log_page and "Client (keyed hash)" not in log_page
    assert len(reads(db_session)) == 2


def test_no_log_row_no_profile(client, db_session):
    citizen = citizen_with_address(db_session)
    staff_login(client, "admin", "admin")
    db_session.execute(text("DROP TABLE profile_read_log"))   # rolled back with the test's transaction
    db_session.commit()
    page = client.get(f"/admin/citizens/{citizen.id}")
    body = page.data.decode()
    assert page.status_code == 503 and "access log could not be written" in body
    assert "9845061111" not in body and "Chandapura" not in body and "gowramma@" not in body


@SQLITE
@pytest.mark.parametrize("username", ["operator", "monitor", "spl_tahsildar"])
def test_only_administrators_open_profiles_and_the_log(client, db_session, username):
    citizen = citizen_with_address(db_session)
    officer_login(client, username)
    for url in ("/admin/citizens/", f"/admin/citizens/{citizen.id}", "/admin/access-log/list/"):
        response = client.get(url)
        assert response.status_code != 200 and "9845061111" not in response.data.decode(), url
    assert reads(db_session) == []


@SQLITE
def test_the_desk_profile_step_is_a_logged_read(client, db_session):
    citizen_with_address(db_session, district="Mysuru", taluk="Hunsur", verified_at=None)
    staff_login(client, "operator", "operator")
    page = client.get("/desk/")
    client.post("/desk/", data={"mobile": "9845061111", "channel": "HELPLINE_1902", "csrf_token": csrf_from(page.data)})
    page = client.get("/desk/verify")
    client.post("/desk/verify", data={"action": "in_person", "confirm": "yes", "csrf_token": csrf_from(page.data)})
    assert reads(db_session) == []   # the desk's own pages show the masked number only
    profile = client.get("/desk/profile")
    assert profile.status_code == 200 and "gowramma@example.org" in profile.data.decode()
    [row] = reads(db_session)
    operator = current_app.appbuilder.sm.find_user(username="operator")
    assert (row.user_id, row.source) == (operator.id, "desk/profile")
    assert db_session.scalar(select(func.count()).select_from(ProfileRead)) == 1
