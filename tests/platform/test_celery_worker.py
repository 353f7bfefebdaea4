"""A real Celery worker process on Redis, against PostgreSQL: it loads the published rules and decides with them."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import CONFIG, cli_database, redis_database

CELERY = str(Path(sys.executable).parent / "celery")


@pytest.fixture(scope="module")
def redis_url():
    return redis_database(9)


@pytest.fixture(scope="module")
def published_postgres(postgres_server_url):
    """A PostgreSQL database migrated and published by the CLI, as production would do it."""
    with cli_database(postgres_server_url, "ipgrs_worker", ["config", "publish", str(CONFIG), "-m", "worker test"]) as url:
        yield url


@pytest.fixture(scope="module")
def worker(redis_url, published_postgres, tmp_path_factory):
    log = tmp_path_factory.mktemp("worker") / "worker.log"
    env = dict(os.environ, DATABASE_URL=published_postgres, SECRET_KEY="worker-test",
               CELERY_BROKER_URL=redis_url, CELERY_RESULT_BACKEND=redis_url)
    with open(log, "w") as out:
        process = subprocess.Popen([CELERY, "-A", "ipgrs.worker", "worker", "--pool=solo", "--loglevel=INFO",
                                    "--without-gossip", "--without-mingle", "-n", f"test-{os.getpid()}@%h"],
                                   stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    yield env, process, log
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)


def _client(env):
    from celery import Celery

    return Celery("client", broker=env["CELERY_BROKER_URL"], backend=env["CELERY_RESULT_BACKEND"])


def test_worker_loads_the_published_version_and_decides(worker, shipped_catalogue):
    env, process, log = worker
    client = _client(env)
    deadline = time.monotonic() + 60
    result = client.send_task("ipgrs.rules.refresh")
    refreshed = result.get(timeout=max(1, deadline - time.monotonic()))
    assert process.poll() is None, log.read_text()[-3000:]
    assert refreshed["content_hash"] == shipped_catalogue.version and refreshed["version_id"] >= 1
    decision = client.send_task("ipgrs.rules.decide", args=[{
        "grievance": "REV_RTC_NOT_ISSUED", "location": {"district": "Bengaluru Urban", "taluk": "Anekal"}}]).get(timeout=30)
    assert decision["post"] == "SPL_TAHSILDAR"
    assert decision["version"] == shipped_catalogue.version
    assert decision["rules_fired"] == ["Bengaluru Urban land records go to the special tahsildar"]
