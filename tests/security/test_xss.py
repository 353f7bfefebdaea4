"""OWASP A03, cross-site scripting: everything a citizen, an officer or a nodal officer types that some page shows
again is stored with script in it, and every page that shows it has it escaped; JSON is served as JSON; and the
Content-Security-Policy runs no inline script without the response's nonce. tests/portal/test_security.py checks
the citizen's own pages for their own text; this follows the text to the other roles' pages."""
from __future__ import annotations

import re
from io import BytesIO

import pytest

from ipgrs.grievances import actions
from tests.factories import png_bytes
from tests.officers.helpers import api_token, officer_login
from tests.portal.helpers import csrf_from, portal_login, staff_login
from tests.portal.test_portal import file_rtc, fill_profile

pytestmark = pytest.mark.parametrize("app", ["sqlite"], indirect=True)


def evil(field: str) -> str:
    return f"<script>alert('{field}')</script>\"><img src=x onerror=alert('{field}')>"


def seen(html: str, fields) -> tuple[set, set]:
    """(fields shown escaped, fields shown raw) in a page."""
    shown = {f for f in fields if f"&lt;script&gt;alert(&#39;{f}&#39;)" in html or f"alert(&#39;{f}&#39;)" in html}
    raw = {f for f in fields if f"<script>alert('{f}')" in html or f"<img src=x onerror=alert('{f}')" in html}
    return shown, raw


CITIZEN_FIELDS = ("name", "locality", "description", "village", "landmark", "answer", "comment")
OFFICER_FIELDS = ("note", "question", "interim", "report")


def test_citizen_and_officer_text_is_escaped_on_every_page_that_shows_it(app, client, db_session):
    from sqlalchemy import select

    from ipgrs.grievances.models import Grievance

    portal_login(client, app, db_session, "9845300070")
    fill_profile(client, name=evil("name"), locality=evil("locality"))
    response = file_rtc(client, description=evil("description") + " my RTC is pending",
                        **{"form.village_name": evil("village"), "location.where": "other", "location.district": "Bengaluru Urban",
                           "location.taluk": "Anekal", "location.landmark": evil("landmark")},
                        attachments=[(BytesIO(png_bytes()), "<img src=x onerror=alert('file')>.png")])
    assert response.status_code == 302, response.data.decode()[:800]
    g = db_session.scalar(select(Grievance).order_by(Grievance.id.desc()).limit(1))
    officer = actions.Actor("officer", "Special Tahsildar", officer=g.assigned_officer)
    actions.add_note(db_session, g, officer, evil("note"), visible_to_citizen=True)
    actions.request_info(db_session, g, officer, evil("question"))
    actions.citizen_reply(db_session, g, g.citizen, evil("answer"))
    actions.interim_reply(db_session, g, officer, evil("interim"), "2030-01-31")
    actions.resolve(db_session, g, officer, evil("report"))
    actions.feedback(db_session, g, g.citizen, 1, False, evil("comment"))

    everything = CITIZEN_FIELDS + OFFICER_FIELDS
    pages = {"citizen's grievance": client.get(f"/grievances/{g.number}"), "citizen's list": client.get("/grievances"),
             "citizen's profile": client.get("/citizen/profile")}
    officer_login(client, "ac_blr")  # reopened, the grievance went up the chain to the Assistant Commissioner
    pages["holding officer's grievance"] = client.get(f"/officer/grievances/{g.number}")
    client.get("/logout/")
    officer_login(client, "dc_blr")  # and the DC supervises it
    pages["officer's grievance"] = client.get(f"/officer/grievances/{g.number}")
    pages["officer's inbox"] = client.get("/officer/inbox?status=all")
    client.get("/logout/")
    staff_login(client, "admin", "admin")
    pages["explanation"] = client.get(f"/admin/grievances/{g.number}/explain")
    client.get("/logout/")
    staff_login(client, "monitor", "monitor")
    pages["dashboard list"] = client.get("/dashboards/grievances")
    client.get("/logout/")
    staff_login(client, "operator", "operator")
    page = client.get("/desk/")
    client.post("/desk/", data={"mobile": g.citizen.mobile[-10:], "channel": "HELPLINE_1902", "csrf_token": csrf_from(page.data)})
    pages["desk"] = client.get("/desk/verify")

    shown_anywhere = set()
    for name, response in pages.items():
        html = response.data.decode()
        assert response.status_code == 200, name
        shown, raw = seen(html, everything + ("file",))
        assert raw == set(), (name, raw)
        assert "onerror=alert" not in html.replace("onerror=alert(&#39;", ""), name
        shown_anywhere |= shown
    # The DC supervises it: no street address for a supervisor (docs/security.md, Personal data), the rest is shown.
    assert seen(pages["officer's grievance"].data.decode(), everything)[0] >= {
        "description", "village", "answer", "comment", "note", "question", "interim", "report"}
    assert {"name", "landmark"} <= seen(pages["holding officer's grievance"].data.decode(), everything)[0]
    assert {"name"} <= seen(pages["desk"].data.decode(), everything)[0]
    assert {"description", "note", "question", "interim", "report"} <= seen(pages["citizen's grievance"].data.decode(), everything)[0]
    assert shown_anywhere >= set(everything) - {"locality"}  # each typed value is really shown somewhere, escaped

    for url, token in ((f"/api/v1/officer/grievances/{g.number}", api_token(app.test_client(), "dc_blr")),):
        response = app.test_client().get(url, headers={"Authorization": f"Bearer {token}"})
        assert response.mimetype == "application/json" and response.headers["X-Content-Type-Options"] == "nosniff"
        assert evil("description") in response.get_json()["grievance"]["description"]  # data, served as data


