"""The one place that reads the environment. Everything else asks the Flask config."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("IPGRS_INSTANCE_DIR", ROOT / "instance"))


class SettingsError(RuntimeError):
    pass


def from_environment(env=os.environ) -> dict:
    """Flask config for the process. Without DATABASE_URL it is the embedded default: SQLite under
    instance/, Celery tasks run in-process, and a generated SECRET_KEY kept in instance/."""
    database_url = env.get("DATABASE_URL")
    embedded = not database_url
    if embedded:
        INSTANCE.mkdir(parents=True, exist_ok=True)
        database_url = f"sqlite:///{INSTANCE / 'ipgrs.db'}"
    elif database_url.startswith("postgresql://") or database_url.startswith("postgres://"):
        database_url = "postgresql+psycopg://" + database_url.split("://", 1)[1]
    secret = env.get("SECRET_KEY")
    if not secret:
        if not embedded:
            raise SettingsError("SECRET_KEY must be set when DATABASE_URL is (production); generate one with: "
                                "python -c 'import secrets; print(secrets.token_hex(32))'")
        secret = _instance_secret()
    broker = env.get("CELERY_BROKER_URL") or None
    return {
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "IPGRS_EMBEDDED": embedded,
        "IPGRS_CONFIG_DIR": env.get("IPGRS_CONFIG_DIR", str(ROOT / "config")),
        "IPGRS_RULES_REFRESH_SECONDS": float(env.get("IPGRS_RULES_REFRESH_SECONDS", "2")),
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": env.get("CELERY_RESULT_BACKEND") or None,
        "CELERY_TASK_ALWAYS_EAGER": broker is None,
        "PORT": int(env.get("PORT", "5000")),
    }


def _instance_secret() -> str:
    path = INSTANCE / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()


def test_database_url(env=os.environ) -> str:
    return env.get("IPGRS_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")


def services_required(env=os.environ) -> bool:
    return bool(env.get("IPGRS_REQUIRE_SERVICES")) or env.get("CI", "").lower() in ("1", "true", "yes")


def redis_url(env=os.environ) -> str:
    return env.get("IPGRS_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def from_environment_safe_config_dir(env=os.environ) -> str:
    """The config directory, without building the rest of the settings (validate needs no secret)."""
    return env.get("IPGRS_CONFIG_DIR", str(ROOT / "config"))
