"""The weekly pendency report: one e-mail per nodal officer and department, through the outbox, once a week."""
from __future__ import annotations

from sqlalchemy import select

from ipgrs.dashboards import reports
from ipgrs.notifications.models import Notification
from ipgrs.notifications import services as notifications
from tests.dashboards.conftest import make_nodal_login
from tests.dashboards.helpers import NOW

import pytest


def _reports(session):
    return session.scalars(select(Notification).where(Notification.template == "weekly_pendency")).all()


def test_each_nodal_officer_gets_the_departments_overdue_grievances_by_post(app, db_session, six):
    officer = make_nodal_login(db_session)
    result = reports.weekly_pendency(db_session, now=NOW)
    assert result["week"] == "2026-W05" and result["reports"] >= 1
    (mail,) = [n for n in _reports(db_session) if n.recipient == officer.email]
    assert mail.channel == "email" and mail.key == f"weekly-pendency:2026-W05:{officer.id}:REV"
    body = mail.body
    assert "Revenue Department" in body and "2 grievances are past their due date" in body   # B and E (F is paused)
    assert "- Tahsildar, Anekal, Bengaluru Urban: 1 (oldest due 28-01-2026)" in body
    assert "- Tahsildar, Hunsur, Mysuru: 1 (oldest due 25-01-2026)" in body
    assert "/dashboards/grievances?department=REV&measure=overdue" in body
    assert six["B"].citizen.mobile not in body and six["B"].number not in body           # counts, not people

    reports.weekly_pendency(db_session, now=NOW)                                         # the same week again: no second mail
    assert len([n for n in _reports(db_session) if n.recipient == officer.email]) == 1


def test_the_beat_task_runs_the_report(app, db_session, six):
    from ipgrs.dashboards import tasks
    from ipgrs.tasks import celery

    assert {"refresh-dashboards", "weekly-pendency-report"} <= set(celery.conf.beat_schedule)
    assert celery.conf.beat_schedule["weekly-pendency-report"]["task"] == tasks.weekly_pendency.name
    make_nodal_login(db_session)
    result = tasks.weekly_pendency.apply().get()
    assert result["reports"] >= 1 and _reports(db_session)


def test_the_report_is_never_an_sms(db_session):
    with pytest.raises(notifications.NotificationError):
        notifications.queue(db_session, channel="sms", recipient="+919900000001", template="weekly_pendency",
                            language="en", context={}, key="weekly-test")


def test_a_nodal_login_that_is_no_officer_gets_its_assigned_departments_report(app, db_session, six):
    from tests.configuration.helpers import nodal_officer

    user = nodal_officer(db_session, app, "nodal_rev_desk", "REV")
    reports.weekly_pendency(db_session, now=NOW)
    (mail,) = [n for n in _reports(db_session) if n.recipient == "nodal_rev_desk@test.invalid"]
    assert mail.key == f"weekly-pendency:2026-W05:u{user.id}:REV" and "2 grievances are past their due date" in mail.body
