"""`ipgrs db upgrade` builds the whole schema from the migrations on both databases, and the models agree with it."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import sqlalchemy as sa

IPGRS = str(Path(sys.executable).parent / "ipgrs")


def upgrade(database_url: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, DATABASE_URL=database_url, SECRET_KEY="migration-test")
    return subprocess.run([IPGRS, "db", "upgrade"], capture_output=True, text=True, env=env, timeout=300)


def assert_schema_matches_models(url: str):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from flask_appbuilder import Model

    import ipgrs.models  # noqa: F401

    engine = sa.create_engine(url)
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Model.metadata)
        tables = set(sa.inspect(conn).get_table_names())
        roles = {r[0] for r in conn.execute(sa.text("SELECT name FROM ab_role"))}
        permissions = conn.execute(sa.text("SELECT count(*) FROM ab_permission_view")).scalar()
    engine.dispose()
    assert diff == [], f"models and migrations differ: {diff}"
    assert {"ruleset_version", "catalog_grievance_type", "jurisdiction_taluk", "ab_user"} <= tables
    assert {"Admin", "Public"} <= roles
    assert permissions > 0


def test_upgrade_on_a_fresh_sqlite_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    result = upgrade(url)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert_schema_matches_models(url)
    again = upgrade(url)
    assert again.returncode == 0, again.stderr[-2000:]


def test_upgrade_on_a_fresh_postgresql_database(postgres_server_url):
    server_url, admin = postgres_server_url
    name = f"ipgrs_migrate_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        url = sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
        result = upgrade(url)
        assert result.returncode == 0, result.stderr[-2000:]
        assert_schema_matches_models(url)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def test_production_settings_require_a_secret_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'x.db'}"
    result = subprocess.run([IPGRS, "db", "upgrade"], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
    assert "Traceback" not in result.stderr
