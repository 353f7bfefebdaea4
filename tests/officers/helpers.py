"""Grievances where the demo officers find them, and officer logins for the pages and the API."""
from __future__ import annotations

import re

from sqlalchemy import select

from ipgrs.grievances.models import Grievance
from ipgrs.grievances.services import file_grievance
from ipgrs.officers.models import Officer
from tests.factories import make_citizen, rtc_filing
from tests.portal.helpers import csrf_from, staff_login

HUNSUR = dict(district="Mysuru", taluk="Hunsur", pincode="571105", locality="Hunsur town")


def rtc_in_anekal(session, **citizen) -> Grievance:
    """RTC not issued, Anekal: with the Special Tahsildar of Anekal (chain SPL_TAHSILDAR → AC → DC → SEC)."""
    return file_grievance(session, make_citizen(session, **citizen), rtc_filing())


def mutation_in_anekal(session) -> Grievance:
    """Mutation pending, Anekal: with the Tahsildar of Anekal (chain TAHSILDAR → AC → DC → SEC)."""
    return file_grievance(session, make_citizen(session), rtc_filing(
        grievance_type="REV_MUTATION_DELAY", category="SALE", subcategory=None,
        form={"survey_number": "45/3", "registration_date": "2025-01-10"}))


def rtc_in_hunsur(session) -> Grievance:
    """RTC not issued, Hunsur: with the Tahsildar of Hunsur."""
    return file_grievance(session, make_citizen(session, **HUNSUR), rtc_filing())


def officer_login(client, username: str):
    """Logs in as a demo login (password = username), logging out whoever was logged in first."""
    client.get("/logout/")
    staff_login(client, username, username)


def officer_of(session, username: str) -> Officer:
    from flask import current_app

    user = current_app.appbuilder.sm.find_user(username=username)
    return session.scalar(select(Officer).where(Officer.user_id == user.id))


def page_csrf(client, number: str) -> str:
    page = client.get(f"/officer/grievances/{number}")
    assert page.status_code == 200, page.data[:500]
    return csrf_from(page.data)


def api_token(client, username: str) -> str:
    from ipgrs.demo import seed

    seed()
    response = client.post("/api/v1/security/login", json={"username": username, "password": username, "provider": "db"})
    assert response.status_code == 200, response.get_json()
    return response.get_json()["access_token"]


def flashes(html: bytes) -> list[str]:
    return re.findall(r'class="alert[^"]*"[^>]*>\s*(?:<button[^>]*>.*?</button>)?\s*(.*?)\s*</div>', html.decode(), re.S)
