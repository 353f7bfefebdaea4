"""The CPGRAMS simulator as a real HTTP server on a free port, and the plugin pointed at it with short timeouts."""
from __future__ import annotations

import pytest

from plugins.cpgrams.simulator import Simulator

FAST = {"CPGRAMS_TIMEOUT_SECONDS": "0.5", "CPGRAMS_PAGE_SIZE": "2", "CPGRAMS_MAX_PAGES": "50",
        "CPGRAMS_MAX_ATTEMPTS": "3", "CPGRAMS_RETRY_BASE_SECONDS": "0", "CPGRAMS_RETRY_MAX_SECONDS": "0",
        "CPGRAMS_PUSH_SECRET": "push-secret-for-the-tests"}


@pytest.fixture
def simulator():
    sim = Simulator().start()
    yield sim
    sim.stop()


@pytest.fixture
def cpgrams(app, simulator, monkeypatch):
    """The plugin configured for the simulator (its settings are read from the app config at every use)."""
    for key, value in {**FAST, "CPGRAMS_BASE_URL": simulator.url}.items():
        monkeypatch.setitem(app.config, key, value)
    return simulator
