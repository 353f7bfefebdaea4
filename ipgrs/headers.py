"""Security headers on every response: what the browser may load and run, framing, sniffing, referrers, and
HSTS when the request came over HTTPS (the reverse proxy terminates TLS; docs/deployment.md).

Everything the pages use is served by ipgrs itself (front-end packages are vendored, the deployment may be
offline), so the policy allows this origin only. Inline scripts and styles stay allowed: Flask-AppBuilder's own
templates use them; what they may reach is still this origin only, and user input is escaped by Jinja."""
from __future__ import annotations

from flask import request

POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "worker-src 'self' blob:",     # the config editor's syntax worker
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))


def install(app) -> None:
    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self), payment=()")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
