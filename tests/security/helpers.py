"""Walking the app's url_map: every rule with its methods, filled with harmless values, and what counts as a refusal."""
from __future__ import annotations

import re

# Values for path arguments: well-formed, naming nothing that exists (a refusal must not depend on a lucky miss;
# the role-pair tests in test_access_control.py use real grievances and departments).
_ARGUMENTS = {"int": "999999", "path": "nothing.txt", "string": "nothing", "default": "NOTHING"}


def url_for_rule(rule) -> str:
    def fill(match):
        converter = match.group(1) or "default"
        return _ARGUMENTS.get(converter, _ARGUMENTS["default"])

    return re.sub(r"<(?:(\w+)(?:\([^)]*\))?:)?\w+>", fill, rule.rule)


def rules_of(app, methods=("GET", "POST", "PUT", "DELETE", "PATCH")):
    """(endpoint, method, url) for every rule and method of the app, sorted, HEAD and OPTIONS left out."""
    out = []
    for rule in app.url_map.iter_rules():
        for method in sorted(rule.methods & set(methods)):
            out.append((rule.endpoint, method, url_for_rule(rule)))
    return sorted(set(out))


def refusal(response) -> str | None:
    """How the app refused the request, or None when it did not: a redirect to a login page, 401, 403 or 404."""
    if response.status_code in (401, 403, 404):
        return str(response.status_code)
    if response.status_code == 302 and "/login" in response.headers.get("Location", ""):
        return "login"
    return None


def send(client, method: str, url: str, **kwargs):
    return client.open(url, method=method, **kwargs)
