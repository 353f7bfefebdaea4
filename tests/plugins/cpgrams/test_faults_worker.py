"""The CPGRAMS faults end to end on PostgreSQL: a real Celery worker process on the local Redis pulls from the
simulator running as a real HTTP server and delivers the outbox; the simulator is down, slow, timing out, answering
500 or malformed JSON, sending duplicates and out-of-order pages; the worker is killed in the middle of a pull.
No grievance is lost or duplicated, every outbound message is delivered once CPGRAMS can take it, and the admin's
summary shows what is pending. Also: the same registration number received concurrently by threads files once.

These tests commit for real (the worker is another process) and remove what they created afterwards."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from ipgrs.grievances import actions
from ipgrs.grievances.models import Grievance
from plugins.cpgrams import services
from plugins.cpgrams.models import CpgramsCursor, CpgramsGrievance, CpgramsOutbox
from plugins.cpgrams.simulator import Simulator
from tests.conftest import redis_database

pytestmark = pytest.mark.parametrize("app", ["postgresql"], indirect=True)

CELERY = str(Path(sys.executable).parent / "celery")
# Tables these tests write to, children first; rows above the ids seen at the start are removed at the end.
CREATED = ["cpgrams_outbox", "cpgrams_grievance", "notification", "grievance_event", "grievance", "citizen", "plugin_failure"]


@pytest.fixture(scope="module")
def simulator():
    sim = Simulator().start()
    yield sim
    sim.stop()


@pytest.fixture(scope="module")
def database(app):
    """The session's PostgreSQL database; what the tests commit is removed afterwards."""
    engine = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with engine.connect() as conn:
        start = {t: conn.scalar(sa.text(f"SELECT coalesce(max(id), 0) FROM {t}")) for t in CREATED}
    yield engine
    with engine.begin() as conn:
        for table in CREATED:
            conn.execute(sa.text(f"DELETE FROM {table} WHERE id > :start"), {"start": start[table]})
        conn.execute(sa.text("DELETE FROM cpgrams_cursor"))
        conn.execute(sa.text("DELETE FROM cpgrams_push_seen"))
    engine.dispose()


@pytest.fixture(scope="module")
def broker():
    return redis_database(14), redis_database(15)


class Worker:
    def __init__(self, env, log: Path):
        self.env, self.log, self.process = env, log, None

    def start(self):
        out = open(self.log, "a")
        self.process = subprocess.Popen([CELERY, "-A", "ipgrs.worker", "worker", "--pool=solo", "--loglevel=INFO",
                                         "--without-gossip", "--without-mingle", "--without-heartbeat",
                                         "-n", f"cpgrams-{os.getpid()}-{time.monotonic_ns()}@%h"],
                                        stdout=out, stderr=subprocess.STDOUT, env=self.env, start_new_session=True)
        return self

    def kill(self, sig=signal.SIGKILL):
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)

    def tail(self) -> str:
        return self.log.read_text()[-3000:]


@pytest.fixture(scope="module")
def worker(app, database, broker, simulator, tmp_path_factory):
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], SECRET_KEY="cpgrams-worker-test",
               CELERY_BROKER_URL=broker[0], CELERY_RESULT_BACKEND=broker[1], IPGRS_PLUGINS="cpgrams",
               CPGRAMS_BASE_URL=simulator.url, CPGRAMS_TIMEOUT_SECONDS="1", CPGRAMS_PAGE_SIZE="2",
               CPGRAMS_MAX_PAGES="100", CPGRAMS_MAX_ATTEMPTS="50", CPGRAMS_RETRY_BASE_SECONDS="0",
               CPGRAMS_RETRY_MAX_SECONDS="0", IPGRS_INSTANCE_DIR=str(tmp_path_factory.mktemp("instance")))
    w = Worker(env, tmp_path_factory.mktemp("worker") / "worker.log").start()
    yield w
    w.kill(signal.SIGTERM)


def send(broker, task: str, timeout: float = 30):
    from celery import Celery

    client = Celery("client", broker=broker[0], backend=broker[1])
    return client.send_task(task).get(timeout=timeout)


def feed_numbers(simulator) -> set:
    return {g["registration_number"] for g in simulator.grievances}


