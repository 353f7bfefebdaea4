"""OWASP A07, password guessing: the staff logins (FAB's form and its JWT login) are limited per client address,
answered 429 with a sentence (JSON under /api) and Retry-After. The citizens' OTP limits are in
tests/security/test_otp.py, the Open311 partner key's in tests/open311/test_write.py."""
from __future__ import annotations

import pytest

from ipgrs.demo import seed
from tests.portal.helpers import csrf_from

pytestmark = pytest.mark.parametrize("app", ["sqlite"], indirect=True)


@pytest.fixture
def three_per_minute(app, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per minute")  # read per request (ipgrs.security)


def test_the_login_form_is_limited_per_client_address(app, db_session, three_per_minute):
    seed()
    guesser = app.test_client()
    here = {"REMOTE_ADDR": "198.51.100.7"}
    token = csrf_from(guesser.get("/login/", environ_base=here).data)
    tries = [guesser.post("/login/", data={"username": "admin", "password": f"guess{i}", "csrf_token": token},
                          environ_base=here) for i in range(3)]
    assert all(t.status_code == 302 and "/login" in t.headers["Location"] for t in tries)  # wrong: back to the form
    limited = guesser.post("/login/", data={"username": "admin", "password": "admin", "csrf_token": token}, environ_base=here)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert b"Traceback" not in limited.data and b"Too many attempts from your address" in limited.data
    assert "_user_id" not in (guesser.get_cookie("session").value if guesser.get_cookie("session") else "")
    other = app.test_client()  # another address is not held up
    elsewhere = {"REMOTE_ADDR": "198.51.100.8"}
    token = csrf_from(other.get("/login/", environ_base=elsewhere).data)
    response = other.post("/login/", data={"username": "admin", "password": "admin", "csrf_token": token}, environ_base=elsewhere)
    assert response.status_code == 302 and "/login" not in response.headers["Location"]


def test_the_jwt_login_has_the_same_limit(app, client, db_session, three_per_minute):
    seed()
    here = {"REMOTE_ADDR": "198.51.100.9"}
    for i in range(3):
        wrong = client.post("/api/v1/security/login", json={"username": "admin", "password": f"guess{i}"}, environ_base=here)
        assert wrong.status_code == 401
    limited = client.post("/api/v1/security/login", json={"username": "admin", "password": "admin"}, environ_base=here)
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert limited.get_json()["message"] == "Too many attempts from your address. Please wait a minute and try again."
    assert "access_token" not in limited.get_json()
