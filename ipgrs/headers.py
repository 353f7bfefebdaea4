"""Security headers on every response: what the browser may load and run, framing, sniffing, referrers, and
HSTS when the request came over HTTPS (the reverse proxy terminates TLS; docs/deployment.md).

Everything the pages use is served by ipgrs itself (front-end packages are vendored, the deployment may be
offline), so the policy allows this origin only. No inline script runs unless it carries this response's nonce:
Flask-AppBuilder's templates put `csp_nonce()` on each of their script tags, and ipgrs's own templates have no
inline script (their JSON data blocks are not run), so a script injected into a page is refused by the browser even
if it got past Jinja's escaping. Inline styles stay allowed: FAB's templates use style attributes."""
from __future__ import annotations

import secrets

from flask import g, request

POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'{nonce}",
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


def csp_nonce() -> str:
    """This response's nonce for inline scripts (FAB's templates call it), made when a template first asks."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(18)
    return g.csp_nonce


def policy() -> str:
    nonce = g.get("csp_nonce")
    return POLICY.format(nonce=f" 'nonce-{nonce}'" if nonce else "")


def install(app) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce

    @app.after_request
    def _security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", policy())
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(self), payment=()")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response
