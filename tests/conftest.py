"""Shared fixtures: the shipped catalogue, config directories to break, and the app on SQLite and PostgreSQL.

Database tests run once per database (the `app` fixture is parametrised). Each PostgreSQL session gets a
fresh database created for it and dropped afterwards; the schema comes from the Alembic migrations, as in
production. Each test runs inside a transaction that is rolled back (SAVEPOINTs absorb the commits the
services make), so tests see the published catalogue and never each other's writes.
"""
from __future__ import annotations

import contextlib
import shutil
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy import event

import rules
from ipgrs import settings

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "config"


# make test hands whole files to xdist's workers in collection order (--no-loadscope-reorder): the longest files go
# first, so that one of them does not start last and keep a worker busy after the other has finished. Longest first,
# as measured (docs/performance.md, "The suite"); the other files follow, those with the most tests first.
LONGEST_FILES = (
    "tests/configuration/test_concurrency.py", "tests/platform/test_load_with_faults.py",
    "tests/browser/test_officer_flow.py", "tests/browser/test_config_editor.py", "tests/browser/test_citizen_flow.py",
    "tests/platform/test_multiprocess.py", "tests/browser/test_dashboard.py", "tests/api/test_fuzz.py",
    "tests/configuration/test_cli_progress.py", "tests/platform/test_migrations.py", "tests/rules/test_config_fuzz.py",
    "tests/configuration/test_onboarding.py", "tests/catalog/test_config_cli.py", "tests/configuration/test_editor.py",
    "tests/platform/test_celery_worker.py",
)


def pytest_collection_modifyitems(session, config, items):
    counts: dict[str, int] = {}
    for item in items:
        counts[item.nodeid.split("::")[0]] = counts.get(item.nodeid.split("::")[0], 0) + 1

    def rank(item):
        path = item.nodeid.split("::")[0]
        return (LONGEST_FILES.index(path), 0) if path in LONGEST_FILES else (len(LONGEST_FILES), -counts[path])

    items.sort(key=rank)  # stable: a file's tests keep their order


def service_unavailable(what: str, exc: Exception):
    """Skip when a server is absent, unless CI or IPGRS_REQUIRE_SERVICES says it must be there."""
    message = f"{what} unreachable: {exc}"
    if settings.services_required():
        pytest.fail(message + " (required: CI / IPGRS_REQUIRE_SERVICES is set)")
    pytest.skip(message)


@pytest.fixture(scope="session")
def shipped_catalogue() -> rules.Catalogue:
    return rules.load_directory(CONFIG)


@pytest.fixture
def config_dir(tmp_path) -> Path:
    """A copy of the shipped config to modify."""
    target = tmp_path / "config"
    shutil.copytree(CONFIG, target)
    return target


# --- databases ---------------------------------------------------------------------------------

