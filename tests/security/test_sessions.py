"""OWASP A07, identification and authentication failures: sessions and cookies (citizen and staff), FAB's JWTs
and the citizen app's bearer tokens.

tests/portal/test_security.py checks a tampered and an expired citizen token, tests/api/test_security_api.py a
malformed JWT and an access token used to refresh; this file adds the rest."""
from __future__ import annotations

from datetime import timedelta

import pytest

from tests.portal.helpers import api_token, csrf_from, portal_login, staff_login

pytestmark = pytest.mark.parametrize("app", ["sqlite"], indirect=True)


def _cookie(client) -> str | None:
    cookie = client.get_cookie("session")
    return cookie.value if cookie else None


def _with_cookie(app, value):
    other = app.test_client()
    other.set_cookie("session", value)
    return other


def test_the_citizen_session_is_new_at_login_and_dead_after_logout(app, client, db_session):
    client.get("/citizen/login")
    before = _cookie(client)  # the anonymous session: an attacker could have planted it
    portal_login(client, app, db_session, "9845300020")
    after = _cookie(client)
    assert after and after != before
    assert client.get("/grievances").status_code == 200
    assert "/citizen/login" in _with_cookie(app, before).get("/grievances").headers["Location"]  # the planted one is not logged in
    assert _with_cookie(app, after).get("/grievances").status_code == 200  # (a copy works while the session lives)
    token = csrf_from(client.get("/citizen/profile").data)
    assert client.post("/citizen/logout", data={"csrf_token": token}).status_code == 302
    replay = _with_cookie(app, after).get("/grievances")
    assert replay.status_code == 302 and "/citizen/login" in replay.headers["Location"]  # the old cookie is dead


@pytest.mark.parametrize("login", ["operator", "spl_tahsildar"])
def test_the_staff_session_is_new_at_login_and_dead_after_logout(app, client, db_session, login):
    page = "/desk/" if login == "operator" else "/officer/inbox"
    client.get("/login/")
    before = _cookie(client)
    staff_login(client, login, login)
    after = _cookie(client)
    assert after and after != before
    assert client.get(page).status_code == 200
    assert "/login" in _with_cookie(app, before).get(page).headers["Location"]
    assert _with_cookie(app, after).get(page).status_code == 200
    client.get("/logout/")
    replay = _with_cookie(app, after).get(page)
    assert replay.status_code == 302 and "/login" in replay.headers["Location"]


def test_staff_logout_leaves_nothing_of_the_desk_or_a_citizen_behind(app, client, db_session):
    """A shared browser at a Seva Kendra: after the operator logs out, the next login inherits no chosen citizen."""
    portal_login(client, app, db_session, "9845300021")
    staff_login(client, "operator", "operator")
    page = client.get("/desk/")
    client.post("/desk/", data={"mobile": "9845300021", "channel": "JANASPANDANA", "csrf_token": csrf_from(page.data)})
    assert client.get("/desk/verify").status_code == 200
    client.get("/logout/")
    assert "/citizen/login" in client.get("/grievances").headers["Location"]
    staff_login(client, "operator", "operator")
    assert client.get("/desk/verify").headers["Location"].endswith("/desk/")  # nothing chosen


@pytest.mark.parametrize("base_url", ["http://ipgrs.example", "https://ipgrs.example"])
def test_session_cookies_are_httponly_samesite_and_secure_over_https(app, db_session, base_url):
    client = app.test_client()
    response = client.get("/citizen/login", base_url=base_url)
    response = client.post("/citizen/login", base_url=base_url,
                           data={"mobile": "9845300022", "csrf_token": csrf_from(response.data)})
    header = response.headers["Set-Cookie"]
    assert header.startswith("session=") and "HttpOnly" in header and "SameSite=Lax" in header
    assert ("Secure" in header) == base_url.startswith("https")


# --- FAB's JWT (officers, nodal officers, administrators) -------------------------------------------------------

def _jwt(client, username):
    from ipgrs.demo import seed

    seed()
    body = client.post("/api/v1/security/login", json={"username": username, "password": username, "refresh": True}).get_json()
    return body["access_token"], body["refresh_token"]


def _officer_inbox(client, token):
    return client.get("/api/v1/officer/grievances", headers={"Authorization": f"Bearer {token}"})


def _forge(token: str, **changes) -> str:
    import base64
    import json

    def b64(data: dict) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    if changes.pop("alg_none", False):
        return f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(claims)}."
    claims.update(changes)
    return f"{header}.{b64(claims)}.{signature}"


def test_forged_expired_and_wrong_kind_jwts_are_401_json(app, client, db_session):
    import time  # flask-jwt-extended checks expiry against the real clock, not ipgrs.clock

    access, refresh = _jwt(client, "spl_tahsildar")
    assert _officer_inbox(client, access).status_code == 200
    admin = app.appbuilder.sm.find_user(username="admin")
    cases = {
        "tampered signature": access[:-4] + ("AAAA" if not access.endswith("AAAA") else "BBBB"),
        "claims changed, signature kept (the admin's id)": _forge(access, sub=str(admin.id)),
        "alg none": _forge(access, alg_none=True),
        "expired": _forge(access, exp=int(time.time()) - 60),
        "refresh token as access": refresh,
    }
    for case, token in cases.items():
        response = _officer_inbox(client, token)
        assert response.status_code == 401 and response.get_json()["message"], (case, response.status_code, response.data[:200])


@pytest.mark.parametrize("change", ["deactivated", "deleted"])
def test_the_jwt_of_a_deactivated_or_deleted_login_is_401(app, client, db_session, change):
    from sqlalchemy import select

    from ipgrs.officers.models import Officer

    access, _ = _jwt(client, "tahsildar_hunsur")
    assert _officer_inbox(client, access).status_code == 200
    sm = app.appbuilder.sm
    user = sm.find_user(username="tahsildar_hunsur")
    if change == "deactivated":
        user.active = False
    else:
        for officer in db_session.scalars(select(Officer).where(Officer.user_id == user.id)):
            officer.user_id = None
        db_session.delete(user)
    db_session.commit()
    response = _officer_inbox(client, access)
    assert response.status_code == 401 and response.get_json()["message"]


# --- the citizen app's bearer tokens ----------------------------------------------------------------------------

def test_a_revoked_or_expired_citizen_token_is_401_and_a_token_reads_only_its_citizen(app, client, db_session):
    from ipgrs import clock
    from ipgrs.grievances import services
    from tests.factories import make_citizen, rtc_filing

    token = api_token(client, app, db_session, "9845300023")
    bearer = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=bearer).get_json()["citizen"]["mobile"].endswith("9845300023")
    other = services.file_grievance(db_session, make_citizen(db_session), rtc_filing())
    assert client.get(f"/api/v1/grievances/{other.number}", headers=bearer).status_code == 404
    with clock.travel(timedelta(days=31)):
        expired = client.get("/api/v1/me", headers=bearer)
        assert expired.status_code == 401 and expired.get_json()["message"]
    assert client.post("/api/v1/auth/logout", headers=bearer).status_code in (200, 204)
    revoked = client.get("/api/v1/me", headers=bearer)
    assert revoked.status_code == 401 and revoked.get_json()["message"]
