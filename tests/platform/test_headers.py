"""Security headers on every kind of response, HSTS only over HTTPS, and the proxy's forwarded headers trusted
only when IPGRS_PROXY_HOPS says so."""
from __future__ import annotations

import pytest

from ipgrs import settings


@pytest.mark.parametrize("path", ["/", "/citizen/login", "/login/", "/transparency", "/api/v1/catalog/departments",
                                  "/no/such/page", "/live"])
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src ")[1].split(";")[0]  # inline script only with the nonce
    assert "http:" not in csp and "https:" not in csp  # nothing from another origin: no CDN
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in headers  # plain HTTP: HSTS would be ignored, and wrong on make run


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
@pytest.mark.parametrize("method, path", [
    ("GET", "/grievances"),                         # a redirect to the login
    ("POST", "/citizen/login"),                     # a form refused for its missing CSRF token (400)
    ("GET", "/api/v1/me"),                          # a JSON 401
    ("PUT", "/citizen/login"),                      # 405
    ("GET", "/officerview/list/"),                  # FAB's page, redirecting to its login
    ("GET", "/open311/v2/services.json"),           # Open311's JSON
    ("GET", "/open311/v2/requests/NOPE.json"),      # Open311's 404 list
    ("GET", "/static/portal/portal.js"),            # a static file
    ("GET", "/metrics"),                            # Prometheus text
    ("GET", "/citizen/login?next=/x%0d%0a"),        # a refused argument (400)
])
def test_every_kind_of_response_carries_the_security_headers(client, method, path):
    response = client.open(path, method=method)
    headers = response.headers
    csp = headers["Content-Security-Policy"]
    script_src = csp.split("script-src ")[1].split(";")[0]
    assert "'unsafe-inline'" not in script_src and "default-src 'self'" in csp and "frame-ancestors 'none'" in csp, path
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff", path
    assert headers["Referrer-Policy"] == "same-origin", path


def test_hsts_over_https_only(client):
    assert "max-age=31536000" in client.get("/live", base_url="https://ipgrs.example").headers["Strict-Transport-Security"]


def test_forwarded_headers_are_trusted_only_when_configured():
    env = {"DATABASE_URL": "postgresql://db/ipgrs", "SECRET_KEY": "s"}
    assert settings.from_environment(env)["PROXY_HOPS"] == 0
    assert settings.from_environment({**env, "IPGRS_PROXY_HOPS": "1"})["PROXY_HOPS"] == 1


@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
def test_behind_one_proxy_the_citizens_address_and_https_come_from_it(app, monkeypatch):
    from flask import request
    from werkzeug.middleware.proxy_fix import ProxyFix

    from ipgrs import create_app
    from tests.conftest import CONFIG

    proxied = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"], "TESTING": True,
                          "IPGRS_CONFIG_DIR": str(CONFIG), "PROXY_HOPS": 1})
    assert isinstance(proxied.wsgi_app, ProxyFix)
    seen = {}

    @proxied.get("/_test_remote")
    def remote():
        seen.update(addr=request.remote_addr, secure=request.is_secure)
        return "ok"

    response = proxied.test_client().get("/_test_remote", headers={"X-Forwarded-For": "203.0.113.9",
                                                                    "X-Forwarded-Proto": "https"})
    assert seen == {"addr": "203.0.113.9", "secure": True}
    assert "Strict-Transport-Security" in response.headers
    assert not isinstance(app.wsgi_app, ProxyFix)  # without the setting a forwarded header changes nothing
