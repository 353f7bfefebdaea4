"""The security suite logs in a great deal (every role, on both sides): the demo logins it makes get cheap password
hashes, so its time goes into the requests under test rather than into scrypt. Production keeps FAB's scrypt."""
from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _cheap_password_hashes(request):
    if "app" not in request.fixturenames:
        yield
        return
    app = request.getfixturevalue("app")
    before = app.config.get("FAB_PASSWORD_HASH_METHOD")
    app.config["FAB_PASSWORD_HASH_METHOD"] = "pbkdf2:sha256:1000"
    try:
        yield
    finally:
        if before is None:
            app.config.pop("FAB_PASSWORD_HASH_METHOD", None)
        else:
            app.config["FAB_PASSWORD_HASH_METHOD"] = before
