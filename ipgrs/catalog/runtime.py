"""The rules engine of this process, kept in step with the latest published version in the database."""
from __future__ import annotations

import logging
import threading
import time

from sqlalchemy.orm import Session

import rules

from . import services

log = logging.getLogger(__name__)


class RulesRuntime:
    def __init__(self, refresh_seconds: float = 2.0):
        self.engine = rules.Engine()
        self.version_id: int | None = None
        self._ids_by_hash: dict[str, int] = {}
        self.refresh_seconds = refresh_seconds
        self._checked_at = 0.0
        self._lock = threading.Lock()

    @property
    def catalogue(self) -> rules.Catalogue | None:
        return self.engine.catalogue

    def current(self, session: Session) -> rules.Catalogue | None:
        """The latest published catalogue (refreshed first: a new process has none until its first refresh)."""
        self.refresh(session)
        return self.engine.catalogue

    def refresh(self, session: Session, force: bool = False) -> None:
        """Loads a newer published version if there is one; cheap when called often (one indexed query,
        at most every `refresh_seconds`)."""
        now = time.monotonic()
        # Until a first version is loaded every caller goes on (and waits for the loading thread at the lock below):
        # a request that came in while another thread loads must not find no catalogue at all.
        if not force and self.version_id is not None and now - self._checked_at < self.refresh_seconds:
            return
        self._checked_at = now
        latest_id = services.latest_version_id(session)
        if latest_id is None or latest_id == self.version_id:
            return
        with self._lock:
            if latest_id == self.version_id:
                return
            row = session.get(services.m.RulesetVersion, latest_id)
            try:
                catalogue = services.catalogue_from_snapshot(row.snapshot)
            except rules.ConfigInvalid as exc:
                log.error("published version %s does not load; keeping version %s: %s", latest_id, self.version_id, exc)
                return
            try:
                self._load(latest_id, catalogue)
            except Exception:  # noqa: BLE001 - the engine refused to compile it: keep serving the version we have
                log.exception("published version %s does not compile; keeping version %s", latest_id, self.version_id)

    def adopt(self, version_id: int, catalogue: rules.Catalogue) -> None:
        """Loads a version this process has just published and built already (saves building it again)."""
        with self._lock:
            if self.version_id is None or version_id > self.version_id:
                self._load(version_id, catalogue)

    def _load(self, version_id: int, catalogue: rules.Catalogue) -> None:
        self._ids_by_hash[catalogue.version] = version_id
        self.engine.publish(catalogue)
        self.version_id = version_id
        log.info("rules engine now at version %s (%s)", version_id, catalogue.summary())

    def decide(self, facts) -> rules.Decision:
        from ..observability import RULE_DECISIONS

        try:
            decision = self.engine.decide(facts)
        except rules.NoRuleMatched:
            RULE_DECISIONS.labels("", "no_rule_matched").inc()
            raise
        RULE_DECISIONS.labels(decision.department, "routed").inc()
        return decision

    def version_id_for(self, decision: rules.Decision) -> int:
        """The published version row that made a decision (decisions carry the catalogue's content hash)."""
        return self._ids_by_hash[decision.version]
