"""The escalation sweep: one escalation per lapse, paused grievances wait, the last level goes critical,
two sweepers never double up, and a sweeper killed mid-run loses nothing."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select

from ipgrs import clock
from ipgrs.grievances import actions, escalation, services, workflow
from ipgrs.grievances.models import Grievance, GrievanceEvent
from ipgrs.notifications.models import Notification
from ipgrs.officers.models import Officer
from tests.factories import make_citizen, rtc_filing


def file_in_hunsur(session, **filing):
    citizen = make_citizen(session, district="Mysuru", taluk="Hunsur", pincode="571105")
    return services.file_grievance(session, citizen, rtc_filing(**filing))


def events_of(session, g, kind) -> int:
    return session.scalar(select(func.count()).select_from(GrievanceEvent)
                          .where(GrievanceEvent.grievance_id == g.id, GrievanceEvent.kind == kind))


def test_a_lapsed_grievance_moves_up_once(db_session):
    g = file_in_hunsur(db_session)
    chain, first_officer = g.decision["escalation"], g.assigned_officer_id
    with clock.travel(timedelta(days=60)):
        totals = escalation.sweep(db_session)
        db_session.refresh(g)
        assert totals["escalated"] >= 1
        assert g.level == 2 and g.assigned_post.code == chain[1] and g.assigned_officer_id != first_officer
        assert g.due_at > clock.now() and g.escalation_count == 1
        again = escalation.sweep(db_session)
        db_session.refresh(g)
        assert g.level == 2 and again["escalated"] == 0  # re-running is harmless
    assert events_of(db_session, g, "escalated") == 1
    assert events_of(db_session, g, "show_cause_notice") == 1  # REV sends show-cause notices
    keys = db_session.scalars(select(Notification.key).where(Notification.key.like(f"grievance:{g.number}:%"))).all()
    assert any(":escalated:" in k and k.endswith(":sms") for k in keys)
    assert any(":show_cause:" in k for k in keys)


def test_waiting_for_the_citizen_pauses_escalation(db_session):
    g = file_in_hunsur(db_session)
    actions.request_info(db_session, g, actions.Actor("officer", "t", officer=g.assigned_officer), "Which survey number?")
    with clock.travel(timedelta(days=90)):
        escalation.sweep(db_session)
    db_session.refresh(g)
    assert g.level == 1 and g.status == workflow.AWAITING_CITIZEN


def test_past_the_last_level_the_grievance_is_flagged_critical(db_session):
    g = file_in_hunsur(db_session)
    levels = len(g.decision["escalation"])
    for step in range(1, levels + 2):
        with clock.travel(timedelta(days=120 * step)):
            escalation.sweep(db_session)
    db_session.refresh(g)
    assert g.level == levels and g.critical
    assert events_of(db_session, g, "escalated") == levels - 1 and events_of(db_session, g, "critical") == 1


def test_the_sweep_reads_only_overdue_rows(db_session):
    on_time = file_in_hunsur(db_session)
    overdue = file_in_hunsur(db_session)
    overdue.due_at = clock.now() - timedelta(hours=1)
    db_session.commit()
    totals = escalation.sweep(db_session)
    db_session.refresh(on_time)
    db_session.refresh(overdue)
    assert on_time.level == 1 and overdue.level == 2 and totals["escalated"] >= 1


def test_unrated_resolutions_close_on_their_own(db_session, app):
    g = file_in_hunsur(db_session)
    actions.resolve(db_session, g, actions.Actor("officer", "t", officer=g.assigned_officer), "Done.")
    assert escalation.auto_close(db_session) == 0
    with clock.travel(timedelta(days=app.config["AUTO_CLOSE_DAYS"] + 1)):
        assert escalation.auto_close(db_session) >= 1
    db_session.refresh(g)
    assert g.status == workflow.CLOSED and events_of(db_session, g, "closed") == 1


# --- PostgreSQL: racing sweepers and a killed sweeper --------------------------------------------------

@pytest.fixture
def overdue_grievances(app):
    """Committed for real (other connections and processes must see them), removed afterwards."""
    from ipgrs.extensions import db

    with app.app_context():
        citizen = make_citizen(db.session, district="Mysuru", taluk="Hunsur", pincode="571105")
        template = services.file_grievance(db.session, citizen, rtc_filing())
        _clone(db.session, template, 400)
        db.session.execute(sa.update(Grievance).where(Grievance.citizen_id == citizen.id)
                           .values(due_at=clock.now() - timedelta(days=1)))
        db.session.commit()
        ids = db.session.scalars(select(Grievance.id).where(Grievance.citizen_id == citizen.id)).all()
        db.session.remove()
    yield ids
    with app.app_context():
        from tests.grievances.test_filing import _delete_citizen_and_grievances
        db.session.execute(sa.delete(Notification).where(Notification.key.like("grievance:KA-%-9%")))
        _delete_citizen_and_grievances(db.session, citizen.id)
        db.session.remove()


def _clone(session, g, count):
    """Copies of a filed grievance with their own numbers (KA-<year>-9xxxxxxx), inserted in one statement."""
    table = Grievance.__table__
    columns = [c for c in table.c if c.name not in ("id", "number")]
    rows = session.execute(select(*columns).where(table.c.id == g.id)).mappings().one()
    session.execute(table.insert(), [{**rows, "number": f"KA-{clock.now().year}-9{n:07d}"} for n in range(count)])


@pytest.mark.parametrize("app", ["postgresql"], indirect=True)
def test_two_sweepers_at_once_escalate_each_lapse_once(app, overdue_grievances):
    from ipgrs.extensions import db

    results, errors = [], []

    def run():
        with app.app_context():
            try:
                results.append(escalation.sweep(db.session, batch_size=50))
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with app.app_context():
        per_grievance = dict(db.session.execute(
            select(GrievanceEvent.grievance_id, func.count()).where(GrievanceEvent.grievance_id.in_(overdue_grievances),
                                                                     GrievanceEvent.kind == "escalated")
            .group_by(GrievanceEvent.grievance_id)).all())
        levels = set(db.session.scalars(select(Grievance.level).where(Grievance.id.in_(overdue_grievances))))
        db.session.remove()
    assert len(per_grievance) == len(overdue_grievances) and set(per_grievance.values()) == {1}
    assert levels == {2}
    assert sum(r["escalated"] for r in results) == len(overdue_grievances)
    assert all(r["batches"] >= 1 for r in results)  # both sweepers took part


@pytest.mark.parametrize("app", ["postgresql"], indirect=True)
def test_a_sweeper_killed_mid_run_loses_nothing(app, overdue_grievances):
    """`ipgrs escalate` in its own process, killed with SIGKILL while it works; the next run finishes the job."""
    from ipgrs.extensions import db

    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], SECRET_KEY="test-secret-key-of-32-or-more-bytes!",
               IPGRS_ESCALATION_BATCH="10", IPGRS_ESCALATION_PAUSE="0.05")
    ipgrs = str(Path(sys.executable).parent / "ipgrs")
    process = subprocess.Popen([ipgrs, "escalate"], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    with app.app_context():
        while time.monotonic() < deadline:  # kill it once it has committed some batches but not all
            done = db.session.scalar(select(func.count()).select_from(GrievanceEvent)
                                     .where(GrievanceEvent.grievance_id.in_(overdue_grievances), GrievanceEvent.kind == "escalated"))
            db.session.rollback()
            if done >= 30:
                break
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        partial = done
        db.session.remove()
    assert 0 < partial < len(overdue_grievances), f"the sweeper was not caught mid-run ({partial})"
    again = subprocess.run([ipgrs, "escalate"], env={**env, "IPGRS_ESCALATION_PAUSE": "0"}, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stdout + again.stderr
    with app.app_context():
        notices = db.session.scalar(select(func.count()).select_from(GrievanceEvent)
                                    .where(GrievanceEvent.grievance_id.in_(overdue_grievances), GrievanceEvent.kind == "show_cause_notice"))
        assert notices == len(overdue_grievances)  # the CLI loads the catalogue: REV sends show-cause notices
        per_grievance = dict(db.session.execute(
            select(GrievanceEvent.grievance_id, func.count()).where(GrievanceEvent.grievance_id.in_(overdue_grievances),
                                                                     GrievanceEvent.kind == "escalated")
            .group_by(GrievanceEvent.grievance_id)).all())
        db.session.remove()
    assert len(per_grievance) == len(overdue_grievances) and set(per_grievance.values()) == {1}


def test_the_escalation_index_watches_exactly_the_active_statuses():
    import re

    from ipgrs.grievances import workflow
    from ipgrs.grievances.models import ESCALATION_WATCH

    assert set(re.findall(r"'(\w+)'", ESCALATION_WATCH.text)) == set(workflow.ACTIVE)
    assert "critical IS false" in ESCALATION_WATCH.text


def test_officers_get_one_message_per_channel_for_the_escalations_of_a_batch(db_session):
    lapsed = [file_in_hunsur(db_session) for _ in range(3)]
    with clock.travel(timedelta(days=60)):
        escalation.sweep(db_session)
    for g in lapsed:
        db_session.refresh(g)
    receiver = {g.assigned_officer_id for g in lapsed}
    assert len(receiver) == 1 and None not in receiver  # all three went to the same L2 officer
    numbers = [g.number for g in lapsed]
    to_officers = db_session.execute(
        select(Notification.template, Notification.channel, Notification.body)
        .where(Notification.template.in_(("officer_assigned", "escalations_assigned")),
               sa.or_(*(Notification.key.like(f"grievance:{n}:escalated:%") for n in numbers)))).all()
    officer = db_session.get(Officer, receiver.pop())
    channels = [c for c, contact in (("email", officer.email), ("sms", officer.mobile)) if contact]
    assert channels and sorted((t, c) for t, c, _ in to_officers) == [("escalations_assigned", c) for c in channels]
    assert all(body.startswith("3 grievances have been escalated to you") for _, _, body in to_officers)
    citizens = db_session.scalar(select(func.count()).select_from(Notification).where(
        Notification.template == "grievance_status",
        sa.or_(*(Notification.key.like(f"grievance:{n}:escalated:%") for n in numbers))))
    assert citizens == 3  # every citizen is still told
    show_cause = db_session.execute(select(Notification.template, Notification.body).where(
        sa.or_(*(Notification.key.like(f"grievance:{n}:show_cause:%") for n in numbers)))).all()
    assert show_cause and {t for t, _ in show_cause} == {"show_cause_several"}  # one notice per channel to the LMF
    assert all(body.startswith("Show-cause notice: 3 grievances (first ") for _, body in show_cause)
    assert db_session.scalar(select(func.count()).select_from(GrievanceEvent).where(
        GrievanceEvent.grievance_id.in_([g.id for g in lapsed]), GrievanceEvent.kind == "show_cause_notice")) == 3
