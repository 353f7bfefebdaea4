"""FAB's JWT login, token errors and odd paths as ipgrs answers them: what the API fuzzer found, pinned down."""
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


@pytest.mark.parametrize("app", ["postgresql"], indirect=True)
def test_a_nul_in_an_api_path_is_a_404_not_a_500(client, db_session):
    """PostgreSQL refuses NUL in a query's text; no number or code has one (found by the API fuzzer on PostgreSQL)."""
    from ipgrs.citizens import services as citizens
    from tests.factories import make_citizen
    from tests.officers.helpers import api_token

    citizen_token, _ = citizens.issue_token(db_session, make_citizen(db_session))
    db_session.commit()
    for url, token in (("/api/v1/grievances/AB%00C", citizen_token),
                       ("/api/v1/officer/grievances/AB%00C", api_token(client, "spl_tahsildar")),
                       ("/api/v1/config/departments/RE%00V", api_token(client, "admin"))):
        response = client.get(url, headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 404 and response.get_json()["message"], (url, response.data[:300])


def test_a_nul_byte_in_any_query_or_path_is_refused_before_any_query(client):
    """Refused once for the whole platform: the pages, the catalogue search and the dashboards alike."""
    search = client.get("/api/v1/catalog/search?q=rt%00c")
    assert search.status_code == 400 and search.get_json()["errors"] == {"q": ["q: not a valid value."]}
    page = client.get("/transparency?department=RE%00V")
    assert page.status_code == 400 and b"department: not a valid value." in page.data and b"Traceback" not in page.data
    assert client.get("/citizen/grievances/KA%00").status_code == 404
