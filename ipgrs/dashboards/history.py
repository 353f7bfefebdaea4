"""A realistic demo history (`ipgrs seed-demo --history N`): N grievances filed over the last months across every
department, district and channel, each taken through the lifecycle the platform would have given it — routed by
the published rules, assigned to the post and officer holding it, escalated by the sweep when its timeline lapsed,
resolved or rejected, rated, reopened on appeal, closed — with the matching events, written in bulk.

Invariants kept (so the beat tasks find nothing to fix): a pending grievance's due date is in the future, or it is
critical at the last level of its chain; resolutions older than AUTO_CLOSE_DAYS without a rating are closed; every
grievance has its "filed" and "assigned" events and one event per later step; numbers are KA-YEAR-ID."""
from __future__ import annotations

import random
from datetime import timedelta

from flask import current_app
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.orm import Session

from .. import clock
from ..catalog.models import Department, District, GrievanceType, Post, Taluk
from ..citizens.models import Citizen
from ..grievances.models import Grievance, GrievanceEvent
from ..grievances.services import calendar
from ..officers.models import Posting

CHANNEL_WEIGHTS = {"WEB": 38, "APP": 16, "HELPLINE_1902": 18, "BAPUJI_SEVA_KENDRA": 8, "JANASPANDANA": 5, "CMO": 3,
                   "CSO": 2, "CPGRAMS": 10}
CITIZENS = 400
HISTORY_MOBILE_PREFIX = "+9199990"  # +9199990xxxxx: the demo history's citizens


