"""`ipgrs config validate` as nodal officers run it: the real console script, exit codes and output lines."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import department, write_config

IPGRS = str(Path(sys.executable).parent / "ipgrs")
LINE = re.compile(r"^(?P<file>[^:]+\.ya?ml):(?P<line>\d+):(?P<col>\d+): (?P<message>.+?)( \(at (?P<path>.+)\))?$")


def run(*args, env=None):
    environment = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "SECRET_KEY")}
    environment.update(env or {})
    return subprocess.run([IPGRS, *args], capture_output=True, text=True, env=environment, timeout=120)


WARNING = re.compile(r"^(?P<file>[^:]+\.ya?ml):(?P<line>\d+):(?P<col>\d+): warning: (?P<message>.+) "
                     r"\[(?P<kind>shadowed|overlap|gap|chain-below-state)\]$")


def test_validate_the_shipped_catalogue():
    result = run("config", "validate", "config")
    assert result.returncode == 0, result.stdout + result.stderr
    *warnings, ok = result.stdout.splitlines()
    assert all(WARNING.match(w) for w in warnings), warnings
    suffix = f"; {len(warnings)} warnings" if warnings else ""
    assert re.fullmatch(r"OK: \d+ departments, \d+ services, \d+ grievance types, \d+ routing rules, 31 districts "
                        r"\(version [0-9a-f]{12}\)" + re.escape(suffix), ok)


def test_validate_shows_the_rule_analysis_as_warnings(tmp_path):
    from tests.factories import dump

    d = department()
    d["routing"].append({"name": "Never reached", "when": {"service": "PENSION"}, "assign": "DO"})
    text = dump(d)
    root = write_config(tmp_path, {"tst.yaml": text})
    result = run("config", "validate", str(root))
    assert result.returncode == 0, result.stdout + result.stderr
    warning, ok = result.stdout.splitlines()
    match = WARNING.match(warning)
    assert match["kind"] == "shadowed" and match["file"].endswith("tst.yaml")
    assert int(match["line"]) == next(i for i, l in enumerate(text.splitlines(), 1) if "Never reached" in l)
    assert match["message"].startswith("Rule 4 'Never reached' can never fire: rule 2 'Senior citizens' pensions go to the district' "
                                       "and rule 3 'Everything else goes to the taluk' between them always match first")
    assert ok.startswith("OK: 1 departments") and ok.endswith("; 1 warning")


def test_validate_shows_warnings_of_sound_files_after_the_errors(tmp_path):
    shadowed = department(code="SHD", routing=department()["routing"][::-1])
    for s in shadowed["services"]:
        for g in s["grievances"]:
            g["code"] = "SHD_" + g["code"]
    broken = department()
    broken["routing"][0]["assign"] = "NOBODY"
    root = write_config(tmp_path, {"broken.yaml": broken, "shd.yaml": shadowed})
    result = run("config", "validate", str(root))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert LINE.match(lines[0]) and "'NOBODY' is not a post of TST" in lines[0]
    assert [WARNING.match(l)["kind"] for l in lines[1:]] == ["shadowed", "shadowed"]
    assert result.stderr.strip() == "1 error in 1 file"


def test_validate_defaults_to_ipgrs_config_dir(tmp_path):
    root = write_config(tmp_path, {"tst.yaml": department()})
    result = run("config", "validate", env={"IPGRS_CONFIG_DIR": str(root)})
    assert result.returncode == 0 and result.stdout.startswith("OK: 1 departments, 2 services, 3 grievance types")


BROKEN = {
    "syntax.yaml": "code: SYN\nname: {en: x\n",
    "empty.yaml": "",
    "latin1.yaml": "code: LAT\nname: caf\xe9\n".encode("latin-1"),
    "dupkey.yaml": "code: DUP\ncode: DUP2\n",
    "alias.yaml": "code: ALI\nname: &n {en: a, kn: b}\nother: *n\n",
    "tag.yaml": "code: !!python/object/apply:os.system ['true']\n",
    "huge.yaml": b"# " + b"x" * (1024 * 1024) + b"\n",
}


def test_every_error_kind_is_one_line_with_file_and_line(tmp_path):
    root = write_config(tmp_path, {})
    for name, content in BROKEN.items():
        path = root / "departments" / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
    typo = department(code="TYP")
    typo["services"][0]["grievances"][0]["form"][0]["tpye"] = typo["services"][0]["grievances"][0]["form"][0].pop("type")
    for s in typo["services"]:
        for g in s["grievances"]:
            g["code"] = "TYP_" + g["code"]
    (root / "departments" / "typo.yaml").write_text(__import__("tests.factories").factories.dump(typo), encoding="utf-8")

    result = run("config", "validate", str(root))
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stdout.splitlines()
    parsed = [LINE.match(line) for line in lines]
    assert all(parsed), [l for l, p in zip(lines, parsed) if not p]
    by_file = {Path(p["file"]).name: p for p in parsed}
    assert set(by_file) == set(BROKEN) | {"typo.yaml"}
    assert "YAML syntax error" in by_file["syntax.yaml"]["message"]
    assert "file is empty" in by_file["empty.yaml"]["message"]
    assert "not UTF-8" in by_file["latin1.yaml"]["message"] and by_file["latin1.yaml"]["line"] == "2"
    assert "duplicate key 'code'" in by_file["dupkey.yaml"]["message"] and by_file["dupkey.yaml"]["line"] == "2"
    assert "anchors" in by_file["alias.yaml"]["message"]
    assert "tag 'tag:yaml.org,2002:python/object/apply:os.system' is not allowed" in by_file["tag.yaml"]["message"]
    assert "the limit is 1,048,576 bytes" in by_file["huge.yaml"]["message"]
    typo_lines = [p for p in parsed if p["file"].endswith("typo.yaml")]
    assert any("'tpye' is not a valid key here; did you mean 'type'?" in p["message"]
               and p["path"] == "services[0].grievances[0].form[0].tpye" for p in typo_lines)
    assert any("required key 'type' not provided" in p["message"] for p in typo_lines)
    assert result.stderr.strip() == f"{len(lines)} errors in {len(BROKEN) + 1} files"


def test_missing_directory_is_a_clear_error(tmp_path):
    result = run("config", "validate", str(tmp_path / "nope"))
    assert result.returncode == 1
    assert result.stderr.strip().endswith("nope: no such directory")


@pytest.mark.parametrize("args", [("config", "validate", "--help"), ("--help",)])
def test_help_works_without_a_database(args):
    result = run(*args)
    assert result.returncode == 0 and "Usage:" in result.stdout
