"""The production layout in small (docs/deployment.md): two gunicorn web processes and two Celery workers on one
PostgreSQL database and one Redis broker. Citizens log in and file through either web process; the workers deliver
every SMS exactly once; a configuration published from the command line reaches both web processes without a
restart, and the next filings are routed by it."""
from __future__ import annotations

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from loadtest.processes import free_port, stop
from tests.conftest import CONFIG, cli_database, redis_database
from tests.configuration.helpers import with_first_rule

BIN = Path(sys.executable).parent
ROOT = Path(__file__).resolve().parents[2]
HUNSUR = {"where": "other", "district": "Mysuru", "taluk": "Hunsur", "locality": "Bilikere", "pincode": "571105"}
RTC = {"grievance_type": "REV_RTC_NOT_ISSUED", "category": "DELAY", "subcategory": "OVER_30_DAYS",
       "description": "Applied for the RTC of my land two months ago and it has not been issued.",
       "form": {"survey_number": "123/2A", "village_name": "Bilikere"}, "location": HUNSUR}


@pytest.fixture(scope="module")
def deployment(postgres_server_url, tmp_path_factory):
    broker = redis_database(12)
    root = tmp_path_factory.mktemp("deployment")
    config = root / "config"
    subprocess.run(["cp", "-r", str(CONFIG), str(config)], check=True)
    with cli_database(postgres_server_url, "ipgrs_multi", ["config", "publish", str(config), "-m", "release"]) as url:
        env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="multi-process-test-secret-key-0123456789",
                   CELERY_BROKER_URL=broker, CELERY_RESULT_BACKEND=broker, IPGRS_INSTANCE_DIR=str(root),
                   IPGRS_CONFIG_DIR=str(config), IPGRS_RULES_REFRESH_SECONDS="0.5", IPGRS_PLUGINS="",
                   PUBLIC_BASE_URL="http://127.0.0.1")
        env.pop("FLASK_RUN_FROM_CLI", None)
        processes, webs = [], []
        try:
            for i in range(2):
                port = free_port()
                log = open(root / f"web{i}.log", "w")
                processes.append(subprocess.Popen(
                    [str(BIN / "gunicorn"), "-w", "1", "-b", f"127.0.0.1:{port}", "ipgrs.wsgi:app"],
                    cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
                webs.append(f"http://127.0.0.1:{port}")
            for i in range(2):
                log = open(root / f"worker{i}.log", "w")
                processes.append(subprocess.Popen(
                    [str(BIN / "celery"), "-A", "ipgrs.worker", "worker", "--pool=solo", "--loglevel=INFO", "--without-gossip",
                     "--without-mingle", "-n", f"multi{i}-{os.getpid()}@%h"],
                    cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True))
            deadline = time.monotonic() + 90
            for web in webs:
                while True:
                    try:
                        if httpx.get(web + "/ready", timeout=2).status_code == 200:
                            break
                    except httpx.HTTPError:
                        pass
                    assert time.monotonic() < deadline, (root / "web0.log").read_text()[-3000:]
                    time.sleep(0.3)
            engine = sa.create_engine(url)
            yield {"webs": webs, "engine": engine, "env": env, "root": root, "config": config}
            engine.dispose()
        finally:
            for process in processes:
                stop(process)


def _otp(root: Path, mobile: str, deadline: float) -> str:
    """The code, once a worker has delivered the SMS (the log provider appends it to instance/outbox.log)."""
    while time.monotonic() < deadline:
        log = root / "outbox.log"
        entries = [e for e in (log.read_text(encoding="utf-8") if log.exists() else "").split("\n--- ")
                   if f" to {mobile} " in e and "[otp," in e]
        if entries:
            return re.search(r"\b(\d{6})\b", entries[-1].split("\n", 1)[1]).group(1)
        time.sleep(0.2)
    raise AssertionError(f"no OTP reached {mobile}")


def _citizen_token(web: str, root: Path, mobile: str) -> str:
    assert httpx.post(web + "/api/v1/auth/otp", json={"mobile": mobile}, timeout=10).status_code == 202
    code = _otp(root, "+91" + mobile, time.monotonic() + 60)
    answer = httpx.post(web + "/api/v1/auth/token", json={"mobile": mobile, "code": code}, timeout=10)
    assert answer.status_code == 200, answer.text
    return answer.json()["token"]


def _file(web: str, token: str) -> str:
    answer = httpx.post(web + "/api/v1/grievances", json=RTC, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert answer.status_code == 201, answer.text
    return answer.json()["grievance"]["number"]


def test_two_web_processes_and_two_workers_on_one_database_and_broker(deployment):
    webs, engine, root = deployment["webs"], deployment["engine"], deployment["root"]
    numbers = []
    for i, mobile in enumerate(("9811100001", "9811100002", "9811100003", "9811100004")):
        web = webs[i % 2]  # each citizen logs in and files through one process; the other sees the same data
        token = _citizen_token(web, root, mobile)
        numbers += [_file(web, token), _file(webs[(i + 1) % 2], token)]
    assert len(set(numbers)) == 8
    with engine.connect() as conn:
        posts = conn.scalars(sa.text("SELECT CAST(decision AS jsonb) ->> 'post' FROM grievance")).all()
    assert posts == ["TAHSILDAR"] * 8  # the shipped rules: Hunsur's RTC grievances go to its Tahsildar

    # Every notification delivered, once each, by the workers (none left pending).
    deadline = time.monotonic() + 60
    while True:
        with engine.connect() as conn:
            counts = dict(conn.execute(sa.text("SELECT status, count(*) FROM notification GROUP BY status")).all())
        if set(counts) == {"sent"} or time.monotonic() > deadline:
            break
        time.sleep(0.3)
    assert set(counts) == {"sent"}, counts
    log = (root / "outbox.log").read_text(encoding="utf-8")
    with engine.connect() as conn:
        keys = conn.scalars(sa.text("SELECT key FROM notification")).all()
    assert len(keys) >= 12  # 4 OTPs, 8 filing SMS (and the officers' assignment messages)
    assert all(log.count(f"key={key} ") == 1 for key in keys)
    worker_logs = [(root / f"worker{i}.log").read_text() for i in range(2)]
    assert all("ipgrs.notifications.deliver[" in text for text in worker_logs), "one of the workers delivered nothing"

    # A configuration published from the command line reaches both web processes without a restart…
    with engine.connect() as conn:
        before = conn.scalar(sa.text("SELECT max(id) FROM ruleset_version"))
    revenue = deployment["config"] / "departments" / "rev.yaml"
    revenue.write_text(with_first_rule(revenue.read_text(encoding="utf-8")), encoding="utf-8")  # Hunsur RTC → AC
    published = subprocess.run([str(BIN / "ipgrs"), "config", "publish", str(deployment["config"]), "-m", "Hunsur to the AC"],
                               env=deployment["env"], capture_output=True, text=True, timeout=300)
    assert published.returncode == 0, published.stderr[-2000:]
    deadline = time.monotonic() + 30
    for web in webs:
        while httpx.get(web + "/ready", timeout=5).json()["rules_version"]["id"] <= before:
            assert time.monotonic() < deadline, f"{web} did not load the new version"
            time.sleep(0.2)
    # …and the next filings, through either process, are routed by it.
    token = _citizen_token(webs[0], root, "9811100005")  # a new citizen: a second code for one number so soon is refused (429)
    for web in webs:
        number = _file(web, token)
        with engine.connect() as conn:
            post, version = conn.execute(sa.text(  # the decision's post (no officers here: the assignment climbs)
                "SELECT CAST(decision AS jsonb) ->> 'post', ruleset_version_id FROM grievance WHERE number = :n"),
                {"n": number}).one()
        assert post == "AC" and version > before
