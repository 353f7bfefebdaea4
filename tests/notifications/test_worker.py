"""Production's path end to end on PostgreSQL and Redis: a web process with a broker commits a notification,
and a real Celery worker delivers it to the HTTP SMS gateway; the beat's sweep task sends what was left waiting."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.orm import Session

from ipgrs.notifications import services
from ipgrs.notifications.models import Notification
from tests.conftest import cli_database, redis_database
from tests.support.fake_sms_gateway import FakeSmsGateway

BIN = Path(sys.executable).parent
FILED = {"number": "KA-2026-00000077", "department": "ಕಂದಾಯ ಇಲಾಖೆ", "due_date": "15-12-2026"}

WEB_REQUEST = """
import sys
from ipgrs import create_app
from ipgrs.extensions import db
from ipgrs.notifications import services
app = create_app()
with app.app_context(), app.test_request_context("/api/v1/grievances", method="POST"):
    notification = services.queue(db.session, channel="sms", recipient="+919876543210", template="grievance_filed",
                                  language="kn", context={"number": "KA-2026-00000077", "department": "ಕಂದಾಯ ಇಲಾಖೆ",
                                  "due_date": "15-12-2026"}, key=sys.argv[1])
    services.dispatch_after_commit(db.session)
    db.session.commit()
"""


@pytest.fixture(scope="module")
def broker():
    return redis_database(10)


@pytest.fixture(scope="module")
def database(postgres_server_url):
    """A fresh PostgreSQL database migrated by the CLI, as production does it."""
    with cli_database(postgres_server_url, "ipgrs_outbox") as url:
        engine = sa.create_engine(url)
        yield url, engine
        engine.dispose()


@pytest.fixture(scope="module")
def sms_gateway():
    fake = FakeSmsGateway().start()
    yield fake
    fake.stop()


@pytest.fixture(scope="module")
def production_env(broker, database, sms_gateway, tmp_path_factory):
    return dict(os.environ, DATABASE_URL=database[0], SECRET_KEY="outbox-test", CELERY_BROKER_URL=broker,
                CELERY_RESULT_BACKEND=broker, SMS_PROVIDER="http", SMS_GATEWAY_URL=sms_gateway.url,
                SMS_GATEWAY_TOKEN=sms_gateway.token, SMS_SENDER_ID="KAGOVT",
                IPGRS_INSTANCE_DIR=str(tmp_path_factory.mktemp("instance")))


@pytest.fixture(scope="module")
def worker(production_env, tmp_path_factory):
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    with open(log, "w") as out:
        process = subprocess.Popen([str(BIN / "celery"), "-A", "ipgrs.worker", "worker", "--pool=solo", "--loglevel=INFO",
                                    "--without-gossip", "--without-mingle", "-n", f"outbox-{os.getpid()}@%h"],
                                   stdout=out, stderr=subprocess.STDOUT, env=production_env, start_new_session=True)
    yield process, log
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def status_of(engine, key: str, timeout: float = 60) -> str | None:
    """Waits for the notification to leave 'pending'; returns its status."""
    deadline = time.monotonic() + timeout
    while True:
        with engine.connect() as conn:
            status = conn.scalar(sa.select(Notification.status).where(Notification.key == key))
        if status not in (None, "pending") or time.monotonic() > deadline:
            return status
        time.sleep(0.2)


def test_a_commit_in_a_web_process_is_delivered_by_the_worker(worker, production_env, database, sms_gateway):
    process, log = worker
    key = f"grievance:{uuid.uuid4().hex[:8]}:filed:sms"
    web = subprocess.run([sys.executable, "-c", WEB_REQUEST, key], capture_output=True, text=True, timeout=120,
                         env=production_env)
    assert web.returncode == 0, web.stderr[-2000:]
    assert status_of(database[1], key) == "sent", log.read_text()[-3000:]
    assert process.poll() is None
    [message] = [m for m in sms_gateway.messages if m.reference == key]
    assert message.to == "+919876543210" and message.sender == "KAGOVT"
    assert message.message.startswith("ನಿಮ್ಮ ಕುಂದುಕೊರತೆ KA-2026-00000077 ದಾಖಲಾಗಿದೆ.")
    assert "ipgrs.notifications.deliver[" in log.read_text()


def test_the_sweep_task_sends_what_is_waiting(worker, database, broker, sms_gateway):
    from celery import Celery

    process, log = worker
    key = f"grievance:{uuid.uuid4().hex[:8]}:status:sms"
    with Session(database[1]) as session:  # queued and committed with no dispatch: only the sweep will see it
        services.queue(session, channel="sms", recipient="+919876543211", template="grievance_status", language="en",
                       context={"number": "KA-2026-00000078", "status": "Resolved"}, key=key)
        session.commit()
    client = Celery("client", broker=broker, backend=broker)
    result = client.send_task("ipgrs.notifications.deliver_due").get(timeout=60)
    assert result.get("sent", 0) >= 1, log.read_text()[-3000:]
    assert status_of(database[1], key, timeout=1) == "sent"
    assert [m.to for m in sms_gateway.messages if m.reference == key] == ["+919876543211"]
