"""The plugin's settings: the CPGRAMS_* environment variables that ipgrs/settings.py passes through as text."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class CpgramsSettings:
    base_url: str | None          # CPGRAMS web service; without it nothing is pulled or sent (messages wait)
    username: str | None
    api_key: str | None           # sent as a bearer token
    state_code: str               # the state whose grievances are pulled
    push_secret: str | None       # shared secret of the push endpoint's HMAC; without it the endpoint is closed
    push_window_seconds: int      # how far a push's timestamp may be from our clock
    pull_seconds: float           # the beat interval of the pull
    timeout_seconds: float        # connect/read timeout of every HTTP call
    page_size: int
    max_pages: int                # per pull run, so one run never holds a worker for long
    max_attempts: int             # outbound: after this many failures a message is dead-lettered
    retry_base_seconds: float     # outbound backoff: base * 2^(attempts-1), capped
    retry_max_seconds: float
    mapping_file: str
    simulator: bool               # `make run`: serve the simulator in-process and pull from it (demo only)
    simulator_port: int

    @property
    def configured(self) -> bool:
        return bool(self.base_url)


def _f(config, name, default, kind=float):
    value = config.get(name)
    if value in (None, ""):
        return default
    try:
        return kind(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, not {value!r}") from None


def settings(config) -> CpgramsSettings:
    config_dir = Path(config.get("IPGRS_CONFIG_DIR", "config"))
    return CpgramsSettings(
        base_url=(config.get("CPGRAMS_BASE_URL") or "").rstrip("/") or None,
        username=config.get("CPGRAMS_USERNAME") or None,
        api_key=config.get("CPGRAMS_API_KEY") or None,
        state_code=config.get("CPGRAMS_STATE_CODE") or "KA",
        push_secret=config.get("CPGRAMS_PUSH_SECRET") or None,
        push_window_seconds=_f(config, "CPGRAMS_PUSH_WINDOW_SECONDS", 300, int),
        pull_seconds=_f(config, "CPGRAMS_PULL_SECONDS", 300.0),
        timeout_seconds=_f(config, "CPGRAMS_TIMEOUT_SECONDS", 10.0),
        page_size=_f(config, "CPGRAMS_PAGE_SIZE", 50, int),
        max_pages=_f(config, "CPGRAMS_MAX_PAGES", 20, int),
        max_attempts=_f(config, "CPGRAMS_MAX_ATTEMPTS", 8, int),
        retry_base_seconds=_f(config, "CPGRAMS_RETRY_BASE_SECONDS", 30.0),
        retry_max_seconds=_f(config, "CPGRAMS_RETRY_MAX_SECONDS", 3600.0),
        mapping_file=config.get("CPGRAMS_MAPPING_FILE") or str(config_dir / "plugins" / "cpgrams.yaml"),
        # auto (the default): on in the embedded default when no CPGRAMS_BASE_URL is set; 0 turns it off.
        simulator=_simulator(config),
        simulator_port=_f(config, "CPGRAMS_SIMULATOR_PORT", int(config.get("PORT", 5000)) + 1, int),
    )


def _simulator(config) -> bool:
    value = str(config.get("CPGRAMS_SIMULATOR") or "auto").lower()
    if value == "auto":
        return bool(config.get("IPGRS_EMBEDDED")) and not config.get("CPGRAMS_BASE_URL")
    return value in ("1", "true", "yes", "on")
