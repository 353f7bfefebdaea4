"""The escalation sweep: grievances past due at their level move up their chain.

Set-based and indexed: it reads only overdue rows (the (status, due_at) index), in batches, each batch one
transaction. Safe with two sweepers at once and idempotent: on PostgreSQL rows are claimed with FOR UPDATE
SKIP LOCKED, and every update also requires the row version it read, so one lapse escalates a grievance once.
A sweeper killed mid-run loses nothing: a batch is committed whole or not at all, and the next run picks up
what is still overdue. Notifications go to the outbox in the same transaction; the outbox sweep sends them.
"""
from __future__ import annotations

import logging
import time
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .. import clock
from ..catalog.models import Department, Post
from ..citizens.models import Citizen
from ..notifications import templates
from ..notifications.models import Notification
from ..officers.models import Officer, Posting
from ..plugins import emit_many
from . import workflow
from .calendar import WorkingCalendar
from .models import Grievance, GrievanceEvent

log = logging.getLogger(__name__)
_IST = ZoneInfo("Asia/Kolkata")


class _Holders:
    """Who holds a post for a place, looked up once per sweep."""

    def __init__(self, session: Session):
        self.session = session
        self.cache: dict = {}

    def __call__(self, post: tuple, district_id, taluk_id):
        post_id, level = post
        key = (post_id, district_id if level != "state" else None, taluk_id if level == "taluk" else None)
        if key not in self.cache:
            query = (select(Posting.officer_id, Officer.mobile, Officer.email).join(Officer)
                     .where(Posting.post_id == post_id, Posting.active, Officer.active))
            if level == "taluk":
                query = query.where(Posting.taluk_id == taluk_id)
            elif level == "district":
                query = query.where(Posting.district_id == district_id)
            self.cache[key] = self.session.execute(query.order_by(Posting.additional_charge, Posting.id).limit(1)).first()
        return self.cache[key]


def sweep(session: Session, now: datetime | None = None, batch_size: int | None = None) -> dict:
    now = now or clock.now()
    batch_size = batch_size or current_app.config.get("ESCALATION_BATCH_SIZE", 1000)
    pause = current_app.config.get("ESCALATION_BATCH_PAUSE", 0)
    calendar = WorkingCalendar.from_config(current_app.config["IPGRS_CONFIG_DIR"])
    postgres = session.get_bind().dialect.name == "postgresql"
    posts = {(dept, code): (pid, level) for pid, dept, code, level in
             session.execute(select(Post.id, Department.code, Post.code, Post.level).join(Department))}
    show_cause = _show_cause_departments(session)
    holders = _Holders(session)
    due_cache: dict = {}
    totals = {"escalated": 0, "critical": 0, "skipped": 0, "batches": 0}
    G = Grievance
    while True:
        query = (select(G.id, G.row_version, G.level, G.decision, G.district_id, G.taluk_id, G.number, G.due_at,
                        G.status, G.assigned_officer_id, Citizen.mobile, Citizen.language)
                 .join(Citizen, Citizen.id == G.citizen_id)
                 .where(G.status.in_(workflow.ACTIVE), G.critical.is_(False), G.due_at < now)
                 .order_by(G.due_at).limit(batch_size))
        if postgres:
            query = query.with_for_update(skip_locked=True, of=G)
        rows = session.execute(query).all()
        if not rows:
            break
        totals["batches"] += 1
        events, messages = [], []
        for row in rows:
            chain, days = row.decision["escalation"], row.decision["timeline_days"]
            department = row.decision["department"]
            lapsed_officer = row.assigned_officer_id
            values = {"updated_at": now, "row_version": row.row_version + 1}
            if row.level >= len(chain):
                values["critical"] = True
                kind, note = "critical", f"Past the last level of its chain ({chain[-1]}): flagged for the department secretary."
            else:
                level, holder, post = row.level + 1, None, None
                while level <= len(chain):
                    post = posts[(department, chain[level - 1])]
                    holder = holders(post, row.district_id, row.taluk_id)
                    if holder is not None or level == len(chain):
                        break
                    level += 1
                key = (now.date(), days[level - 1])
                if key not in due_cache:
                    due_cache[key] = calendar.add_working_days(now, days[level - 1])
                values.update(level=level, assigned_post_id=post[0], assigned_officer_id=holder.officer_id if holder else None,
                              due_at=due_cache[key], escalation_count=G.escalation_count + 1)
                kind, note = "escalated", f"Timeline lapsed at L{row.level}; escalated to L{level} ({chain[level - 1]})."
            result = session.execute(update(G).where(G.id == row.id, G.row_version == row.row_version).values(**values)
                                     .execution_options(synchronize_session=False))
            if result.rowcount != 1:
                totals["skipped"] += 1  # another sweeper or an officer changed it first: nothing to do for this lapse
                continue
            totals["critical" if kind == "critical" else "escalated"] += 1
            events.append({"grievance_id": row.id, "at": now, "actor_kind": "system", "actor_id": None,
                           "actor_label": "ipgrs escalation", "kind": kind, "from_status": row.status,
                           "to_status": row.status, "note": note, "visible_to_citizen": kind == "escalated",
                           "data": {"from_level": row.level, "to_level": values.get("level", row.level),
                                    "lapsed_due_at": row.due_at.isoformat()}})
            if kind == "escalated":
                messages += _messages(row, values, holder, now)
                if department in show_cause and lapsed_officer is not None:
                    events.append({**events[-1], "kind": "show_cause_notice", "visible_to_citizen": False,
                                   "note": f"Show-cause notice issued to the officer who held L{row.level} for the lapse."})
                    messages += _show_cause(session, row, lapsed_officer, now)
        if events:
            session.execute(insert(GrievanceEvent), events)
        if messages:
            dialect_insert = pg_insert if postgres else sqlite_insert
            session.execute(dialect_insert(Notification).on_conflict_do_nothing(index_elements=["key"]), messages)
        # Plugins: one event per batch, in the batch's transaction (docs/plugins.md).
        emit_many(session, "grievance.escalated", [e["grievance_id"] for e in events if e["kind"] == "escalated"])
        session.commit()
        if pause:
            time.sleep(pause)
    return totals


