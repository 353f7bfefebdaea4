"""The layers point one way: rules/ knows nothing of the platform, and only rules/ touches durable-rules."""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def python_files(*folders):
    for folder in folders:
        yield from (ROOT / folder).rglob("*.py")


def test_rules_does_not_import_the_platform():
    offenders = {str(p.relative_to(ROOT)): sorted(n for n in imports_of(p) if n.split(".")[0] in ("ipgrs", "flask", "flask_appbuilder", "sqlalchemy", "plugins"))
                 for p in python_files("rules")}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_only_rules_imports_durable():
    offenders = [str(p.relative_to(ROOT)) for p in python_files("ipgrs", "plugins", "bench", "tests")
                 if any(n.split(".")[0] in ("durable", "durable_rules_engine") for n in imports_of(p))]
    offenders += [str(p) for p in [ROOT / "app.py"] if any(n.startswith("durable") for n in imports_of(p))]
    assert offenders == []


def test_the_layer_checks_can_fail(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("import durable_rules_engine\nfrom ipgrs.catalog import services\n")
    assert {"durable_rules_engine", "ipgrs.catalog"} <= imports_of(sample)
