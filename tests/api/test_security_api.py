"""FAB's JWT login and token errors as ipgrs answers them: what the API fuzzer found, pinned down."""
from __future__ import annotations

import pytest

from ipgrs.demo import seed


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
def test_login_without_a_provider_field_errors_as_sentences_and_bad_tokens_are_401(client, db_session):
    seed()
    login = client.post("/api/v1/security/login", json={"username": "admin", "password": "admin"})
    assert login.status_code == 200 and login.get_json()["access_token"]  # was a 500 (KeyError: 'provider')
    wrong = client.post("/api/v1/security/login", json={"username": "admin", "password": "nope"})
    assert wrong.status_code == 401 and wrong.get_json()["message"]
    missing = client.post("/api/v1/security/login", json={"password": "admin"})
    body = missing.get_json()
    assert missing.status_code == 400 and body["message"] == "Please correct the fields listed." and body["errors"]["username"]
    for token in ("not-a-jwt", login.get_json()["access_token"] + "x"):
        refused = client.get("/api/v1/officer/grievances", headers={"Authorization": f"Bearer {token}"})
        assert refused.status_code == 401 and "not valid" in refused.get_json()["message"]  # was flask-jwt-extended's 422
    refresh = client.post("/api/v1/security/refresh", headers={"Authorization": f"Bearer {login.get_json()['access_token']}"})
    assert refresh.status_code == 401 and refresh.get_json()["message"]  # an access token where a refresh token belongs
