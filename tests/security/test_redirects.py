"""OWASP A01, open redirects: every login, language switch and logout that follows a `next` (or `redirect`) goes to
a path on this site only. tests/portal/test_security.py checks the citizen login with four targets; this walks
every endpoint that redirects after a login, a logout or a language switch."""
from __future__ import annotations

from urllib.parse import urlencode, urlsplit

import pytest

from ipgrs.demo import seed
from tests.factories import make_citizen
from tests.portal.helpers import csrf_from, latest_otp

pytestmark = pytest.mark.parametrize("app", ["sqlite"], indirect=True)

TARGETS = ["//evil.example/x", "https://evil.example/", "/\\evil.example", "\\\\evil.example", "javascript:alert(1)",
           "/\t/evil.example", "http:evil.example", "https:/\\evil.example", " //evil.example",
           "/x\r\nLocation: //evil.example"]


def _stays_here(response, target):
    assert response.status_code in (200, 302, 303, 400, 404), (target, response.status_code)
    location = response.headers.get("Location", "")
    parts = urlsplit(location)
    assert parts.netloc in ("", "localhost") and parts.scheme in ("", "http"), (target, location)
    assert "\\" not in location.split("?")[0] and not location.startswith("//"), (target, location)
    assert "javascript" not in location.split("?")[0].lower(), (target, location)


def _control(target: str) -> bool:
    return any(ord(c) < 32 for c in target)


def _staff_login(client, username, target, name="next"):
    page = client.get("/login/?" + urlencode({name: target}))
    return client.post("/login/?" + urlencode({name: target}),
                       data={"username": username, "password": username, "csrf_token": csrf_from(page.data)})


def test_staff_login_logout_and_language_switch(app, client, db_session):
    seed()
    for target in TARGETS:
        for name in ("next", "redirect"):
            browser = app.test_client()
            if _control(target):  # refused before any page: 400 naming the argument
                for url in ("/login/", "/lang/kn", "/back", "/logout/", "/citizen/login"):
                    refused = browser.get(url + "?" + urlencode({name: target}))
                    assert refused.status_code == 400 and f"{name}: not a valid value".encode() in refused.data, url
                continue
            response = _staff_login(browser, "operator", target, name)
            assert response.status_code == 302, (target, response.data[:200])
            _stays_here(response, target)
            _stays_here(browser.get("/lang/kn?" + urlencode({name: target})), target)
            _stays_here(browser.get("/back?" + urlencode({name: target})), target)
            _stays_here(browser.get("/logout/?" + urlencode({name: target})), target)


def test_citizen_login_verify_profile_logout_and_language_switch(app, client, db_session):
    from datetime import timedelta

    from ipgrs import clock

    make_citizen(db_session, mobile="+919845300060")  # a complete profile: verify redirects straight to `next`
    for i, target in enumerate(TARGETS):
        with clock.travel(timedelta(minutes=i)):
            browser = app.test_client()
            page = browser.get("/citizen/login")
            response = browser.post("/citizen/login", data={"mobile": "9845300060" if i < 5 else f"98453000{61 + i}",
                                                            "next": target, "csrf_token": csrf_from(page.data)})
            _stays_here(response, target)
            mobile = "+919845300060" if i < 5 else f"+9198453000{61 + i}"
            page = browser.get("/citizen/verify")
            response = browser.post("/citizen/verify",
                                    data={"code": latest_otp(app, db_session, mobile), "next": target,
                                          "csrf_token": csrf_from(page.data)})
            assert response.status_code == 302, (target, response.data[:300])
            _stays_here(response, target)
            page = browser.get("/citizen/profile")
            _stays_here(browser.post("/citizen/profile", data={
                "name": "Ravi", "district": "Mysuru", "taluk": "Hunsur", "pincode": "571105", "language": "en",
                "next": target, "csrf_token": csrf_from(page.data)}), target)
            if not _control(target):
                _stays_here(browser.get("/?" + urlencode({"lang": "kn", "next": target})), target)
            token = csrf_from(browser.get("/citizen/profile").data)
            _stays_here(browser.post("/citizen/logout", data={"next": target, "csrf_token": token}), target)


def test_a_nul_in_next_is_refused_before_any_redirect(app, client, db_session):
    for url in ("/login/?next=%00//evil.example", "/citizen/login?next=%00//evil.example", "/lang/kn?next=%00//evil.example"):
        response = client.get(url)
        assert response.status_code == 400 and "Location" not in response.headers, url
