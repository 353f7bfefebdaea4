"""OWASP A01, broken access control: every URL of the app for every role, and every role pair over real data.

The walks go over the app's url_map (every rule, every method), so a view added tomorrow is walked too: it must
refuse (a redirect to a login page, 401, 403 or 404) unless it is on the small public list below or on the
role's own list. CSRF is switched off for the walks so that the login and the permission checks are what answer
a POST; tests/security/test_csrf.py walks the same POSTs with CSRF on.
"""
from __future__ import annotations

import pytest

from tests.portal.helpers import staff_login
from tests.security.helpers import refusal, rules_of, send

# Endpoints anyone may call, each for a reason. A new public endpoint must be added here on purpose.
PUBLIC = {
    "PortalIndexView.index", "portal.login", "portal.verify", "portal.choose", "portal.track",  # the portal's front
    "portal.logout",                     # ends whatever session there is; nothing to protect
    "portal.feedback_link",              # the signed token in the resolution SMS stands in for a login
    "transparency.transparency_page",    # published figures, no personal data
    "CatalogApi.departments", "CatalogApi.search", "CatalogApi.grievance_type_form",  # the catalogue is public
    "AuthApi.otp", "AuthApi.token", "AuthApi.logout",     # the citizen app's login (logout needs its bearer token)
    "SecurityApi.login", "SecurityApi.refresh",           # FAB's JWT login (refresh needs a refresh token)
    "AuthDBView.login", "AuthDBView.logout", "LocaleView.index", "UtilView.back",  # FAB's login and language
    "open311.service_list", "open311.service_definition", "open311.requests_list", "open311.request_one",  # GeoReport v2 reads
    "open311.request_create",            # partner apps: api_key (tests/open311/test_write.py)
    "cpgrams.push",                      # HMAC-signed (plugins/cpgrams tests)
    "health", "live",                    # probes
    "metrics",                           # the monitoring network or a token (tests/platform/test_observability.py)
    "static", "appbuilder.static",
}

CATALOGUE = {f"{v}.{p}" for v in ("DepartmentView", "ServiceView", "GrievanceTypeView") for p in ("list", "show")}
STAFF = {"UserDBModelView.userinfo", "UserInfoEditView.this_form_get", "UserInfoEditView.this_form_post",
         "ResetMyPasswordView.this_form_get", "ResetMyPasswordView.this_form_post"}  # one's own login
DASHBOARDS = {"DashboardView.index", "DashboardView.grievances", "DashboardView.export_table", "DashboardView.export_list"}
INBOX = {"OfficerInboxView.inbox", "OfficerInboxView.grievance", "OfficerInboxView.act", "OfficerInboxView.accept_selected",
         "OfficerApi.inbox", "OfficerApi.grievance", "OfficerApi.act"}
ROLE_ENDPOINTS = {
    "operator": CATALOGUE | {"OperatorDeskView.start", "OperatorDeskView.verify", "OperatorDeskView.profile",
                             "OperatorDeskView.choose", "OperatorDeskView.file"},
    "monitor": DASHBOARDS,
    "spl_tahsildar": INBOX | DASHBOARDS | CATALOGUE | {f"{v}.{p}" for v in ("PostView", "DistrictView") for p in ("list", "show")},
}


def _walk(app, client, allowed):
    opened = []
    for endpoint, method, url in rules_of(app):
        if endpoint in allowed or endpoint == "AuthDBView.logout":
            continue
        response = send(client, method, url)
        if refusal(response) is None:
            opened.append((method, url, response.status_code, response.headers.get("Location")))
    return opened


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
def test_every_endpoint_is_on_the_public_list_or_refuses_the_anonymous(app, client, monkeypatch):
    assert PUBLIC <= set(app.view_functions), sorted(PUBLIC - set(app.view_functions))  # the list does not rot
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    assert _walk(app, client, PUBLIC) == []


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
@pytest.mark.parametrize("login", sorted(ROLE_ENDPOINTS))
def test_each_role_reaches_its_own_pages_only(app, client, db_session, monkeypatch, login):
    """The operator has the desk and the catalogue; the State Monitor the dashboards (so no POST of any kind);
    an officer the inbox, its API, the dashboards and the catalogue. Not the configuration, the admin, another
    role's pages, nor a citizen's portal pages."""
    staff_login(client, login, login)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    allowed = ROLE_ENDPOINTS[login]
    for endpoint in sorted(allowed - STAFF):
        assert endpoint in app.view_functions, endpoint
    assert _walk(app, client, PUBLIC | STAFF | allowed) == []
    assert client.get("/officer/inbox" if login == "spl_tahsildar" else "/dashboards/" if login == "monitor"
                      else "/desk/").status_code == 200  # still logged in: the walk did not pass by being logged out


# --- role pairs over real data -------------------------------------------------------------------

