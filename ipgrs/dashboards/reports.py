"""The weekly pendency report: each nodal officer gets, by e-mail through the notifications outbox, their
departments' overdue grievances counted by officer post and place.

Nodal officers are the active logins with the "Nodal Officer" role; their departments are those assigned to the
login (ipgrs.configuration's nodal assignments) and those of the posts they hold, if the login is an officer's.
The report goes to the officer's e-mail address, or the login's when it is no officer's. One e-mail per nodal
officer and department per ISO week: the outbox key makes a second run of the week a no-op."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_appbuilder.security.sqla.models import Role, User, assoc_user_role
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .. import clock
from ..catalog.models import Department, District, Post, Taluk
from ..grievances import workflow
from ..grievances.models import Grievance
from ..notifications import services as notifications
from ..officers.models import Officer
from .scope import NODAL_ROLE, nodal_department_ids

IST = ZoneInfo("Asia/Kolkata")
MAX_LINES = 40


@dataclass(frozen=True)
class NodalRecipient:
    key: str     # in the outbox key: the officer's id (as before assignments existed), else "u" + the login's id
    email: str
    departments: list


def nodal_officers(session: Session) -> list[NodalRecipient]:
    logins = session.scalars(
        select(User).join(assoc_user_role, assoc_user_role.c.user_id == User.id)
        .join(Role, Role.id == assoc_user_role.c.role_id)
        .where(Role.name == NODAL_ROLE, User.active).order_by(User.id)).unique().all()
    out = []
    for user in logins:
        officer = session.scalar(select(Officer).where(Officer.user_id == user.id, Officer.active))
        ids = nodal_department_ids(session, user.id, officer.id if officer else None)
        email = (officer.email if officer else None) or user.email
        if not ids or not email:
            continue
        departments = session.scalars(select(Department).where(Department.id.in_(sorted(ids)), Department.active)
                                      .order_by(Department.code)).all()
        out.append(NodalRecipient(str(officer.id) if officer else f"u{user.id}", email, list(departments)))
    return out


def overdue_by_post(session: Session, department_id: int, now: datetime) -> list[dict]:
    """The department's overdue grievances (the clock running, past the due date) by post and place."""
    G = Grievance
    rows = session.execute(
        select(Post.name_en, District.name_en.label("district"), Taluk.name_en.label("taluk"), func.count().label("n"),
               func.min(G.due_at).label("oldest"))
        .select_from(G).join(Post, Post.id == G.assigned_post_id)
        .outerjoin(District, District.id == G.district_id).outerjoin(Taluk, Taluk.id == G.taluk_id)
        .where(G.department_id == department_id, G.status.in_(workflow.ACTIVE), G.due_at < now)
        .group_by(Post.name_en, District.name_en, Taluk.name_en)
        .order_by(func.count().desc(), Post.name_en, District.name_en, Taluk.name_en)).all()
    return [{"post": r.name_en, "place": ", ".join(p for p in (r.taluk, r.district) if p) or "Karnataka",
             "overdue": r.n, "oldest_due": r.oldest} for r in rows]


def _lines(rows: list[dict], lang: str) -> str:
    out = []
    for r in rows[:MAX_LINES]:
        due = r["oldest_due"].astimezone(IST).strftime("%d-%m-%Y")
        out.append(f"- {r['post']}, {r['place']}: {r['overdue']} " +
                   (f"(ಹಳೆಯ ಗಡುವು {due})" if lang == "kn" else f"(oldest due {due})"))
    if len(rows) > MAX_LINES:
        rest = sum(r["overdue"] for r in rows[MAX_LINES:])
        out.append(f"- … {len(rows) - MAX_LINES} more posts, {rest} grievances" if lang == "en"
                   else f"- … ಇನ್ನೂ {len(rows) - MAX_LINES} ಹುದ್ದೆಗಳು, {rest} ಕುಂದುಕೊರತೆಗಳು")
    return "\n".join(out) or "-"


def weekly_pendency(session: Session, now: datetime | None = None, language: str = "en") -> dict:
    """Queues this week's report for every nodal officer and department. Returns counts."""
    now = now or clock.now()
    year, week, _ = now.astimezone(IST).isocalendar()
    week_label = f"{year}-W{week:02d}"
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    queued = 0
    officers = nodal_officers(session)
    for recipient in officers:
        for department in recipient.departments:
            rows = overdue_by_post(session, department.id, now)
            context = {"week": week_label, "department": department.name_kn if language == "kn" else department.name_en,
                       "overdue": sum(r["overdue"] for r in rows), "lines": _lines(rows, language),
                       "link": f"{base}/dashboards/grievances?department={department.code}&measure=overdue"}
            notifications.queue(session, channel="email", recipient=recipient.email, template="weekly_pendency",
                                language=language, context=context,
                                key=f"weekly-pendency:{week_label}:{recipient.key}:{department.code}")
            queued += 1
    notifications.dispatch_after_commit(session)
    session.commit()
    return {"nodal_officers": len(officers), "reports": queued, "week": week_label}
