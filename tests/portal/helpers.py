"""Driving the portal and the API as a citizen would: CSRF tokens from pages, OTPs from the outbox."""
from __future__ import annotations

import re
from pathlib import Path

CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def csrf_from(html: bytes | str) -> str:
    text = html.decode() if isinstance(html, bytes) else html
    match = CSRF.search(text)
    assert match, "no CSRF token on the page"
    return match.group(1)


def latest_otp(app, db_session, mobile: str) -> str:
    """Delivers what is due (the test's transaction hides rows from background threads), then reads the
    code from the log provider's outbox file, as a developer reads it on `make run`."""
    from ipgrs.notifications import services as notifications

    notifications.deliver_due(db_session)
    text = Path(app.config["NOTIFICATION_OUTBOX_LOG"]).read_text(encoding="utf-8")
    entries = [e for e in text.split("\n--- ") if f" to {mobile} " in e and "[otp," in e]
    assert entries, f"no OTP was sent to {mobile}"
    return re.search(r"\b(\d{6})\b", entries[-1].split("\n", 1)[1]).group(1)


def portal_login(client, app, db_session, mobile: str, next_url: str | None = None):
    page = client.get("/citizen/login")
    response = client.post("/citizen/login", data={"mobile": mobile, "csrf_token": csrf_from(page.data), "next": next_url or ""})
    assert response.status_code == 302, response.data[:400]
    page = client.get(response.headers["Location"])
    code = latest_otp(app, db_session, "+91" + mobile[-10:])
    response = client.post("/citizen/verify", data={"code": code, "csrf_token": csrf_from(page.data), "next": next_url or ""})
    assert response.status_code == 302, response.data[:400]
    return response


def api_token(client, app, db_session, mobile: str) -> str:
    assert client.post("/api/v1/auth/otp", json={"mobile": mobile}).status_code == 202
    code = latest_otp(app, db_session, "+91" + mobile[-10:])
    response = client.post("/api/v1/auth/token", json={"mobile": mobile, "code": code})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["token"]


def staff_login(client, username: str, password: str):
    """Logs a FAB user (admin, operator, officer) in through FAB's own login form."""
    from ipgrs.demo import seed

    seed()
    page = client.get("/login/")
    response = client.post("/login/", data={"username": username, "password": password, "csrf_token": csrf_from(page.data)})
    assert response.status_code == 302 and "/login" not in response.headers["Location"], response.data[:300]