def _citizen_of_hunsur(session, mobile):
    from ipgrs.grievances import services
    from tests.factories import make_citizen, png_bytes, rtc_filing, upload

    citizen = make_citizen(session, mobile=mobile, district="Mysuru", taluk="Hunsur", pincode="571105")
    return services.file_grievance(session, citizen, rtc_filing(
        description="Citizen A's own words: survey 88/1 is still pending.", uploads=[(None, upload("a.png", png_bytes()))]))


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
def test_citizen_b_can_neither_read_nor_act_on_citizen_as_grievance(app, client, db_session):
    from ipgrs.grievances import actions
    from tests.portal.helpers import api_token, csrf_from, portal_login

    g = _citizen_of_hunsur(db_session, "+919845300001")
    actions.resolve(db_session, g, actions.Actor("officer", "Tahsildar", officer=g.assigned_officer), "Done.")
    before = (g.status, g.row_version, len(g.events))
    portal_login(client, app, db_session, "9845300002")  # citizen B
    token = csrf_from(client.get("/citizen/profile").data)
    assert g.number not in client.get("/grievances").data.decode()
    for response in (client.get(f"/grievances/{g.number}"),
                     client.post(f"/grievances/{g.number}/reply", data={"answer": "B's answer", "csrf_token": token}),
                     client.post(f"/grievances/{g.number}/feedback",
                                 data={"rating": "1", "satisfied": "no", "comment": "B appeals", "csrf_token": token}),
                     client.get(f"/attachments/{g.attachments[0].id}")):
        assert response.status_code == 404 and b"survey 88/1" not in response.data and g.citizen.mobile.encode() not in response.data
    bearer = {"Authorization": f"Bearer {api_token(app.test_client(), app, db_session, '9845300003')}"}
    assert g.number not in app.test_client().get("/api/v1/grievances", headers=bearer).data.decode()
    for method, url, body in (("GET", f"/api/v1/grievances/{g.number}", None),
                              ("POST", f"/api/v1/grievances/{g.number}/reply", {"answer": "B"}),
                              ("POST", f"/api/v1/grievances/{g.number}/feedback", {"rating": 1, "satisfied": False})):
        response = app.test_client().open(url, method=method, json=body, headers=bearer)
        assert response.status_code == 404 and response.get_json()["message"] and b"88/1" not in response.data, url
    db_session.refresh(g)
    assert (g.status, g.row_version, len(g.events)) == before


