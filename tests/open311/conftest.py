"""A live test server for the Open311 client, API keys, and grievances to read."""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server


@pytest.fixture(scope="module")
def live_server(app):
    """The test app served over HTTP on a free port, in a thread. Its requests use the session of the
    test that is running (db_session binds the app's scoped session to the test's transaction)."""
    server = make_server("127.0.0.1", 0, app, threaded=False)
    thread = threading.Thread(target=server.serve_forever, name="open311-live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def georeport(live_server, db_session):
    from georeport import GeoReport

    return GeoReport(f"{live_server}/open311/v2", jurisdiction="karnataka.gov.in")


@pytest.fixture
def api_key(db_session):
    from ipgrs.open311 import services

    raw, _ = services.issue_key(db_session, "Namma Bengaluru test app", "dev@example.invalid")
    return raw
