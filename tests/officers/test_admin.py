"""Roles, the demo officer logins, and the administrator's officer, posting and import views."""
from __future__ import annotations

from io import BytesIO

from flask import current_app
from sqlalchemy import select

from ipgrs.demo import DEMO_OFFICERS, seed
from ipgrs.officers.models import Officer, Posting
from tests.officers.helpers import officer_login, officer_of
from tests.portal.helpers import csrf_from, staff_login


def test_roles_are_created_with_their_permissions(app, db_session):
    sm = current_app.appbuilder.sm
    for name in ("Officer", "Nodal Officer"):
        role = sm.find_role(name)
        assert role is not None, name
        permissions = sm.get_role_permissions(role)
        assert ("can_inbox", "OfficerInboxView") in permissions and ("can_act", "OfficerApi") in permissions
        assert ("can_list", "DepartmentView") in permissions
        assert not any(view in ("OfficerView", "PostingView", "ImportOfficersView") for _, view in permissions)


def test_a_nodal_officer_has_the_officers_pages(client, db_session):
    from tests.officers.helpers import rtc_in_hunsur

    g = rtc_in_hunsur(db_session)
    sm = current_app.appbuilder.sm
    user = sm.add_user("nodal_mysuru", "Nodal", "Officer", "nodal@example.org", sm.find_role("Nodal Officer"), password="nodal-pw-1")
    nodal = Officer(name="Nodal Officer", user_id=user.id, active=True)
    db_session.add(nodal)
    db_session.flush()
    db_session.add(Posting(officer_id=nodal.id, post_id=g.assigned_post_id, district_id=g.district_id, taluk_id=g.taluk_id,
                           additional_charge=True, active=True))
    db_session.commit()
    client.get("/logout/")
    staff_login(client, "nodal_mysuru", "nodal-pw-1")
    page = client.get("/officer/inbox")
    assert page.status_code == 200 and g.number in page.data.decode()


def test_demo_officer_logins_are_linked_to_the_post_holders(app, db_session):
    seed()
    seed()  # idempotent
    expected = {name: (post, district, taluk) for name, _, post, district, taluk in DEMO_OFFICERS}
    for username, (post, district, taluk) in expected.items():
        officer = officer_of(db_session, username)
        assert officer is not None, username
        postings = db_session.scalars(select(Posting).where(Posting.officer_id == officer.id, Posting.active)).all()
        assert any(p.post.code == post and p.post.department.code == "REV"
                   and (p.district.name_en if p.district else None) == district
                   and (p.taluk.name_en if p.taluk else None) == taluk for p in postings), username
        user = current_app.appbuilder.sm.find_user(username=username)
        assert [r.name for r in user.roles] == ["Officer"]
    assert len({officer_of(db_session, u).id for u in expected}) == len(expected)
    logins = seed()
    assert ("spl_tahsildar", "spl_tahsildar", "Officer (REV SPL_TAHSILDAR, Anekal, Bengaluru Urban)") in logins


def test_an_officer_reads_the_catalogue_but_not_the_administration(client, db_session):
    officer_login(client, "dc_blr")
    assert client.get("/departmentview/list/").status_code == 200
    assert client.get("/departmentview/add").status_code in (302, 403, 404)
    for url in ("/officerview/list/", "/postingview/list/", "/officers/import/form"):
        response = client.get(url)
        assert response.status_code in (302, 403), url
        assert response.status_code == 403 or "/login" in response.headers["Location"] or response.headers["Location"].endswith("/")
    menu = client.get("/officer/inbox").data.decode()
    assert 'href="/officer/inbox"' in menu and "/officerview/list/" not in menu


def test_admin_links_a_login_and_ends_a_posting(client, db_session):
    sm = current_app.appbuilder.sm
    staff_login(client, "admin", "admin")
    listing = client.get("/officerview/list/?_flt_0_name=Anitha")
    assert listing.status_code == 200 and b"Anitha" in listing.data
    assert len(client.get("/postingview/list/").data) < 300_000  # no picker of all officers on the page
    officer = db_session.scalar(select(Officer).where(Officer.user_id.is_(None)).order_by(Officer.id).limit(1))
    user = sm.add_user("new_officer", "New", "Officer", "new_officer@example.org", sm.find_role("Officer"), password="pw-123456")
    page = client.get(f"/officerview/edit/{officer.id}")
    assert page.status_code == 200
    response = client.post(f"/officerview/edit/{officer.id}", data={
        "csrf_token": csrf_from(page.data), "name": officer.name, "mobile": "98450 11111", "email": officer.email or "",
        "user": user.id, "active": "y"})
    assert response.status_code == 302
    db_session.expire_all()
    officer = db_session.get(Officer, officer.id)
    assert officer.user_id == user.id and officer.mobile == "+919845011111"
    bad = client.post(f"/officerview/edit/{officer.id}", data={
        "csrf_token": csrf_from(page.data), "name": officer.name, "mobile": "12345", "user": user.id, "active": "y"})
    assert bad.status_code == 302 and b"Mobile: Enter a" in client.get("/officerview/list/").data  # FAB's flash
    db_session.expire_all()
    assert db_session.get(Officer, officer.id).mobile == "+919845011111"

    posting = officer.postings[0]
    page = client.get(f"/postingview/edit/{posting.id}")
    response = client.post(f"/postingview/edit/{posting.id}", data={"csrf_token": csrf_from(page.data)})  # both boxes unticked
    assert response.status_code == 302
    db_session.expire_all()
    assert db_session.get(Posting, posting.id).active is False
    assert client.get("/postingview/add").status_code in (302, 403, 404)  # postings come from the import


def test_admin_imports_a_csv_through_the_form(client, db_session):
    staff_login(client, "admin", "admin")
    page = client.get("/officers/import/form")
    assert page.status_code == 200 and b'type="file"' in page.data
    bad = b"department,post,district,taluk,name,mobile,email\nREV,TAHSILDR,Mysuru,Hunsur,A B,9845012345,\n"
    response = client.post("/officers/import/form", data={"csrf_token": csrf_from(page.data), "file": (BytesIO(bad), "o.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert b"row 2: post &#39;TAHSILDR&#39; is not a post of REV; did you mean &#39;TAHSILDAR&#39;?" in response.data
    good = bad.replace(b"TAHSILDR", b"TAHSILDAR")
    response = client.post("/officers/import/form", data={"csrf_token": csrf_from(page.data), "file": (BytesIO(good), "o.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 200 and b'id="officers-created">1<' in response.data
    assert db_session.scalar(select(Officer).where(Officer.mobile == "+919845012345")).name == "A B"
