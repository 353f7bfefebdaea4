"""Outbox fixtures: a session that really commits (delivery runs on other threads and connections), and a
fake SMS gateway that the app is configured to use."""
from __future__ import annotations

import pytest
from sqlalchemy import delete

from ipgrs.notifications import services
from ipgrs.notifications.models import Notification
from tests.support.fake_sms_gateway import FakeSmsGateway


@pytest.fixture
def outbox(app, tmp_path):
    """The app's own session, in an app context, committing for real; the notification table is emptied
    afterwards. The db_session fixture cannot serve here: its rows never become visible to the delivery
    threads, which is why dispatch leaves them to the sweep (see test_inside_an_outer_transaction…)."""
    from ipgrs.extensions import db
    from ipgrs.tasks import bind

    saved = dict(app.config)
    app.config["NOTIFICATION_OUTBOX_LOG"] = str(tmp_path / "outbox.log")
    bind(app)  # the Celery tasks run against this app (another test may have bound a different one)
    with app.app_context():
        db.session.remove()
        try:
            yield db.session
        finally:
            db.session.rollback()  # first let go of SQLite's read lock, which a delivery thread may be waiting on
            finished = services.wait_for_deliveries(30)
            db.session.execute(delete(Notification))
            db.session.commit()
            db.session.remove()
            app.config.clear()
            app.config.update(saved)
    assert finished, "background deliveries still running after 30 s"


@pytest.fixture
def gateway(app):
    """A running fake gateway, and the app sending SMS to it over HTTP."""
    fake = FakeSmsGateway().start()
    keys = ("SMS_PROVIDER", "SMS_GATEWAY_URL", "SMS_GATEWAY_TOKEN", "SMS_SENDER_ID")
    saved = {k: app.config.get(k) for k in keys}
    app.config.update(SMS_PROVIDER="http", SMS_GATEWAY_URL=fake.url, SMS_GATEWAY_TOKEN=fake.token, SMS_SENDER_ID="KAGOVT")
    yield fake
    services.wait_for_deliveries(30)
    fake.stop()
    app.config.update(saved)
