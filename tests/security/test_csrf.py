"""OWASP A01/CSRF: every state-changing form POST without its token is refused and changes nothing; the few
exemptions are token-authenticated APIs, and each of them refuses what a forged cross-site form can send.

tests/portal/test_security.py (portal forms), tests/officers/test_pages.py (officer actions) and
tests/officers/test_api.py (multipart to the officer API from a browser session) check single forms with their
messages; this file walks the url_map so that no POST can slip out."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.portal.helpers import staff_login
from tests.security.helpers import rules_of

# Blueprints Flask-WTF exempts, and how each authenticates instead. A new exemption must be added here on purpose.
EXEMPT = {
    "AuthApi": "citizen OTP login; logout takes the bearer token",
    "MeApi": "citizen bearer token",
    "GrievanceApi": "citizen bearer token",
    "CatalogApi": "read only",
    "OfficerApi": "FAB JWT, or the session with a JSON body (which no cross-site form can send) or multipart with X-CSRFToken",
    "ConfigApi": "FAB JWT, or the session with a JSON body",
    "SecurityApi": "FAB JWT login and refresh (JSON body)",
    "OpenApi": "read only",
    "open311": "partner api_key",
    "cpgrams": "HMAC signature",
}


def _exempt(app) -> set[str]:
    return {bp.name for bp in app.extensions["csrf"]._exempt_blueprints}


def _tables(session):
    from ipgrs.catalog.models import RulesetVersion
    from ipgrs.citizens.models import Citizen
    from ipgrs.configuration.models import ConfigDraft, NodalAssignment
    from ipgrs.grievances.models import Grievance, GrievanceEvent
    from ipgrs.officers.models import Officer, Posting

    return [session.scalar(select(func.count()).select_from(m)) for m in
            (Citizen, Grievance, GrievanceEvent, Officer, Posting, NodalAssignment, ConfigDraft, RulesetVersion)]


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
def test_the_exempt_blueprints_are_exactly_the_token_authenticated_apis(app):
    assert _exempt(app) == set(EXEMPT)


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
def test_every_form_post_without_its_token_is_refused_as_the_administrator(app, client, db_session):
    """Logged in as admin (every permission), so the CSRF check, not a missing permission, is what refuses."""
    staff_login(client, "admin", "admin")
    before = _tables(db_session)
    exempt = _exempt(app)
    walked = 0
    for endpoint, method, url in rules_of(app, methods=("POST", "PUT", "DELETE", "PATCH")):
        if endpoint.rsplit(".", 1)[0] in exempt:
            continue
        response = client.open(url, method=method, data={"name": "x", "code": "X", "version_id": "1", "action": "muldelete"})
        assert response.status_code == 400 and b"CSRF" in response.data, (method, url, response.status_code)
        walked += 1
    assert walked > 100
    assert _tables(db_session) == before
    assert client.get("/config/").status_code == 200  # still the administrator


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
def test_the_exempt_apis_refuse_a_forged_form_riding_on_a_session(app, client, db_session):
    """What a cross-site page can send with the browser's cookies: a urlencoded form, multipart or text/plain, no
    Authorization header and no custom header. Logged in on both the staff and the citizen side."""
    from tests.portal.helpers import portal_login

    portal_login(client, app, db_session, "9845300010")
    staff_login(client, "admin", "admin")
    before = _tables(db_session)
    exempt = _exempt(app)
    walked = []
    for endpoint, method, url in rules_of(app, methods=("POST", "PUT")):
        if endpoint.rsplit(".", 1)[0] not in exempt or endpoint == "SecurityApi.login":
            continue
        for kwargs in ({"data": {"text": "x", "version_id": "1", "mobile": "9845300011", "expected_version": "1"}},
                       {"data": '{"text": "x", "mobile": "9845300012"}', "content_type": "text/plain"},
                       {"data": {"data": '{"expected_version": 1}'}, "content_type": "multipart/form-data"}):
            response = client.open(url, method=method, **kwargs)
            assert response.status_code in (400, 401, 403, 404, 415, 503), (method, url, response.status_code, response.data[:200])
            if response.is_json:  # Open311 errors are GeoReport's list of {code, description}
                body = response.get_json()
                assert (body.get("message") if isinstance(body, dict) else body[0]["description"]), url
        walked.append(endpoint)
    assert {"OfficerApi.act", "ConfigApi.publish", "GrievanceApi.file", "MeApi.put", "AuthApi.otp"} <= set(walked)
    assert _tables(db_session) == before


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
def test_fab_deletes_and_actions_by_get_change_nothing(app, client, db_session):
    """FAB's list views also answer GET on /delete/<pk> and /action/<name>/<pk>: with CSRF on it refuses to change anything."""
    from ipgrs.configuration.models import NodalAssignment
    from tests.configuration.helpers import nodal_officer

    nodal_officer(db_session, app, "nodal_csrf", "AGRI")
    assignment = db_session.scalar(select(NodalAssignment).order_by(NodalAssignment.id.desc()).limit(1))
    staff_login(client, "admin", "admin")
    response = client.get(f"/nodalassignmentview/delete/{assignment.id}")
    assert response.status_code == 302
    assert db_session.scalar(select(func.count()).select_from(NodalAssignment).where(NodalAssignment.id == assignment.id)) == 1
