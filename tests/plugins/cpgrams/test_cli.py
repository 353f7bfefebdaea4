"""`ipgrs cpgrams …` on the app: status, pull, deliver, reconcile (with its date range checked)."""
from __future__ import annotations

import json

from plugins.cpgrams import services
from plugins.cpgrams.cli import cpgrams_group


def run(app, *args):
    return app.test_cli_runner().invoke(cpgrams_group, list(args))


def test_pull_status_deliver_and_reconcile(app, db_session, cpgrams):
    cpgrams.add(2)
    pulled = run(app, "pull")
    assert pulled.exit_code == 0, pulled.output
    assert json.loads(pulled.output.strip().splitlines()[-1])["received"] == 2
    status = json.loads(run(app, "status").output.strip().splitlines()[-1])
    assert status["inbound"]["filed"] == 2 and status["outbox"]["pending"] == 2
    assert json.loads(run(app, "deliver").output.strip().splitlines()[-1]) == {"sent": 2}
    cpgrams.status["DARPG/E/2026/0000001"]["status"] = "CLOSED"  # CPGRAMS says otherwise
    reconciled = run(app, "reconcile", "--since", "2026-01-01", "--until", "2099-12-31")
    assert reconciled.exit_code == 0, reconciled.output
    assert "DARPG/E/2026/0000001: ours UNDER_PROCESS, CPGRAMS CLOSED: re-queued" in reconciled.output
    assert "1 re-queued, 0 not checked" in reconciled.output
    assert services.deliver_due(db_session) == {"sent": 1}
    assert cpgrams.status["DARPG/E/2026/0000001"]["status"] == "UNDER_PROCESS"


def test_reconcile_refuses_bad_ranges_and_no_service(app, db_session, monkeypatch):
    assert "use a date as YYYY-MM-DD" in run(app, "reconcile", "--since", "yesterday").output
    assert "--until is before --since" in run(app, "reconcile", "--since", "2026-02-01", "--until", "2026-01-01").output
    monkeypatch.setitem(app.config, "CPGRAMS_BASE_URL", "")
    result = run(app, "reconcile", "--since", "2026-01-01")
    assert result.exit_code == 1 and "CPGRAMS_BASE_URL is not set" in result.output


def test_check_mapping(app, db_session, tmp_path):
    good = run(app, "check-mapping")
    assert good.exit_code == 0 and good.output.startswith("OK: 7 mappings in ")
    bad = tmp_path / "cpgrams.yaml"
    bad.write_text("organisations:\n  - code: KA-REV\n    default: REV_RTC_NOT_ISUED\n")
    result = run(app, "check-mapping", str(bad))
    assert result.exit_code == 1
    assert "cpgrams.yaml:3:14: 'REV_RTC_NOT_ISUED' is not a published grievance type; did you mean 'REV_RTC_NOT_ISSUED'?" in result.output
