"""OWASP A07 for the citizens' one-time codes: brute force, enumeration, rate limits and replay, over the API, the
portal and the desk. tests/portal/test_security.py checks the API's attempt limit and its same answer for a known
and an unknown number; tests/citizens/test_otp.py the service's rules one by one."""
from __future__ import annotations

import contextlib
from datetime import timedelta

import pytest
from sqlalchemy import event

from ipgrs import clock
from tests.factories import make_citizen
from tests.portal.helpers import csrf_from, latest_otp, staff_login

pytestmark = pytest.mark.parametrize("app", ["sqlite"], indirect=True)


def _wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_the_portal_locks_the_code_after_five_wrong_tries_and_a_used_code_is_not_taken_again(app, client, db_session):
    mobile = "9845300030"
    page = client.get("/citizen/login")
    client.post("/citizen/login", data={"mobile": mobile, "csrf_token": csrf_from(page.data)})
    code = latest_otp(app, db_session, "+91" + mobile)
    token = csrf_from(client.get("/citizen/verify").data)
    answers = [client.post("/citizen/verify", data={"code": _wrong(code), "csrf_token": token}) for _ in range(5)]
    assert [a.status_code for a in answers] == [400] * 5
    assert b"Too many wrong codes" in answers[-1].data
    locked = client.post("/citizen/verify", data={"code": code, "csrf_token": token})
    assert locked.status_code == 400 and b"Too many wrong codes" in locked.data  # the right code no longer opens it
    assert "/citizen/login" in client.get("/grievances").headers["Location"]

    with clock.travel(timedelta(seconds=31)):  # a new code, used once, then replayed from another browser
        other = app.test_client()
        page = other.get("/citizen/login")
        other.post("/citizen/login", data={"mobile": mobile, "csrf_token": csrf_from(page.data)})
        code = latest_otp(app, db_session, "+91" + mobile)
        token = csrf_from(other.get("/citizen/verify").data)
        assert other.post("/citizen/verify", data={"code": code, "csrf_token": token}).status_code == 302
        replay = app.test_client()
        replay.get("/citizen/login")
        with replay.session_transaction() as s:
            s["otp_mobile"] = "+91" + mobile
        token = csrf_from(replay.get("/citizen/verify").data)
        again = replay.post("/citizen/verify", data={"code": code, "csrf_token": token})
        assert again.status_code == 400 and b"not valid any more" in again.data
        api = app.test_client().post("/api/v1/auth/token", json={"mobile": mobile, "code": code})
        assert api.status_code == 401 and api.get_json()["field"] == "code"


@contextlib.contextmanager
def _statements(app):
    from ipgrs.extensions import db

    seen = []

    def count(conn, cursor, statement, *args):
        seen.append(statement.split()[0])

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", count)


def test_known_and_unknown_numbers_get_the_same_answer_after_the_same_work(app, client, db_session):
    make_citizen(db_session, mobile="+919845300031")
    answers, work = {}, {}
    for label, mobile in (("known", "9845300031"), ("unknown", "9845300032")):
        with _statements(app) as seen:
            response = app.test_client().post("/api/v1/auth/otp", json={"mobile": mobile})
        answers[label] = (response.status_code, response.get_json(), sorted(response.headers.keys()))
        work[label] = seen
    assert answers["known"] == answers["unknown"] and answers["known"][0] == 202
    assert work["known"] == work["unknown"] and work["known"]  # the same statements: no timing tells them apart
    pages = {}
    for label, mobile in (("known", "9845300031"), ("unknown", "9845300032")):
        with clock.travel(timedelta(seconds=31)):
            browser = app.test_client()
            page = browser.get("/citizen/login")
            response = browser.post("/citizen/login", data={"mobile": mobile, "csrf_token": csrf_from(page.data)})
            pages[label] = (response.status_code, response.headers["Location"], browser.get("/citizen/verify").status_code)
    assert pages["known"] == pages["unknown"]


def test_codes_are_limited_per_number_and_per_client_with_a_429_json_message(app, db_session):
    client = app.test_client()
    mobile = "9845300033"
    statuses = []
    for minute in range(6):
        with clock.travel(timedelta(minutes=minute)):
            statuses.append(client.post("/api/v1/auth/otp", json={"mobile": mobile}))
    assert [r.status_code for r in statuses] == [202] * 5 + [429]
    limited = statuses[-1]
    assert "Too many codes were sent to this number" in limited.get_json()["message"]
    assert int(limited.headers["Retry-After"]) > 0
    soon = client.post("/api/v1/auth/otp", json={"mobile": "9845300034"})
    again = client.post("/api/v1/auth/otp", json={"mobile": "9845300034"})
    assert soon.status_code == 202 and again.status_code == 429 and "seconds" in again.get_json()["message"]

    app.config["OTP_MAX_PER_CLIENT_PER_HOUR"], limit = 8, app.config["OTP_MAX_PER_CLIENT_PER_HOUR"]
    try:  # one client, many numbers: the client's limit (30 an hour; 8 here, to keep the test short)
        other = {"REMOTE_ADDR": "203.0.113.7"}
        answers = [client.post("/api/v1/auth/otp", json={"mobile": f"98453001{i:02d}"}, environ_base=other).status_code
                   for i in range(9)]
        assert answers == [202] * 8 + [429]
        refused = client.post("/api/v1/auth/otp", json={"mobile": "9845300199"}, environ_base=other)
        assert refused.status_code == 429 and "this device or network" in refused.get_json()["message"]
        assert client.post("/api/v1/auth/otp", json={"mobile": "9845300198"}).status_code == 202  # another client is not held up
    finally:
        app.config["OTP_MAX_PER_CLIENT_PER_HOUR"] = limit


def test_the_desk_cannot_brute_force_a_citizens_code(app, client, db_session):
    staff_login(client, "operator", "operator")
    page = client.get("/desk/")
    client.post("/desk/", data={"mobile": "9845300035", "channel": "HELPLINE_1902", "csrf_token": csrf_from(page.data)})
    token = csrf_from(client.get("/desk/verify").data)
    client.post("/desk/verify", data={"action": "send", "csrf_token": token})
    code = latest_otp(app, db_session, "+919845300035")
    for _ in range(5):
        assert client.post("/desk/verify", data={"action": "check", "code": _wrong(code), "csrf_token": token}).status_code == 400
    locked = client.post("/desk/verify", data={"action": "check", "code": code, "csrf_token": token})
    assert locked.status_code == 400 and b"Too many wrong codes" in locked.data
    assert client.get("/desk/profile").headers["Location"].endswith("/desk/")  # not verified
