"""The weekly pendency report: each nodal officer gets, by e-mail through the notifications outbox, their
departments' overdue grievances counted by officer post and place.

Nodal officers are the logins with the "Nodal Officer" role linked to an active officer with an e-mail address;
their departments are those of the posts they hold (no explicit nodal officer → department mapping exists yet).
One e-mail per nodal officer and department per ISO week: the outbox key makes a second run of the week a no-op."""
from __future__ import annotations

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
from ..officers.models import Officer, Posting
from .scope import NODAL_ROLE

IST = ZoneInfo("Asia/Kolkata")
MAX_LINES = 40


def nodal_officers(session: Session) -> list[tuple[Officer, list[Department]]]:
    officers = session.scalars(
        select(Officer).join(User, User.id == Officer.user_id).join(assoc_user_role, assoc_user_role.c.user_id == User.id)
        .join(Role, Role.id == assoc_user_role.c.role_id)
        .where(Role.name == NODAL_ROLE, Officer.active, Officer.email.is_not(None), User.active)
        .order_by(Officer.id)).unique().all()
    out = []
    for officer in officers:
        departments = session.scalars(select(Department).join(Post, Post.department_id == Department.id)
                                      .join(Posting, Posting.post_id == Post.id)
                                      .where(Posting.officer_id == officer.id, Posting.active)
                                      .distinct().order_by(Department.code)).all()
        out.append((officer, list(departments)))
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
    for officer, departments in officers:
        for department in departments:
            rows = overdue_by_post(session, department.id, now)
            context = {"week": week_label, "department": department.name_kn if language == "kn" else department.name_en,
                       "overdue": sum(r["overdue"] for r in rows), "lines": _lines(rows, language),
                       "link": f"{base}/dashboards/grievances?department={department.code}&measure=overdue"}
            notifications.queue(session, channel="email", recipient=officer.email, template="weekly_pendency",
                                language=language, context=context,
                                key=f"weekly-pendency:{week_label}:{officer.id}:{department.code}")
            queued += 1
    notifications.dispatch_after_commit(session)
    session.commit()
    return {"nodal_officers": len(officers), "reports": queued, "week": week_label}