def test_a_rejection_reason_is_escaped_for_the_citizen_and_the_officer(app, client, db_session):
    from sqlalchemy import select

    from ipgrs.grievances.models import Grievance

    portal_login(client, app, db_session, "9845300071")
    fill_profile(client)
    assert file_rtc(client).status_code == 302
    g = db_session.scalar(select(Grievance).order_by(Grievance.id.desc()).limit(1))
    actions.reject(db_session, g, actions.Actor("officer", "Special Tahsildar", officer=g.assigned_officer), "duplicate",
                   evil("rejection"))
    for response in (client.get(f"/grievances/{g.number}"),):
        shown, raw = seen(response.data.decode(), ("rejection",))
        assert shown == {"rejection"} and raw == set()
    officer_login(client, "spl_tahsildar")
    shown, raw = seen(client.get(f"/officer/grievances/{g.number}").data.decode(), ("rejection",))
    assert shown == {"rejection"} and raw == set()


def test_names_in_a_published_department_are_escaped_on_the_portal_editor_dashboards_and_admin(app, client, db_session):
    from ipgrs.configuration import services
    from tests.configuration.helpers import REV_TEXT

    quoted = evil("department").replace('"', '\\"')  # inside a YAML double-quoted string
    text = REV_TEXT.replace("name: {en: Revenue Department,", f'name: {{en: "{quoted}",', 1)
    assert text != REV_TEXT, "the REV file's name line moved; update the replacement"
    admin = app.appbuilder.sm.find_user(username="admin")
    if admin is None:
        from ipgrs.demo import seed
        seed()
        admin = app.appbuilder.sm.find_user(username="admin")
    pub = services.published(db_session, "REV", app.extensions["ipgrs.rules"])
    services.publish_department(db_session, admin, "REV", text, pub.version.id, "xss test",
                                runtime=app.extensions["ipgrs.rules"])
    api = client.get("/api/v1/catalog/departments")
    assert api.mimetype == "application/json" and evil("department") in api.data.decode("unicode_escape")  # data, as data
    pages = {"portal search": client.get("/file?q=pahani"), "transparency": client.get("/transparency")}
    staff_login(client, "admin", "admin")
    pages.update({"editor": client.get("/config/REV"), "editor index": client.get("/config/"),
                  "dashboards": client.get("/dashboards/"), "admin departments": client.get("/departmentview/list/")})
    shown_anywhere = set()
    for name, response in pages.items():
        assert response.status_code == 200, name
        html = response.data.decode()
        shown, raw = seen(html, ("department",))
        assert raw == set(), name
        shown_anywhere |= shown
    assert shown_anywhere == {"department"}
    assert seen(pages["portal search"].data.decode(), ("department",))[0] == {"department"}


def test_the_csp_runs_no_inline_script_without_the_responses_nonce(app, client, db_session):
    staff_login(client, "admin", "admin")
    for url in ("/", "/citizen/login", "/login/", "/officerview/list/", "/config/REV", "/dashboards/", "/transparency",
                "/api/v1/catalog/departments", "/swagger/v1", "/no/such/page"):
        response = client.get(url)
        csp = response.headers["Content-Security-Policy"]
        script_src = re.search(r"script-src ([^;]*)", csp).group(1)
        assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src, url
        html = response.data.decode()
        inline = re.findall(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")([^>]*)>", html)
        nonces = set(re.findall(r"nonce=\"([^\"]+)\"", html))
        if inline or nonces:  # every inline script carries this response's nonce, and the header allows that one only
            assert len(nonces) == 1, url
            assert all("nonce=" in attributes for attributes in inline), url
            assert f"'nonce-{nonces.pop()}'" in script_src, url
    first = client.get("/officerview/list/").headers["Content-Security-Policy"]
    assert first != client.get("/officerview/list/").headers["Content-Security-Policy"]  # a new nonce per response