@pytest.fixture(scope="session")
def postgres_server_url():
    url = settings.test_database_url()
    try:
        engine = sa.create_engine(url, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means the server is not usable
        service_unavailable("PostgreSQL at " + url.split("@")[-1], exc)
    return url, engine


@pytest.fixture(scope="session")
def postgres_database(postgres_server_url):
    """A fresh, empty PostgreSQL database for this test session."""
    url, admin = postgres_server_url
    name = f"ipgrs_test_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    yield sa.make_url(url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _sqlite_savepoints(engine):
    # pysqlite's own transaction handling defeats SAVEPOINT; let SQLAlchemy emit BEGIN itself.
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN IMMEDIATE")  # take the write lock up front: no read-to-write upgrade deadlock between threads


@pytest.fixture(autouse=True)
def _celery_bound_to_the_app(request):
    """Celery is one object per process; a test that made another app has bound the tasks to it."""
    if "app" in request.fixturenames:
        from ipgrs import tasks

        app = request.getfixturevalue("app")
        if tasks._flask_app is not app and "ipgrs.celery_conf" in app.extensions:  # not a bare Flask app
            tasks.bind(app)


class FreshContextClient(FlaskClient):
    """Each request in its own app context, as in production. Flask would otherwise reuse the context the
    test has pushed, and `g` (with Flask-WTF's cached CSRF token) would leak from one request to the next."""

    def open(self, *args, **kwargs):
        with self.application.app_context():
            return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def _apps(request, tmp_path_factory):
    """The app per database, built once per test process: pytest would otherwise tear a parametrised session
    fixture down at every switch between the databases (with `--dist loadfile` that is at almost every file)."""
    built = {}

    def get(database: str):
        if database not in built:
            built[database] = _build_app(request, tmp_path_factory, database)
        return built[database]

    yield get
    from ipgrs.extensions import db

    for app in built.values():
        with app.app_context():
            db.engine.dispose()


def _build_app(request, tmp_path_factory, database: str):
    from ipgrs import create_app
    from ipgrs.catalog import services
    from ipgrs.database import upgrade
    from ipgrs.extensions import db
    from ipgrs.officers.seed import seed_officers

    if database == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'ipgrs.db'}"
    else:
        url = request.getfixturevalue("postgres_database")
    files = tmp_path_factory.mktemp(f"files-{database}")
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": url,
        "TESTING": True,
        "IPGRS_CONFIG_DIR": str(CONFIG),
        "IPGRS_RULES_REFRESH_SECONDS": 0,
        "ATTACHMENT_DIR": str(files / "uploads"),
        "NOTIFICATION_OUTBOX_LOG": str(files / "outbox.log"),
        "LOGIN_RATE_LIMIT": "100000 per minute",  # the suite logs in far more often; tests/security/test_rate_limits.py lowers it
    })
    app.config["IPGRS_DATABASE"] = database
    app.test_client_class = FreshContextClient
    with app.app_context():
        if database == "sqlite":
            _sqlite_savepoints(db.engine)
        upgrade()
        services.publish_directory(db.session, CONFIG, author="tests", message="shipped catalogue")
        seed_officers(db.session)
        db.session.remove()
    return app


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def app(request, _apps):
    """The platform on each database, migrated with Alembic and with the shipped catalogue published."""
    return _apps(request.param)


@pytest.fixture
def db_session(app):
    """The app's scoped session, bound for this test to one connection inside a transaction that is rolled back."""
    from flask_sqlalchemy.session import Session as FlaskSession
    from sqlalchemy.orm import sessionmaker

    from ipgrs.extensions import db

    class BoundSession(FlaskSession):
        def get_bind(self, *args, **kwargs):
            return self.bind

    from ipgrs.notifications.services import wait_for_deliveries

    # Every thread's db.session is bound to this test's connection below: an earlier test's background deliveries
    # (the embedded default's threads) must be over first, or they would write inside this test's transaction.
    wait_for_deliveries(30)
    with app.app_context():
        connection = db.engine.connect()
        connection.name = connection.dialect.name  # FAB asks get_bind().name, which an Engine has and a Connection lacks
        outer = connection.begin()
        db.session.remove()
        registry = db.session.registry
        original = registry.createfunc
        registry.createfunc = sessionmaker(class_=BoundSession, db=db, bind=connection,
                                           join_transaction_mode="create_savepoint")
        try:
            yield db.session
        finally:
            db.session.remove()
            registry.createfunc = original
            outer.rollback()
            connection.close()
            app.extensions["ipgrs.rules"].refresh(db.session, force=True)
            db.session.remove()


@pytest.fixture
def client(app, db_session):
    return app.test_client()


# --- real servers for process-level tests (a Celery worker, the CLI) ----------------------------------

def redis_database(number: int) -> str:
    """A flushed Redis database for one test module, or a skip/fail when Redis is unreachable."""
    import redis

    url = settings.redis_url().rsplit("/", 1)[0] + f"/{number}"
    try:
        redis.Redis.from_url(url).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means the server is not usable
        service_unavailable("Redis at " + url, exc)
    redis.Redis.from_url(url).flushdb()
    return url


@contextlib.contextmanager
def cli_database(postgres_server_url, prefix: str, *commands):
    """A fresh PostgreSQL database prepared by the `ipgrs` CLI, as production does it; dropped afterwards."""
    import os
    import subprocess
    import sys

    server_url, admin = postgres_server_url
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    url = sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)
    env = dict(os.environ, DATABASE_URL=url, SECRET_KEY=f"{prefix}-secret-key-for-the-cli-tests")
    try:
        for args in (["db", "upgrade"], *commands):
            result = subprocess.run([str(Path(sys.executable).parent / "ipgrs"), *args], capture_output=True, text=True,
                                    env=env, timeout=300)
            assert result.returncode == 0, result.stderr[-2000:]
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
