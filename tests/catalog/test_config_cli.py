"""`ipgrs config export`, `simulate` and `validate --coverage` against the test database (in-process CLI runner)."""
from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

import rules
from ipgrs import clock
from ipgrs.catalog import services
from ipgrs.catalog.models import Post
from ipgrs.cli import main
from ipgrs.grievances import services as grievances
from ipgrs.officers.models import Posting
from tests.conftest import CONFIG
from tests.factories import make_citizen, rtc_filing


def invoke(app, *args):
    result = app.test_cli_runner().invoke(main, list(args), catch_exceptions=False)
    return result


def test_export_then_publish_is_a_no_op(app, db_session, tmp_path):
    latest = services.latest_version(db_session)
    result = invoke(app, "config", "export", str(tmp_path / "export"))
    assert result.exit_code == 0, result.stdout
    assert re.match(rf"exported version {latest.id} \({latest.content_hash[:12]}, published .* by tests\): "
                    rf"{len(latest.snapshot['files'])} department files and jurisdictions.yaml", result.stdout)
    for path in (CONFIG / "departments").glob("*.yaml"):
        assert (tmp_path / "export" / "departments" / path.name).read_bytes() == path.read_bytes()
    assert rules.load_directory(tmp_path / "export").version == latest.content_hash

    result = invoke(app, "config", "publish", str(tmp_path / "export"), "-m", "round trip")
    assert result.exit_code == 0 and result.stdout.startswith(f"unchanged: version {latest.id} already has this content")
    assert services.latest_version_id(db_session) == latest.id


def test_export_writes_the_latest_published_version(app, db_session, tmp_path, config_dir):
    rev = config_dir / "departments" / "rev.yaml"
    rev.write_text(rev.read_text(encoding="utf-8").replace("    assign: SPL_TAHSILDAR\n", "    assign: AC\n"), encoding="utf-8")
    result = invoke(app, "config", "publish", str(config_dir), "-m", "AC takes Bengaluru land records")
    assert result.exit_code == 0 and result.stdout.startswith("published version")
    assert invoke(app, "config", "export", str(tmp_path / "export")).exit_code == 0
    assert (tmp_path / "export" / "departments" / "rev.yaml").read_text(encoding="utf-8") == rev.read_text(encoding="utf-8")
    assert rules.load_directory(tmp_path / "export").version == services.latest_version(db_session).content_hash


def test_export_refuses_a_directory_with_other_department_files(app, db_session, tmp_path):
    (tmp_path / "export" / "departments").mkdir(parents=True)
    (tmp_path / "export" / "departments" / "old.yaml").write_text("code: OLD\n")
    result = invoke(app, "config", "export", str(tmp_path / "export"))
    assert result.exit_code == 1 and "not in the published version (old.yaml)" in result.stderr
    assert not (tmp_path / "export" / "jurisdictions.yaml").exists()


def test_simulate_prints_counts_and_examples(app, db_session, config_dir):
    with clock.travel(timedelta(days=4 * 365 + 30)):
        citizen = make_citizen(db_session)
        filed = [grievances.file_grievance(db_session, citizen, rtc_filing()) for _ in range(2)]
        day = clock.now().astimezone(ZoneInfo("Asia/Kolkata")).date().isoformat()  # an Indian day, as the CLI reads it
    rev = config_dir / "departments" / "rev.yaml"
    rev.write_text(rev.read_text(encoding="utf-8").replace("    assign: SPL_TAHSILDAR\n", "    assign: AC\n"), encoding="utf-8")

    result = invoke(app, "config", "simulate", str(config_dir), "--since", day, "--until", day)
    assert result.exit_code == 0, result.stdout
    lines = result.stdout.splitlines()
    assert lines[0] == "REV: 2 grievances of REV re-decided: 2 would change (2 route, 2 timeline, 2 escalation)"
    assert lines[1] == f"  {filed[1].number} REV_RTC_NOT_ISSUED: route, timeline, escalation changed"
    assert lines[2].startswith("    published: SPL_TAHSILDAR (Anekal, Bengaluru Urban), 10/7/5/5 working days, "
                               "SPL_TAHSILDAR → AC → DC → SEC; by 'Bengaluru Urban land records")
    assert lines[3].startswith("    draft:     AC (Bengaluru Urban), 10/7/5 working days, AC → DC → SEC")
    assert "re-deciding REV" in result.stderr  # the progress bar's label (the bar itself is drawn on terminals only)

    result = invoke(app, "config", "simulate", str(config_dir), "--since", day, "--department", "REV", "--limit", "1",
                    "--examples", "0")
    assert result.stdout.splitlines() == ["REV: 1 grievances of REV re-decided: 1 would change (1 route, 1 timeline, 1 escalation)"]
    result = invoke(app, "config", "simulate", str(CONFIG), "--since", day)
    assert result.stdout.startswith("no department differs from the published version")
    result = invoke(app, "config", "simulate", str(config_dir), "--department", "NOPE")
    assert result.exit_code == 1 and "has no department NOPE" in result.stderr


def test_validate_with_coverage(app, db_session):
    dc = db_session.scalar(select(Post).where(Post.code == "DC", Post.department.has(code="REV")))
    db_session.execute(update(Posting).where(Posting.post_id == dc.id).values(active=False))
    db_session.commit()
    result = invoke(app, "config", "validate", "--coverage", str(CONFIG))
    assert result.exit_code == 0, result.stdout
    assert "coverage: REV DC (district): no officer in 31 of 31 districts (Bagalkote, Ballari, Belagavi, " in result.stdout
    assert result.stdout.splitlines()[-1].startswith("OK: ")
