"""Nodal officers and administrators of the configuration editor, and edits of the shipped REV file."""
from __future__ import annotations

import re

from sqlalchemy import select

from ipgrs.catalog.models import Department
from ipgrs.configuration.models import NodalAssignment
from tests.conftest import CONFIG
from tests.portal.helpers import csrf_from, staff_login

REV_TEXT = (CONFIG / "departments" / "rev.yaml").read_text(encoding="utf-8")
AGRI_TEXT = (CONFIG / "departments" / "agri.yaml").read_text(encoding="utf-8")

# A rule put first in REV's routing: RTC grievances of Hunsur go to the Assistant Commissioner.
HUNSUR_RULE = """routing:
  - name: Hunsur RTC grievances go to the Assistant Commissioner
    when: {service: RTC, location.taluk: Hunsur}
    assign: AC
"""


def with_first_rule(text: str, rule: str = HUNSUR_RULE) -> str:
    assert text.count("\nrouting:\n") == 1
    return text.replace("\nrouting:\n", "\n" + rule, 1)


def line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def nodal_officer(session, app, username: str, *codes: str):
    """A login with the Nodal Officer role, assigned to the departments `codes` (password = username)."""
    sm = app.appbuilder.sm
    role = sm.find_role("Nodal Officer")
    user = sm.find_user(username=username) or sm.add_user(username, "Nodal", username, f"{username}@test.invalid", role,
                                                          password=username)
    for code in codes:
        dept = session.scalar(select(Department).where(Department.code == code))
        session.add(NodalAssignment(user_id=user.id, department_id=dept.id))
    session.commit()
    return user


def login(client, username: str, password: str | None = None):
    client.get("/logout/")
    staff_login(client, username, password or username)


def page_csrf(client, url="/config/") -> str:
    return csrf_from(client.get(url).data)


def editor_csrf(client, code: str) -> str:
    page = client.get(f"/config/{code}").data.decode()
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def post_json(client, url: str, token: str, body: dict):
    return client.post(url, json=body, headers={"X-CSRFToken": token})