def _officer_login_in(session, app, username, department, district, taluk):
    """A login with the Officer role for the officer posted in `department` at `taluk` (password = username)."""
    from sqlalchemy import select

    from ipgrs.catalog.models import Department, Post, Taluk
    from ipgrs.demo import seed
    from ipgrs.officers.models import Officer, Posting

    seed()
    officer = session.scalar(select(Officer).join(Posting).join(Post, Post.id == Posting.post_id)
                             .join(Department, Department.id == Post.department_id).join(Taluk, Taluk.id == Posting.taluk_id)
                             .where(Department.code == department, Taluk.name_en == taluk, Posting.active).limit(1))
    assert officer is not None, (department, taluk)
    sm = app.appbuilder.sm
    user = sm.add_user(username, "Other", "Officer", f"{username}@test.invalid", sm.find_role("Officer"), password=username)
    officer.user_id = user.id
    session.commit()
    return officer


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
@pytest.mark.parametrize("other", ["another department, same taluk", "same department, another taluk"])
def test_an_officer_of_another_office_gets_404_for_every_page_action_and_api_call(app, client, db_session, other):
    from ipgrs.officers.handling import OFFICER_ACTIONS
    from ipgrs.grievances.services import file_grievance
    from tests.factories import make_citizen, png_bytes, rtc_filing, upload
    from tests.officers.helpers import api_token, officer_login
    from tests.portal.helpers import csrf_from

    if other.startswith("another department"):
        _officer_login_in(db_session, app, "agri_anekal", "AGRI", "Bengaluru Urban", "Anekal")
        username = "agri_anekal"
    else:
        username = "tahsildar_hunsur"
    g = file_grievance(db_session, make_citizen(db_session, name="Kempamma Anekal"),
                       rtc_filing(uploads=[(None, upload("deed.png", png_bytes()))]))  # with the Special Tahsildar of Anekal
    before = (g.status, g.row_version, len(g.events))
    officer_login(client, username)
    inbox = client.get("/officer/inbox?status=all")
    assert inbox.status_code == 200 and g.number not in inbox.data.decode()
    token = csrf_from(inbox.data)
    page = client.get(f"/officer/grievances/{g.number}")
    assert page.status_code == 404 and b"Kempamma" not in page.data
    assert client.get(f"/attachments/{g.attachments[0].id}").status_code == 404
    bearer = {"Authorization": f"Bearer {api_token(app.test_client(), username)}"}
    assert g.number not in app.test_client().get("/api/v1/officer/grievances?status=all", headers=bearer).data.decode()
    api = app.test_client().get(f"/api/v1/officer/grievances/{g.number}", headers=bearer)
    assert api.status_code == 404 and b"Kempamma" not in api.data
    fields = {"expected_version": str(g.row_version), "note": "x", "remarks": "x", "reason": "OTHER", "question": "x",
              "report": "x", "expected_by": "2030-01-01"}
    for action in OFFICER_ACTIONS:
        response = client.post(f"/officer/grievances/{g.number}/{action}", data={**fields, "csrf_token": token})
        assert response.status_code == 404 and b"Kempamma" not in response.data, action
        response = app.test_client().post(f"/api/v1/officer/grievances/{g.number}/{action}", json=fields, headers=bearer)
        assert response.status_code == 404 and response.get_json()["message"], action
    accepted = client.post("/officer/inbox/accept", data={"grievance": f"{g.number}:{g.row_version}", "csrf_token": token})
    assert accepted.status_code == 302
    db_session.refresh(g)
    assert (g.status, g.row_version, len(g.events)) == before


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
def test_a_nodal_officer_is_refused_every_editor_and_api_call_on_another_department(app, client, db_session):
    """Walks every configuration rule that takes a department code (tests/configuration/test_editor.py checks the
    main ones with their messages); nothing is written."""
    from sqlalchemy import func, select

    from ipgrs.catalog import services as catalog
    from ipgrs.configuration.models import ConfigDraft
    from tests.configuration.helpers import AGRI_TEXT, editor_csrf, login, nodal_officer
    from tests.officers.helpers import api_token

    nodal_officer(db_session, app, "nodal_rev", "REV")
    login(client, "nodal_rev")
    token = editor_csrf(client, "REV")
    bearer = {"Authorization": f"Bearer {api_token(app.test_client(), 'nodal_rev')}"}
    before = catalog.latest_version_id(db_session)
    body = {"text": AGRI_TEXT, "message": "not mine", "version_id": before, "base_version_id": before}
    walked = []
    for rule in app.url_map.iter_rules():
        if "<code>" not in rule.rule or not rule.endpoint.startswith(("ConfigEditorView.", "ConfigApi.")):
            continue
        url = rule.rule.replace("<code>", "AGRI")
        for method in sorted(rule.methods & {"GET", "POST"}):
            if rule.endpoint.startswith("ConfigApi."):
                response = app.test_client().open(url, method=method, json=body if method == "POST" else None, headers=bearer)
            elif method == "POST" and rule.endpoint.split(".")[1] in ("rebase", "discard", "rollback"):
                response = client.post(url, data={**body, "csrf_token": token})
            else:
                response = client.open(url, method=method, json=body if method == "POST" else None,
                                       headers={"X-CSRFToken": token})
            walked.append(rule.endpoint)
            assert response.status_code == 403, (method, url, response.status_code)
            assert b"Agriculture" not in response.data, url
    assert len(walked) >= 12, walked
    assert catalog.latest_version_id(db_session) == before
    assert db_session.scalar(select(func.count()).select_from(ConfigDraft).where(ConfigDraft.department_code == "AGRI")) == 0


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
def test_the_operator_sees_no_grievance_of_the_citizen_at_the_desk(app, client, db_session):
    """The desk shows the citizen's profile for filing, never their grievances; the portal and the citizen API
    take a citizen's session or token, not an operator's."""
    from tests.officers.helpers import api_token
    from tests.portal.helpers import csrf_from

    g = _citizen_of_hunsur(db_session, "+919845300004")
    staff_login(client, "operator", "operator")
    page = client.get("/desk/")
    client.post("/desk/", data={"mobile": "9845300004", "channel": "JANASPANDANA", "csrf_token": csrf_from(page.data)})
    page = client.get("/desk/verify")
    assert page.status_code == 200 and "Lakshmi Devi" in page.data.decode()  # the desk reached this citizen
    done = client.post("/desk/verify", data={"action": "in_person", "confirm": "yes", "csrf_token": csrf_from(page.data)})
    assert done.status_code == 302
    for url in ("/desk/verify", "/desk/profile", "/desk/file", "/desk/file?q=pahani", "/desk/file/REV_RTC_NOT_ISSUED"):
        html = client.get(url).data.decode()
        assert g.number not in html and "survey 88/1" not in html, url
    assert "/citizen/login" in client.get(f"/grievances/{g.number}").headers["Location"]
    assert client.get(f"/attachments/{g.attachments[0].id}").status_code == 404
    bearer = {"Authorization": f"Bearer {api_token(app.test_client(), 'operator')}"}
    for url in (f"/api/v1/grievances/{g.number}", "/api/v1/grievances", f"/api/v1/officer/grievances/{g.number}"):
        response = app.test_client().get(url, headers=bearer)
        assert response.status_code in (401, 403) and response.get_json()["message"] and b"88/1" not in response.data, url
