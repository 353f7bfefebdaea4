"""The escalation sweep: grievances past due at their level move up their chain.

Set-based and indexed: it reads only overdue rows (a partial index on due_at over the active, non-critical
grievances), in batches, each batch one transaction; on PostgreSQL a batch is one UPDATE and one INSERT per
table, whatever its size. Safe with two sweepers at once and idempotent: on PostgreSQL rows are claimed with FOR
UPDATE SKIP LOCKED, and every update also requires the row version it read, so one lapse escalates a grievance once.
A sweeper killed mid-run loses nothing: a batch is committed whole or not at all, and the next run picks up
what is still overdue. Notifications go to the outbox in the same transaction; the outbox sweep sends them.
"""
from __future__ import annotations

import functools
import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import insert, select, text, update
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
from .models import ESCALATION_WATCH, Grievance, GrievanceEvent

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


@dataclass
class _Plan:
    """What one lapse does to one grievance: the next level (or the critical flag), and who is told."""

    row: Any
    kind: str  # "escalated" | "critical"
    version: int
    level: int
    post_id: int | None = None
    holder: Any = None
    due_at: datetime | None = None


class _Planner:
    """Works out each lapse's next level, events and messages; everything it looks up is cached for the sweep."""

    def __init__(self, session: Session, now: datetime):
        self.session, self.now = session, now
        self.calendar = WorkingCalendar.from_config(current_app.config["IPGRS_CONFIG_DIR"])
        self.posts = {(dept, code): (pid, level) for pid, dept, code, level in
                      session.execute(select(Post.id, Department.code, Post.code, Post.level).join(Department))}
        self.show_cause = _show_cause_departments(session)
        self.holders = _Holders(session)
        self.due_dates: dict = {}
        self.officers: dict = {}

    def plan(self, row) -> _Plan:
        chain, days = _parsed(row.chain), _parsed(row.days)
        if row.level >= len(chain):
            return _Plan(row, "critical", row.row_version + 1, row.level)
        level, holder, post = row.level + 1, None, None
        while level <= len(chain):  # past vacant posts, up to the last level
            post = self.posts[(row.department, chain[level - 1])]
            holder = self.holders(post, row.district_id, row.taluk_id)
            if holder is not None or level == len(chain):
                break
            level += 1
        if days[level - 1] not in self.due_dates:
            self.due_dates[days[level - 1]] = self.calendar.add_working_days(self.now, days[level - 1])
        return _Plan(row, "escalated", row.row_version + 1, level, post[0], holder, self.due_dates[days[level - 1]])

    def events(self, plan: _Plan) -> list[dict]:
        row, chain = plan.row, _parsed(plan.row.chain)
        if plan.kind == "critical":
            note = f"Past the last level of its chain ({chain[-1]}): flagged for the department secretary."
        else:
            note = f"Timeline lapsed at L{row.level}; escalated to L{plan.level} ({chain[plan.level - 1]})."
        event = {"grievance_id": row.id, "at": self.now, "actor_kind": "system", "actor_id": None,
                 "actor_label": "ipgrs escalation", "kind": plan.kind, "from_status": row.status, "to_status": row.status,
                 "note": note, "visible_to_citizen": plan.kind == "escalated",
                 "data": {"from_level": row.level, "to_level": plan.level, "lapsed_due_at": row.due_at.isoformat()}}
        if not self._show_cause_due(plan):
            return [event]
        return [event, {**event, "kind": "show_cause_notice", "visible_to_citizen": False,
                        "note": f"Show-cause notice issued to the officer who held L{row.level} for the lapse."}]

    def _show_cause_due(self, plan: _Plan) -> bool:
        return (plan.kind == "escalated" and plan.row.department in self.show_cause
                and plan.row.assigned_officer_id is not None)

    def citizen_messages(self, plan: _Plan) -> list[dict]:
        if plan.kind != "escalated":
            return []
        row, now = plan.row, self.now
        status = (f"escalated to level {plan.level}" if row.language != "kn" else f"ಹಂತ {plan.level} ಕ್ಕೆ ಏರಿಸಲಾಗಿದೆ")
        return [_message("sms", row.mobile, "grievance_status", row.language,
                         f"grievance:{row.number}:escalated:{plan.version}:sms", {"number": row.number, "status": status}, now)]

    def officer_messages(self, plans: list[_Plan]) -> list[dict]:
        """What the officers are told of a batch: whoever receives grievances is told of them, and whoever let them
        lapse (where the department issues show-cause notices) gets the notice. One SMS and one e-mail per officer
        and batch, naming the grievance when there is one and counting them when there are more: a district
        officer may receive hundreds in one sweep."""
        received: dict[int, list[_Plan]] = {}
        lapsed: dict[int, list[_Plan]] = {}
        for plan in plans:
            if plan.kind == "escalated" and plan.holder is not None:
                received.setdefault(plan.holder.officer_id, []).append(plan)
            if self._show_cause_due(plan):
                lapsed.setdefault(plan.row.assigned_officer_id, []).append(plan)
        out = []
        for officer_id, mine in received.items():
            first = min(mine, key=lambda plan: plan.due_at)
            row, due = first.row, first.due_at.astimezone(_IST).strftime("%d-%m-%Y")
            if len(mine) == 1:
                template, context = "officer_assigned", {"number": row.number, "grievance_type": row.grievance_type, "due_date": due}
            else:
                template, context = "escalations_assigned", {"count": len(mine), "number": row.number, "due_date": due}
            out += self._to_officer(first.holder, template, context, f"grievance:{row.number}:escalated:{first.version}:{officer_id}")
        for officer_id, mine in lapsed.items():
            first = min(mine, key=lambda plan: plan.row.due_at)
            row, due = first.row, first.row.due_at.astimezone(_IST).strftime("%d-%m-%Y")
            context = {"number": row.number, "due_date": due, "count": len(mine)}
            out += self._to_officer(self._officer(officer_id), "show_cause" if len(mine) == 1 else "show_cause_several",
                                    context, f"grievance:{row.number}:show_cause:{row.level}")
        return out

    def _to_officer(self, contact, template: str, context: dict, key: str) -> list[dict]:
        return [_message(channel, recipient, template, "en", f"{key}:{channel}", context, self.now)
                for channel, recipient in (("sms", contact.mobile), ("email", contact.email)) if recipient]

    def _officer(self, officer_id: int):
        if officer_id not in self.officers:
            self.officers[officer_id] = self.session.execute(
                select(Officer.mobile, Officer.email).where(Officer.id == officer_id)).one()
        return self.officers[officer_id]


