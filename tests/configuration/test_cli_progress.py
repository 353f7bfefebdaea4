"""`ipgrs config publish` and `ipgrs officers import` on a real PostgreSQL database: progress on the terminal,
and the whole-catalogue publish is in the configuration log; an unchanged directory at start-up does not undo
what the editor published."""
from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
import yaml

from tests.conftest import CONFIG, cli_database

IPGRS = str(Path(sys.executable).parent / "ipgrs")


def run(url, *args):
    """The command with its stderr on a pseudo-terminal, as an operator sees it (click draws bars on terminals only)."""
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY="cli-progress-secret-key-for-the-tests", COLUMNS="120")
    master, slave = pty.openpty()
    with subprocess.Popen([IPGRS, *args], stdout=subprocess.PIPE, stderr=slave, env=env) as process:
        os.close(slave)
        chunks = []
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the command has exited and closed the terminal
                break
            if not chunk:
                break
            chunks.append(chunk)
        stdout = process.stdout.read().decode()
        process.wait(timeout=300)
    os.close(master)
    return subprocess.CompletedProcess(args, process.returncode, stdout, b"".join(chunks).decode(errors="replace"))


def officers_csv(tmp_path, rows: int) -> Path:
    juris = yaml.safe_load((CONFIG / "jurisdictions.yaml").read_text(encoding="utf-8"))
    places = [(d["name"]["en"], t["en"]) for d in juris["districts"] for t in d["taluks"]][:rows]
    assert len(places) == rows
    lines = ["department,post,district,taluk,name,mobile,email"]
    lines += [f"REV,TAHSILDAR,{d},{t},Tahsildar {i},98450{i:05d}," for i, (d, t) in enumerate(places)]
    path = tmp_path / "officers.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_publish_and_import_show_progress_and_publishes_are_logged(postgres_server_url, tmp_path):
    with cli_database(postgres_server_url, "ipgrs_cli5") as url:
        published = run(url, "config", "publish", str(CONFIG), "-m", "release 1")
        assert published.returncode == 0, published.stderr[-2000:]
        assert "publishing" in published.stderr and "4/4" in published.stderr
        assert published.stdout.startswith("published version 1: 44 departments")

        imported = run(url, "officers", "import", str(officers_csv(tmp_path, 150)))
        assert imported.returncode == 0, imported.stderr[-2000:]
        assert "importing" in imported.stderr and "150/150" in imported.stderr
        assert imported.stdout.startswith("imported 150 rows: officers 150 created")

        broken = tmp_path / "config"
        (broken / "departments").mkdir(parents=True)
        (broken / "jurisdictions.yaml").write_bytes((CONFIG / "jurisdictions.yaml").read_bytes())
        (broken / "departments" / "bad.yaml").write_text("code: BAD\nname: {en: x}\n", encoding="utf-8")
        refused = run(url, "config", "publish", str(broken))
        assert refused.returncode == 1 and "bad.yaml:2:" in refused.stdout
        assert "the published version keeps serving" in refused.stderr

        engine = sa.create_engine(url)
        with engine.connect() as conn:
            log = conn.execute(sa.text("SELECT action, department_code, version_id, author, message FROM config_change")).all()
            versions = conn.execute(sa.text("SELECT count(*) FROM ruleset_version")).scalar()
        engine.dispose()
        assert log == [("publish_all", None, 1, "cli", "release 1")] and versions == 1