def seed_history(session: Session, count: int, days: int = 180, seed: int = 7) -> dict:
    """Adds `count` grievances filed over the last `days` days. Returns what it wrote."""
    rng = random.Random(seed)
    runtime = current_app.extensions["ipgrs.rules"]
    runtime.refresh(session)
    catalogue = runtime.catalogue
    cal = calendar()
    now = clock.now()
    auto_close = timedelta(days=int(current_app.config.get("AUTO_CLOSE_DAYS", 15)))

    departments = {code: i for i, code in session.execute(select(Department.id, Department.code)).all()}
    posts = {(d, c): (i, lvl) for i, d, c, lvl in session.execute(select(Post.id, Department.code, Post.code, Post.level).join(Department))}
    types = {code: i for i, code in session.execute(select(GrievanceType.id, GrievanceType.code)).all()}
    districts = {name: i for i, name in session.execute(select(District.id, District.name_en)).all()}
    taluks = {(d, name): i for i, d, name in session.execute(select(Taluk.id, Taluk.district_id, Taluk.name_en)).all()}
    holders = {}
    for post_id, district_id, taluk_id, officer_id in session.execute(
            select(Posting.post_id, Posting.district_id, Posting.taluk_id, Posting.officer_id)
            .where(Posting.active).order_by(Posting.additional_charge, Posting.id)):
        holders.setdefault((post_id, district_id, taluk_id), officer_id)
    citizens = _citizens(session, now)

    # Skewed, as real intake is: a few grievance types, departments and districts get most grievances.
    type_codes = sorted(code for code in catalogue.grievance_types if code in types)
    rng.shuffle(type_codes)
    type_weights = [1.0 / (rank + 1) ** 0.8 for rank in range(len(type_codes))]
    places = [(d.name.en, t.en) for d in catalogue.jurisdictions.districts for t in d.taluks]
    place_weights = [3.0 if d.startswith("Bengaluru") else (1.5 if d in ("Mysuru", "Belagavi", "Kalaburagi") else 1.0)
                     for d, _ in places]
    quality = {code: rng.uniform(0.35, 0.9) for code in departments}  # how well each department does
    channels, channel_weights = list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values())

    rows, events = [], []  # events name their grievance by its index in rows until the database gives it an id
    for n in range(count):
        code = rng.choices(type_codes, type_weights)[0]
        gt = catalogue.grievance_types[code]
        district, taluk = rng.choices(places, place_weights)[0]
        channel = rng.choices(channels, channel_weights)[0]
        created = now - timedelta(days=days * rng.random() ** 1.3, minutes=rng.randint(0, 600))
        facts = {"grievance": code, "category": None, "subcategory": None, "channel": channel,
                 "location": {"district": district, "taluk": taluk, "village": None, "pincode": None, "landmark": None},
                 "citizen": {"age": rng.randint(18, 85), "gender": rng.choice(("female", "male"))}, "form": {}}
        try:
            decision = runtime.decide(facts)
        except Exception:  # noqa: BLE001 - a type whose rules need form answers: file another one instead
            continue
        gid = len(rows)
        district_id = districts[district]
        taluk_id = taluks[(district_id, taluk)]
        chain, timeline = list(decision.escalation), list(decision.timeline_days)
        good = quality[gt.department]

        def post_at(level):
            post_id, post_level = posts[(gt.department, chain[level - 1])]
            key = (post_id, None if post_level == "state" else district_id, taluk_id if post_level == "taluk" else None)
            return post_id, holders.get(key)

        level = decision.start_level
        due = cal.add_working_days(created, timeline[level - 1])
        g = {"citizen_id": rng.choice(citizens),
             "grievance_type_id": types[code], "department_id": departments[gt.department],
             "description": f"Demo history grievance: {gt.name.en}.", "form_data": {}, "district_id": district_id,
             "taluk_id": taluk_id, "locality": None, "channel": channel, "verified_in_person": False, "status": "open",
             "priority": decision.priority, "ruleset_version_id": runtime.version_id_for(decision),
             "decision": {**decision.as_dict(), "facts": facts}, "transfer_count": 0, "reopen_count": 0,
             "escalation_count": 0, "critical": False, "created_at": created, "updated_at": created, "row_version": 1}
        ev = [_event(gid, created, "citizen" if channel in ("WEB", "APP") else "operator", "filed", None, "open",
                     "Filed", {"channel": channel})]
        post_id, officer_id = post_at(level)
        ev.append(_event(gid, created, "system", "assigned", "open", "open", f"Assigned to {chain[level - 1]} (level {level}).",
                         {"post": chain[level - 1], "level": level}))

        # When it is dealt with: a good department mostly within the timeline, a poor one often late.
        timeline_span = (due - created).total_seconds() / 86400
        takes = timeline_span * (rng.uniform(0.2, 0.95) if rng.random() < good else rng.uniform(1.05, 2.0))
        outcome_at = created + timedelta(days=takes)
        status = "open"
        if rng.random() < 0.8:
            status = "accepted"
            ev.append(_event(gid, created + timedelta(hours=rng.randint(2, 48)), "officer", "accepted", "open", "accepted", None))

        def escalate_until(moment):
            nonlocal level, due, post_id, officer_id
            while due < moment:
                if level >= len(chain):
                    g["critical"] = True
                    ev.append(_event(gid, due, "system", "critical", status, status, "Past the last level of its chain.", {}))
                    return
                ev.append(_event(gid, due, "system", "escalated", status, status,
                                 f"Timeline lapsed at L{level}; escalated to L{level + 1}.",
                                 {"from_level": level, "to_level": level + 1}))
                level += 1
                g["escalation_count"] += 1
                due = cal.add_working_days(due, timeline[level - 1])
                post_id, officer_id = post_at(level)

        if outcome_at < now:
            escalate_until(outcome_at)
            if not g["critical"] or rng.random() < 0.5:  # some critical ones are still waiting
                rejected = rng.random() < 0.1
                before, status = status, ("rejected" if rejected else "resolved")
                g.update(resolved_at=outcome_at, resolved_by_officer_id=officer_id, resolved_post_id=post_id)
                ev.append(_event(gid, outcome_at, "officer", status, before, status,
                                 "Rejected." if rejected else "Action taken report.", {}))
                feedback_at = outcome_at + timedelta(days=rng.uniform(0.5, 10))
                if feedback_at < now and rng.random() < 0.6:
                    rating = max(1, min(5, round(rng.gauss(1.5 + 3 * good, 1.0))))
                    satisfied = rating >= 3 and rng.random() < 0.9
                    g.update(rating=rating, satisfied=satisfied, feedback_at=feedback_at)
                    if satisfied or level >= len(chain):
                        status, g["closed_at"] = "closed", feedback_at
                        ev.append(_event(gid, feedback_at, "citizen", "closed", "rejected" if rejected else "resolved", "closed",
                                         None, {"rating": rating, "satisfied": satisfied}))
                    else:  # an appeal: reopened at the next level with that level's timeline
                        level += 1
                        g["escalation_count"] += 1
                        g["reopen_count"] = 1
                        g["resolved_at"] = None
                        post_id, officer_id = post_at(level)
                        due = cal.add_working_days(feedback_at, timeline[level - 1])
                        status = "reopened"
                        ev.append(_event(gid, feedback_at, "citizen", "reopened", "rejected" if rejected else "resolved", "reopened", "Not satisfied.",
                                         {"rating": rating, "satisfied": False, "level": level}))
                        escalate_until(now)
                elif outcome_at + auto_close < now:
                    before, status, g["closed_at"] = status, "closed", outcome_at + auto_close
                    ev.append(_event(gid, g["closed_at"], "system", "closed", before, "closed",
                                     "Closed automatically: no feedback.", {}))
        else:
            if rng.random() < 0.08:
                status = "awaiting_citizen"
                g["paused_at"] = created + timedelta(days=rng.uniform(0, max(0.1, (now - created).days)))
                ev.append(_event(gid, g["paused_at"], "officer", "information_requested", "accepted", status, "Please send the document.", {}))
            else:
                escalate_until(now)
        g.update(status=status, level=level, assigned_post_id=post_id, assigned_officer_id=officer_id, due_at=due,
                 updated_at=max(e["at"] for e in ev))
        rows.append(g)
        events.extend(ev)

    # The database assigns the ids (citizens may be filing meanwhile: `make run` seeds while it serves), so the
    # numbers, KA-YEAR-ID, are written once the ids are known. Core executemany: one statement per chunk.
    connection = session.connection()
    table = Grievance.__table__
    ids = []
    for chunk in range(0, len(rows), 1000):
        result = connection.execute(insert(table).returning(table.c.id, sort_by_parameter_order=True),
                                    [_complete(r) for r in rows[chunk:chunk + 1000]])
        ids.extend(result.scalars().all())
    connection.execute(update(table).where(table.c.id == bindparam("gid")).values(number=bindparam("new_number")),
                       [{"gid": gid, "new_number": f"KA-{row['created_at'].year}-{gid:08d}"} for gid, row in zip(ids, rows)])
    for event in events:
        event["grievance_id"] = ids[event["grievance_id"]]
    for chunk in range(0, len(events), 2000):
        connection.execute(insert(GrievanceEvent.__table__), events[chunk:chunk + 2000])
    session.commit()
    return {"grievances": len(rows), "events": len(events), "citizens": len(citizens)}


