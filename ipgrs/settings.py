"""The one place that reads the environment. Everything else asks the Flask config."""
from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = Path(os.environ.get("IPGRS_INSTANCE_DIR", ROOT / "instance"))

# Attachments of a grievance; IPGRS_ATTACHMENT_* override them.
ATTACHMENT_MAX_FILES = 5
ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
ATTACHMENT_DIR = str(INSTANCE / "uploads")  # outside the web root: files are served only through a view that checks access


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
    sms = _sms_settings(env)
    return {
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "IPGRS_EMBEDDED": embedded,
        "IPGRS_CONFIG_DIR": env.get("IPGRS_CONFIG_DIR", str(ROOT / "config")),
        "IPGRS_RULES_REFRESH_SECONDS": float(env.get("IPGRS_RULES_REFRESH_SECONDS", "2")),
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": env.get("CELERY_RESULT_BACKEND") or None,
        "CELERY_TASK_ALWAYS_EAGER": broker is None,
        # Where the staff login rate limit counts: shared by every process through Redis when the broker is Redis.
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI")
        or (broker if broker and broker.startswith(("redis://", "rediss://")) else "memory://"),
        **sms,
        "ATTACHMENT_DIR": env.get("IPGRS_ATTACHMENT_DIR") or ATTACHMENT_DIR,
        "ATTACHMENT_MAX_FILES": int(env.get("IPGRS_ATTACHMENT_MAX_FILES", ATTACHMENT_MAX_FILES)),
        "ATTACHMENT_MAX_BYTES": int(env.get("IPGRS_ATTACHMENT_MAX_BYTES", ATTACHMENT_MAX_BYTES)),
        "PORT": int(env.get("PORT", "5000")),
        "IPGRS_CLOCK_FILE": env.get("IPGRS_CLOCK_FILE") or None,  # tests and demos only: see ipgrs/clock.py
        # Where citizens reach the portal: links in SMS (feedback) are built on it.
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL") or f"http://127.0.0.1:{env.get('PORT', '5000')}",
        # The escalation sweep works in batches, each one transaction; a pause between batches spares a busy database.
        "ESCALATION_BATCH_SIZE": int(env.get("IPGRS_ESCALATION_BATCH", "1000")),
        "ESCALATION_BATCH_PAUSE": float(env.get("IPGRS_ESCALATION_PAUSE", "0")),
        # Reverse proxies in front (TLS): their X-Forwarded-For/-Proto are trusted for this many hops, so rate
        # limits see the citizen's address and HSTS the HTTPS; 0 (the default) trusts no forwarded header.
        "PROXY_HOPS": int(env.get("IPGRS_PROXY_HOPS", "0")),
        **_plugin_settings(env),
        **_observability_settings(env),
    }



def _sms_settings(env) -> dict:
    """The notification outbox: SMS to a file (the embedded default) or to an HTTP SMS gateway."""
    provider = (env.get("SMS_PROVIDER") or "log").strip().lower()
    if provider not in ("log", "http"):
        raise SettingsError(f"SMS_PROVIDER must be 'log' or 'http', not {provider!r}")
    url, token = env.get("SMS_GATEWAY_URL") or None, env.get("SMS_GATEWAY_TOKEN") or None
    if provider == "http" and not (url and token):
        raise SettingsError("SMS_PROVIDER=http needs SMS_GATEWAY_URL and SMS_GATEWAY_TOKEN")
    try:
        max_attempts = int(env.get("NOTIFICATION_MAX_ATTEMPTS", "8"))
    except ValueError:
        max_attempts = 0
    if max_attempts < 1:
        raise SettingsError("NOTIFICATION_MAX_ATTEMPTS must be a whole number of at least 1")
    return {
        "SMS_PROVIDER": provider,
        "SMS_GATEWAY_URL": url,
        "SMS_GATEWAY_TOKEN": token,
        "SMS_SENDER_ID": env.get("SMS_SENDER_ID") or "IPGRS",
        "NOTIFICATION_MAX_ATTEMPTS": max_attempts,
        "NOTIFICATION_OUTBOX_LOG": str(INSTANCE / "outbox.log"),  # the developer's "phone" (SMS_PROVIDER=log)
    }


def _observability_settings(env) -> dict:
    """Logs as text or JSON (IPGRS_LOG_FORMAT=json), and who may read /metrics (ipgrs/observability.py)."""
    log_format = (env.get("IPGRS_LOG_FORMAT") or "text").strip().lower()
    if log_format not in ("text", "json"):
        raise SettingsError(f"IPGRS_LOG_FORMAT must be 'text' or 'json', not {log_format!r}")
    networks = env.get("METRICS_ALLOWED_NETWORKS", "127.0.0.0/8,::1/128")
    return {
        "LOG_FORMAT": log_format,
        "METRICS_ALLOWED_NETWORKS": tuple(n.strip() for n in networks.split(",") if n.strip()),
        "METRICS_TOKEN": env.get("METRICS_TOKEN") or None,
        "METRICS_CACHE_SECONDS": float(env.get("METRICS_CACHE_SECONDS", "15")),
    }


def _plugin_settings(env) -> dict:
    """IPGRS_PLUGINS names the enabled plugins (comma-separated; default: the shipped CPGRAMS plugin; empty
    disables all). A plugin's own settings are the environment variables named <PLUGIN>_*, passed through as
    text; the plugin parses them (see docs/plugins.md)."""
    names = tuple(n.strip().lower() for n in env.get("IPGRS_PLUGINS", "cpgrams").split(",") if n.strip())
    prefixes = tuple(f"{n.upper()}_" for n in names)
    passed = {k: v for k, v in env.items() if prefixes and k.startswith(prefixes)}
    return {"IPGRS_PLUGINS": names, **passed}


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


def fuzz_examples(env=os.environ) -> int:
    """Examples per operation and role of the API fuzzer (tests/api/test_fuzz.py): few in `make test`, many in `make fuzz`."""
    return int(env.get("IPGRS_FUZZ_EXAMPLES", "6"))


def fuzz_databases(env=os.environ) -> list[str]:
    """The databases the API fuzzer runs on: SQLite in `make test`; `make fuzz FUZZ_DATABASES=sqlite,postgresql` adds PostgreSQL."""
    return [name.strip() for name in env.get("IPGRS_FUZZ_DATABASES", "sqlite").split(",") if name.strip()]


def from_environment_safe_config_dir(env=os.environ) -> str:
    """The config directory, without building the rest of the settings (validate needs no secret)."""
    return env.get("IPGRS_CONFIG_DIR", str(ROOT / "config"))