def assert_each_received_and_filed_once(engine, simulator):
    with engine.connect() as conn:
        rows = conn.execute(sa.select(CpgramsGrievance.registration_number, CpgramsGrievance.state,
                                      CpgramsGrievance.grievance_id)).all()
        cpgrams_grievances = conn.scalar(sa.select(sa.func.count()).select_from(Grievance).where(Grievance.channel == "CPGRAMS"))
    numbers = [r.registration_number for r in rows]
    assert set(numbers) == feed_numbers(simulator) and len(numbers) == len(set(numbers))  # none lost, none twice
    assert all(r.state in ("filed", "triage") for r in rows)
    filed = [r.grievance_id for r in rows if r.state == "filed"]
    assert None not in filed and len(filed) == len(set(filed)) == cpgrams_grievances  # one grievance each, no orphan


def test_pulls_through_every_fault_with_a_real_worker(worker, broker, simulator, database):
    simulator.add(7)
    for mode in ("500", "malformed", "timeout"):
        simulator.set_fault(mode, count=1, scope="pull", delay=1.5)
        result = send(broker, "cpgrams.pull")
        assert result["error"] and result["pages"] == 0, (mode, result, worker.tail())
    simulator.set_fault("down")
    assert send(broker, "cpgrams.pull")["error"] == "ConnectError calling CPGRAMS"
    simulator.restart()
    simulator.set_fault("slow", delay=0.2)
    first = send(broker, "cpgrams.pull")
    assert first["error"] is None and first["received"] == 7, worker.tail()
    simulator.add(5)
    simulator.set_fault("duplicates")
    second = send(broker, "cpgrams.pull")
    assert second["received"] == 5 and second["duplicates"] > 0
    simulator.add(4)
    simulator.set_fault("out_of_order")
    assert send(broker, "cpgrams.pull")["received"] == 4
    simulator.set_fault(None)
    assert_each_received_and_filed_once(database, simulator)


def test_the_worker_killed_in_the_middle_of_a_pull_loses_and_duplicates_nothing(worker, broker, simulator, database):
    from celery import Celery

    simulator.add(10)
    with database.connect() as conn:
        pages_before = conn.scalar(sa.select(CpgramsCursor.pages).where(CpgramsCursor.name == "pull")) or 0
    simulator.set_fault("slow", delay=0.3)
    Celery("client", broker=broker[0], backend=broker[1]).send_task("cpgrams.pull")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with database.connect() as conn:
            pages = conn.scalar(sa.select(CpgramsCursor.pages).where(CpgramsCursor.name == "pull")) or 0
        if pages >= pages_before + 2:
            break
        time.sleep(0.05)
    worker.kill()  # SIGKILL: the platform dies in the middle of the pull
    with database.connect() as conn:
        stored = conn.scalar(sa.select(sa.func.count()).select_from(CpgramsGrievance))
    assert stored < len(simulator.grievances), "the pull finished before the kill: nothing was tested"
    simulator.set_fault(None)
    worker.start()
    result = send(broker, "cpgrams.pull", timeout=60)
    assert result["error"] is None, worker.tail()
    assert_each_received_and_filed_once(database, simulator)