class _RowWriter:
    """Any database: one UPDATE per grievance, each at the version read."""

    def __init__(self, session: Session, now: datetime):
        self.session, self.now = session, now

    def claim(self, query):
        return query

    def update(self, plans: list[_Plan]) -> set[int]:
        written = set()
        for plan in plans:
            values = {"updated_at": self.now, "row_version": plan.version}
            if plan.kind == "critical":
                values["critical"] = True
            else:
                values.update(level=plan.level, assigned_post_id=plan.post_id, due_at=plan.due_at,
                              assigned_officer_id=plan.holder.officer_id if plan.holder else None,
                              escalation_count=Grievance.escalation_count + 1)
            result = self.session.execute(
                update(Grievance).where(Grievance.id == plan.row.id, Grievance.row_version == plan.row.row_version)
                .values(**values).execution_options(synchronize_session=False))
            if result.rowcount == 1:
                written.add(plan.row.id)
        return written

    def insert(self, table, rows: list[dict], unique: str | None = None) -> None:
        if not rows:
            return
        statement = insert(table)
        if unique:
            statement = sqlite_insert(table).on_conflict_do_nothing(index_elements=[unique])
        self.session.execute(statement, rows)


class _PostgresWriter(_RowWriter):
    """PostgreSQL: rows claimed with FOR UPDATE SKIP LOCKED; each batch one UPDATE at the versions read (RETURNING
    says which were written) and one INSERT per table. A batch travels as one JSON document per statement, which
    PostgreSQL unpacks into rows: far cheaper than a parameter per value or per row."""

    _UPDATE = text("""
        UPDATE grievance AS g SET
            level = u.level,
            assigned_post_id = CASE WHEN u.critical THEN g.assigned_post_id ELSE u.post_id END,
            assigned_officer_id = CASE WHEN u.critical THEN g.assigned_officer_id ELSE u.officer_id END,
            due_at = CASE WHEN u.critical THEN g.due_at ELSE u.due_at END,
            escalation_count = g.escalation_count + CASE WHEN u.critical THEN 0 ELSE 1 END,
            critical = u.critical,
            row_version = g.row_version + 1,
            updated_at = :now
        FROM json_to_recordset(CAST(:plans AS json))
             AS u(id integer, version integer, level integer, post_id integer, officer_id integer,
                  due_at timestamptz, critical boolean)
        WHERE g.id = u.id AND g.row_version = u.version
        RETURNING g.id""")

    def claim(self, query):
        return query.with_for_update(skip_locked=True, of=Grievance)

    def update(self, plans: list[_Plan]) -> set[int]:
        rows = [{"id": plan.row.id, "version": plan.row.row_version, "level": plan.level, "post_id": plan.post_id,
                 "officer_id": plan.holder.officer_id if plan.holder else None, "due_at": plan.due_at,
                 "critical": plan.kind == "critical"} for plan in plans]
        return set(self.session.execute(self._UPDATE, {"now": self.now, "plans": _json(rows)}).scalars())

    def insert(self, table, rows: list[dict], unique: str | None = None) -> None:
        if not rows:
            return
        names = ", ".join(f'"{name}"' for name in rows[0])
        sql = (f"INSERT INTO {table.name} ({names}) SELECT {names} "
               f"FROM json_populate_recordset(NULL::{table.name}, CAST(:rows AS json))")
        if unique:
            sql += f' ON CONFLICT ("{unique}") DO NOTHING'
        self.session.execute(text(sql), {"rows": _json(rows)})


