"""The short load test with injected faults (loadtest/run.py --short; docs/reliability.md): gunicorn, a Celery
worker on Redis and a PostgreSQL server of its own under mixed locust traffic while the SMS gateway refuses 30%
of messages, CPGRAMS goes down, the worker is SIGKILLed and PostgreSQL restarts; then every audit check holds."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from tests.conftest import redis_database

ROOT = Path(__file__).resolve().parents[2]


def test_the_short_load_with_faults_keeps_every_grievance_and_message(tmp_path):
    broker = redis_database(13)
    report_file = tmp_path / "report.json"
    run = subprocess.run([sys.executable, "-m", "loadtest.run", "--short", "--dir", str(tmp_path / "run"),
                          "--redis", broker, "--json", str(report_file)],
                         cwd=ROOT, capture_output=True, text=True, timeout=420)
    print(run.stdout[-6000:])
    assert report_file.exists(), run.stderr[-4000:]
    report = json.loads(report_file.read_text())
    faults = " | ".join(what for _, what in report["faults"])
    for injected in ("refuses 30%", "CPGRAMS simulator down", "CPGRAMS simulator back", "killed with SIGKILL",
                     "started again", "PostgreSQL restarted"):
        assert injected in faults, faults
    checks = {c["name"]: c for c in report["checks"]}
    assert len(checks) == 8 and all(c["ok"] for c in checks.values()), [c for c in checks.values() if not c["ok"]]
    assert not any(report["left_waiting"].values()), report["left_waiting"]
    # the run did something worth auditing: filings acknowledged, officers acting, SMS refused and sent again
    totals = next(row for row in report["stats"] if row["Name"] == "Aggregated")
    assert int(totals["Request Count"]) > 100
    assert int(re.match(r"(\d+) acknowledged", checks["every acknowledged filing exists exactly once"]["figure"])[1]) > 10
    assert int(re.search(r"(\d+) attempts refused", checks["every SMS reached the gateway exactly once"]["figure"])[1]) > 0
    assert int(re.search(r"(\d+) acknowledged officer actions", checks["no audit event missing"]["figure"])[1]) > 0
    assert run.returncode == 0, run.stdout[-3000:]