def test_outbound_is_delivered_once_cpgrams_can_take_it(app, worker, broker, simulator, database):
    from ipgrs.extensions import db

    with app.app_context():
        session = db.session
        grievances = session.scalars(sa.select(Grievance).join(CpgramsGrievance, CpgramsGrievance.grievance_id == Grievance.id)
                                     .where(Grievance.status == "open").order_by(Grievance.id).limit(3)).all()
        assert len(grievances) == 3
        simulator.set_fault("down")
        for g in grievances:  # the officers act while CPGRAMS is down
            actions.accept(session, g, actions.Actor("officer", "officer", officer=g.assigned_officer))
            actions.resolve(session, g, actions.Actor("officer", "officer", officer=g.assigned_officer),
                            f"Action taken on {g.number}: done.")
        keys = set(session.scalars(sa.select(CpgramsOutbox.key)).all())
        numbers = [g.number for g in grievances]
        session.remove()
    result = send(broker, "cpgrams.deliver_due")
    assert result.get("sent", 0) == 0 and result.get("failed", 0) >= 1, result
    with app.app_context():
        summary = services.overview(db.session)  # what the admin page shows
        db.session.remove()
    assert summary["outbox"]["failed"] + summary["outbox"]["pending"] >= 6 and summary["outbox"]["dead"] == 0
    simulator.restart()
    simulator.set_fault("500", count=2, scope="update")  # and then two more errors
    for _ in range(10):
        result = send(broker, "cpgrams.deliver_due")
        with database.connect() as conn:
            left = conn.scalar(sa.select(sa.func.count()).select_from(CpgramsOutbox).where(CpgramsOutbox.status != "sent"))
        if not left:
            break
    assert left == 0, worker.tail()
    assert keys <= set(simulator.updates)  # every message delivered, and each key recorded once by CPGRAMS
    for local in numbers:
        remote = next(s for s in simulator.status.values()
                      if any(simulator.updates[k]["state_reference"] == local for k in s["history"]))
        assert remote["status"] == "DISPOSED"
        assert remote["action_taken_report"]["report"] == f"Action taken on {local}: done."


def test_the_same_registration_number_received_concurrently_files_once(app, simulator, database):
    from ipgrs.extensions import db

    record = simulator.add(1)[0]
    barrier = threading.Barrier(6)
    errors = []

    def receive_and_file():
        try:
            with app.app_context():
                barrier.wait(timeout=10)
                received = services.receive(db.session, [record], "push")
                db.session.commit()
                for inbound_id in received.new_ids:
                    services.process(db.session, inbound_id)
                services.process_pending(db.session)
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=receive_and_file) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert errors == []
    with database.connect() as conn:
        rows = conn.execute(sa.select(CpgramsGrievance.state, CpgramsGrievance.grievance_id)
                            .where(CpgramsGrievance.registration_number == record["registration_number"])).all()
        grievances = conn.scalar(sa.select(sa.func.count()).select_from(Grievance).where(
            Grievance.description.like(f"%(CPGRAMS sample {record['registration_number'][-2:].lstrip('0')})%")))
    assert len(rows) == 1 and rows[0].state == "filed" and grievances == 1


WEB_PROCESS = """
import sys
import sqlalchemy as sa
from ipgrs import create_app
from ipgrs.extensions import db
from ipgrs.grievances import actions
from ipgrs.grievances.models import Grievance
app = create_app()
with app.app_context():
    g = db.session.get(Grievance, int(sys.argv[1]))
    actions.accept(db.session, g, actions.Actor("officer", "officer", officer=g.assigned_officer))
"""


def test_with_a_broker_each_commit_hands_its_message_to_the_worker(app, worker, broker, simulator, database):
    """No deliver_due here: every message leaves because the commit that wrote it enqueued cpgrams.deliver."""
    simulator.set_fault(None)
    simulator.add(1)
    while simulator.grievances[-1]["organisation"]["code"] != "KA-REV":  # an RTC grievance: the samples cycle
        simulator.add(1)
    number = simulator.grievances[-1]["registration_number"]
    assert send(broker, "cpgrams.pull")["error"] is None  # filed by the worker: its acknowledgement is enqueued at commit
    with database.connect() as conn:
        g_id = conn.scalar(sa.select(CpgramsGrievance.grievance_id).where(CpgramsGrievance.registration_number == number))
    assert g_id is not None
    web = subprocess.run([sys.executable, "-c", WEB_PROCESS, str(g_id)], capture_output=True, text=True, timeout=120,
                         env=worker.env)  # a web process with the broker configured: the officer accepts
    assert web.returncode == 0, web.stderr[-2000:]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with database.connect() as conn:
            statuses = dict(conn.execute(sa.select(CpgramsOutbox.kind, CpgramsOutbox.status)
                                         .where(CpgramsOutbox.grievance_id == g_id)).all())
        if statuses == {"acknowledged": "sent", "accepted": "sent"}:
            break
        time.sleep(0.2)
    assert statuses == {"acknowledged": "sent", "accepted": "sent"}, worker.tail()
    assert [simulator.updates[k]["event"] for k in simulator.status[number]["history"]] == ["acknowledged", "accepted"]