def _show_cause_departments(session: Session) -> set:
    runtime = current_app.extensions["ipgrs.rules"]
    runtime.refresh(session)  # a fresh process (`ipgrs escalate`, a worker) has not loaded the catalogue yet
    catalogue = runtime.catalogue
    return {code for code, d in catalogue.departments.items() if d.show_cause_notice} if catalogue else set()


def _message(channel, recipient, template, language, key, context, now) -> dict:
    return {"channel": channel, "recipient": recipient, "template": template, "language": language,
            "body": templates.render(template, language, context), "key": key, "status": "pending", "attempts": 0,
            "next_attempt_at": now, "created_at": now, "sensitive": False}


def _messages(row, values, holder, now) -> list[dict]:
    from ..portal.i18n import STATUS

    due = values["due_at"].astimezone(_IST).strftime("%d-%m-%Y")
    en, kn = STATUS["open"]
    status = f"escalated to level {values['level']}" if row.language != "kn" else f"ಹಂತ {values['level']} ಕ್ಕೆ ಏರಿಸಲಾಗಿದೆ"
    out = [_message("sms", row.mobile, "grievance_status", row.language, f"grievance:{row.number}:escalated:{values['row_version']}:sms",
                    {"number": row.number, "status": status}, now)]
    if holder is not None:
        context = {"number": row.number, "grievance_type": row.decision["grievance"], "due_date": due}
        for channel, recipient in (("sms", holder.mobile), ("email", holder.email)):
            if recipient:
                out.append(_message(channel, recipient, "officer_assigned", "en",
                                    f"grievance:{row.number}:escalated:{values['row_version']}:{holder.officer_id}:{channel}",
                                    context, now))
    return out


def _show_cause(session, row, officer_id, now) -> list[dict]:
    officer = session.get(Officer, officer_id)
    context = {"number": row.number, "due_date": row.due_at.astimezone(_IST).strftime("%d-%m-%Y")}
    return [_message(channel, recipient, "show_cause", "en", f"grievance:{row.number}:show_cause:{row.level}:{channel}", context, now)
            for channel, recipient in (("sms", officer.mobile), ("email", officer.email)) if recipient]


def auto_close(session: Session, now: datetime | None = None) -> int:
    """Resolutions (and rejections) the citizen did not rate within AUTO_CLOSE_DAYS close on their own."""
    now = now or clock.now()
    from datetime import timedelta

    days = int(current_app.config.get("AUTO_CLOSE_DAYS", 15))
    limit = now - timedelta(days=days)
    rows = session.execute(select(Grievance.id, Grievance.row_version, Grievance.status)
                           .where(Grievance.status.in_((workflow.RESOLVED, workflow.REJECTED)), Grievance.resolved_at < limit)
                           .limit(5000)).all()
    closed, closed_ids = 0, []
    for row in rows:
        result = session.execute(update(Grievance).where(Grievance.id == row.id, Grievance.row_version == row.row_version)
                                 .values(status=workflow.CLOSED, closed_at=now, row_version=row.row_version + 1, updated_at=now)
                                 .execution_options(synchronize_session=False))
        if result.rowcount == 1:
            closed += 1
            closed_ids.append(row.id)
            session.execute(insert(GrievanceEvent).values(
                grievance_id=row.id, at=now, actor_kind="system", actor_label="ipgrs", kind="closed",
                from_status=row.status, to_status=workflow.CLOSED, visible_to_citizen=True, data={},
                note=f"Closed automatically: no feedback within {days} days of the resolution."))
    # Plugins: one event for the batch, in its transaction (docs/plugins.md).
    emit_many(session, "grievance.closed", closed_ids, kind="auto_closed", to_status=workflow.CLOSED)
    session.commit()
    return closed

