"""FAB's security manager with one correction to its JWT login API (POST /api/v1/security/login)."""
from __future__ import annotations

from flask import request
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


class SecurityManager(FabSecurityManager):
    security_api = SecurityApi
