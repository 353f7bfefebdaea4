"""Demo logins for the embedded default (`make run`): created once, printed at every start."""
from __future__ import annotations

from flask import current_app

DEMO_USERS = [
    # username, password, role, first name, last name
    ("admin", "admin", "Admin", "Demo", "Administrator"),
]


def seed() -> list[tuple[str, str, str]]:
    sm = current_app.appbuilder.sm
    created = []
    for username, password, role_name, first, last in DEMO_USERS:
        role = sm.find_role(role_name)
        if sm.find_user(username=username) is None:
            sm.add_user(username, first, last, f"{username}@demo.ipgrs.invalid", role, password=password)
        created.append((username, password, role_name))
    return created


def print_logins(logins) -> None:
    print("Demo logins (embedded default only):")
    for username, password, role in logins:
        print(f"  {role:<14} {username} / {password}")