_OPTIONAL = ("paused_at", "resolved_at", "closed_at", "resolved_by_officer_id", "resolved_post_id", "rating", "satisfied",
             "feedback_at")


def _complete(row: dict) -> dict:
    return {**{name: None for name in _OPTIONAL}, **row}


def _event(gid, at, actor, kind, from_status, to_status, note, data=None) -> dict:
    return {"grievance_id": gid, "at": at, "actor_kind": actor, "actor_id": None,
            "actor_label": {"citizen": "Citizen", "operator": "Operator", "officer": "Officer", "system": "ipgrs"}[actor],
            "kind": kind, "from_status": from_status, "to_status": to_status, "note": note,
            "visible_to_citizen": kind not in ("critical",), "data": data or {}}


def _citizens(session: Session, now) -> list[int]:
    existing = session.scalars(select(Citizen.id).where(Citizen.mobile.like(HISTORY_MOBILE_PREFIX + "%"))).all()
    if len(existing) >= CITIZENS:
        return list(existing)
    session.connection().execute(insert(Citizen.__table__), [
        {"mobile": f"{HISTORY_MOBILE_PREFIX}{i:05d}", "name": f"Demo citizen {i}", "language": "kn" if i % 3 == 0 else "en",
         "verified_in_person": False, "created_at": now - timedelta(days=200), "verified_at": now - timedelta(days=200)}
        for i in range(len(existing), CITIZENS)])
    session.commit()  # not held while the history is computed: SQLite has one writer, and the server is serving
    return list(session.scalars(select(Citizen.id).where(Citizen.mobile.like(HISTORY_MOBILE_PREFIX + "%"))).all())
