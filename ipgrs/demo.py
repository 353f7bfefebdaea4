"""Demo data for the embedded default (`make run`): logins created once and printed at every start,
and an officer for every post in every jurisdiction."""
from __future__ import annotations

from flask import current_app

from .extensions import db

DEMO_USERS = [
    # username, password, role, first name, last name
    ("admin", "admin", "Admin", "Demo", "Administrator"),
    ("operator", "operator", "Operator", "Helpline", "Operator"),
]
DEMO_CITIZEN_MOBILE = "+919900000001"


def seed() -> list[tuple[str, str, str]]:
    from .officers.seed import seed_officers

    sm = current_app.appbuilder.sm
    logins = []
    for username, password, role_name, first, last in DEMO_USERS:
        role = sm.find_role(role_name) or sm.add_role(role_name)
        if sm.find_user(username=username) is None:
            sm.add_user(username, first, last, f"{username}@demo.ipgrs.invalid", role, password=password)
        logins.append((username, password, role_name))
    seed_officers(db.session)
    return logins


def print_logins(logins) -> None:
    print("Demo logins (embedded default only):")
    for username, password, role in logins:
        print(f"  {role:<14} {username} / {password}   http://127.0.0.1:{current_app.config['PORT']}/login/")
    print(f"  Citizen        mobile {DEMO_CITIZEN_MOBILE[3:]} at /citizen/login — the OTP appears in instance/outbox.log")
