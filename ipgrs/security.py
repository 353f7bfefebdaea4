"""FAB's security manager with one correction to its JWT login API (POST /api/v1/security/login), and a guard on
FAB's model views' action routes."""
from __future__ import annotations

from flask import abort, current_app, request
from flask_appbuilder.api import safe
from flask_appbuilder.const import API_SECURITY_PROVIDER_DB
from flask_appbuilder.security.api import SecurityApi as FabSecurityApi
from flask_appbuilder.security.sqla.manager import SecurityManager as FabSecurityManager
from flask_appbuilder.views import expose


class SecurityApi(FabSecurityApi):
    @expose("/login", methods=["POST"])
    @safe
    def login(self):
        # FAB's login schema makes `provider` optional and its code then reads it unconditionally: a login without
        # it was a 500 (KeyError, found by the API fuzzer). Without a provider, the login is checked against the
        # database, the only one ipgrs has (AUTH_DB). The JSON is parsed once and cached, so the default is what
        # FAB's login reads.
        body = request.get_json(silent=True)
        if isinstance(body, dict):
            body.setdefault("provider", API_SECURITY_PROVIDER_DB)
        return super().login()

    login.__doc__ = FabSecurityApi.login.__doc__  # the operation's OpenAPI declaration


def login_rate_limit() -> str:
    """Read at every request (LOGIN_RATE_LIMIT), so a deployment, and a test, can change it."""
    return current_app.config["LOGIN_RATE_LIMIT"]


class SecurityManager(FabSecurityManager):
    security_api = SecurityApi

    @property
    def auth_rate_limit(self):
        return login_rate_limit


def install(app) -> None:
    """The login rate limit on FAB's JWT login too, and a guard on FAB's model views' action routes."""
    sm = app.appbuilder.sm
    if sm.is_auth_limited:
        # FAB limits its login form only; the JWT login takes the same passwords, so it gets the same limit.
        sm.limiter.limit(login_rate_limit, methods=["POST"])(app.blueprints["SecurityApi"])

    @app.before_request
    def unknown_fab_action():
        """FAB's list and show views run "actions" (/<view>/action/<name>/<pk>, /<view>/action_post) without
        checking that the view has the action: an unknown name raised AttributeError before any permission check,
        a 500 for anyone holding a CSRF token, the anonymous included (tests/security/test_access_control.py). An
        action the view does not have is a 404, as any unknown address."""
        endpoint = request.endpoint or ""
        if not endpoint.endswith((".action", ".action_post")):
            return None
        view = getattr(app.view_functions.get(endpoint), "__self__", None)
        known = getattr(view, "actions", None)
        if known is None:
            return None
        name = (request.view_args or {}).get("name") if endpoint.endswith(".action") else request.form.get("action")
        if name not in known:
            abort(404)
        return None
