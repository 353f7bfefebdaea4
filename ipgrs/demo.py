"""Demo data for the embedded default (`make run`): logins created once and printed at every start,
and an officer for every post in every jurisdiction."""
from __future__ import annotations

from flask import current_app

from .extensions import db

DEMO_USERS = [
    # username, password, role, first name, last name
    ("admin", "admin", "Admin", "Demo", "Administrator"),
    ("operator", "operator", "Operator", "Helpline", "Operator"),
    ("monitor", "monitor", "State Monitor", "Chief Secretary's", "Office"),  # the whole state's dashboards
]
DEMO_CITIZEN_MOBILE = "+919900000001"
DEMO_HISTORY = 3000  # grievances of demo history `make run` adds once, in the background, so the dashboards mean something
# Officers of the demo officer set given a login (password = username): department, post, district, taluk.
DEMO_OFFICERS = [
    ("spl_tahsildar", "REV", "SPL_TAHSILDAR", "Bengaluru Urban", "Anekal"),
    ("tahsildar", "REV", "TAHSILDAR", "Bengaluru Urban", "Anekal"),
    ("ac_blr", "REV", "AC", "Bengaluru Urban", None),
    ("dc_blr", "REV", "DC", "Bengaluru Urban", None),
    ("rev_secretary", "REV", "SEC", None, None),
    ("tahsildar_hunsur", "REV", "TAHSILDAR", "Mysuru", "Hunsur"),
]


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
    logins += seed_officer_logins()
    return logins


def seed_officer_logins() -> list[tuple[str, str, str]]:
    """Links a FAB login to the officer holding each of DEMO_OFFICERS' postings (idempotent)."""
    from sqlalchemy import select

    from .catalog.models import Department, District, Post, Taluk
    from .officers.models import Officer, Posting

    sm = current_app.appbuilder.sm
    role = sm.find_role("Officer") or sm.add_role("Officer")
    session = db.session
    logins = []
    for username, dept, post_code, district, taluk in DEMO_OFFICERS:
        query = (select(Officer).join(Posting).join(Post, Post.id == Posting.post_id).join(Department)
                 .where(Department.code == dept, Post.code == post_code, Posting.active, Officer.active)
                 .order_by(Posting.additional_charge, Posting.id).limit(1))
        if district:
            query = query.join(District, District.id == Posting.district_id).where(District.name_en == district)
        if taluk:
            query = query.join(Taluk, Taluk.id == Posting.taluk_id).where(Taluk.name_en == taluk)
        officer = session.scalar(query)
        if officer is None:  # the catalogue has no such post or nobody holds it: nothing to log in as
            continue
        user = sm.find_user(username=username)
        if user is None:
            first, _, last = officer.name.partition(" ")
            user = sm.add_user(username, first, last or "-", f"{username}@demo.ipgrs.invalid", role, password=username)
            if not user:
                continue
        if officer.user_id != user.id:
            session.execute(Officer.__table__.update().where(Officer.user_id == user.id).values(user_id=None))
            officer.user_id = user.id
            session.commit()
        place = ", ".join(p for p in (taluk, district) if p) or "Karnataka"
        logins.append((username, username, f"Officer ({dept} {post_code}, {place})"))
    return logins


def print_logins(logins) -> None:
    print(f"Demo logins (embedded default only), at http://127.0.0.1:{current_app.config['PORT']}/login/:")
    width = max([len(role) for _, _, role in logins] + [14])
    for username, password, role in logins:
        print(f"  {role:<{width}} {username} / {password}")
    print(f"  {'':<{width}} officers find their grievances at /officer/inbox")
    print(f"  {'Citizen':<{width}} mobile {DEMO_CITIZEN_MOBILE[3:]} at /citizen/login — the OTP appears in instance/outbox.log")


def seed_history_once(app) -> None:
    """`make run`: adds the demo history on a background thread the first time (the server is up meanwhile), then
    rebuilds the dashboards' rollup. Later starts find the history's citizens and do nothing."""
    import threading

    def work():
        from sqlalchemy import func, select

        from .citizens.models import Citizen
        from .dashboards.history import HISTORY_MOBILE_PREFIX, seed_history
        from .dashboards.rollups import refresh

        with app.app_context():
            try:
                if db.session.scalar(select(func.count()).select_from(Citizen)
                                     .where(Citizen.mobile.like(HISTORY_MOBILE_PREFIX + "%"))):
                    return
                print(f"Adding {DEMO_HISTORY} grievances of demo history in the background (once) …")
                written = seed_history(db.session, DEMO_HISTORY)
                refresh(db.session)
                print(f"Demo history ready: {written['grievances']} grievances; dashboards at /dashboards/")
            finally:
                db.session.remove()

    threading.Thread(target=work, name="ipgrs-demo-history", daemon=True).start()
