"""The embedded default runs the beat schedule in-process: a queued notification left undelivered is sent by it."""
from __future__ import annotations

import time

from sqlalchemy import select

from ipgrs.extensions import db
from ipgrs.notifications import services as notifications
from ipgrs.notifications.models import Notification
from ipgrs.tasks import celery, start_inprocess_beat


def test_the_inprocess_beat_delivers_what_is_due(app, monkeypatch):
    monkeypatch.setitem(celery.conf, "beat_schedule", {"deliver": {"task": "ipgrs.notifications.deliver_due", "schedule": 1.0}})
    with app.app_context():
        row = notifications.queue(db.session, channel="sms", recipient="+919811100001", template="grievance_status",
                                  language="en", context={"number": "KA-2026-00000001", "status": "Resolved"},
                                  key="test:beat:1")
        db.session.commit()  # no dispatch_after_commit: only the sweep can deliver it
        row_id = row.id
        db.session.remove()
    stop = start_inprocess_beat(app)
    try:
        deadline = time.monotonic() + 20
        status = None
        while time.monotonic() < deadline:
            with app.app_context():
                status = db.session.scalar(select(Notification.status).where(Notification.id == row_id))
                db.session.remove()
            if status == "sent":
                break
            time.sleep(0.5)
    finally:
        stop.set()
        with app.app_context():
            db.session.execute(Notification.__table__.delete().where(Notification.id == row_id))
            db.session.commit()
            db.session.remove()
    assert status == "sent"