@functools.lru_cache(maxsize=4096)
def _parsed(document: str):
    """Chains and timelines as JSON text, parsed once each: a sweep meets only as many as there are routing rules."""
    return json.loads(document)


def _json(rows: list[dict]) -> str:
    return json.dumps(rows, default=lambda value: value.isoformat(), ensure_ascii=False)


def sweep(session: Session, now: datetime | None = None, batch_size: int | None = None) -> dict:
    now = now or clock.now()
    batch_size = batch_size or current_app.config.get("ESCALATION_BATCH_SIZE", 1000)
    pause = current_app.config.get("ESCALATION_BATCH_PAUSE", 0)
    planner = _Planner(session, now)
    writer = _PostgresWriter(session, now) if session.get_bind().dialect.name == "postgresql" else _RowWriter(session, now)
    totals = {"escalated": 0, "critical": 0, "skipped": 0, "batches": 0}
    G = Grievance
    while True:
        # Only the parts of the decision the sweep uses: the whole document is ten times their size to send and decode.
        query = (select(G.id, G.row_version, G.level, G.decision["escalation"].as_string().label("chain"),
                        G.decision["timeline_days"].as_string().label("days"), G.decision["department"].as_string().label("department"),
                        G.decision["grievance"].as_string().label("grievance_type"), G.district_id, G.taluk_id, G.number, G.due_at,
                        G.status, G.assigned_officer_id, Citizen.mobile, Citizen.language)
                 .join(Citizen, Citizen.id == G.citizen_id)
                 .where(ESCALATION_WATCH, G.due_at < now)
                 .order_by(G.due_at).limit(batch_size))
        rows = session.execute(writer.claim(query)).all()
        if not rows:
            break
        totals["batches"] += 1
        plans = [planner.plan(row) for row in rows]
        written = writer.update(plans)
        totals["skipped"] += len(plans) - len(written)  # another sweeper or an officer changed them first
        events, messages = [], []
        for plan in plans:
            if plan.row.id not in written:
                continue
            totals[plan.kind] += 1
            events += planner.events(plan)
            messages += planner.citizen_messages(plan)
        messages += planner.officer_messages([plan for plan in plans if plan.row.id in written])
        writer.insert(GrievanceEvent.__table__, events)
        writer.insert(Notification.__table__, messages, unique="key")
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

