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
