"""Schemathesis against the platform's own OpenAPI document (/api/v1/_openapi): every operation, as an anonymous
caller, a citizen (bearer token), an officer and the administrator (FAB JWT). No 5xx, no status code, content type
or body the document does not declare, and every API error is JSON with a message. No operation is left out: logout
gets a token of its own, and whatever a call writes is rolled back with the test's transaction.

`make test` runs 6 examples per operation and role (derandomized: the same cases every run), on SQLite only to keep it
under a minute; `make fuzz` runs 200 (IPGRS_FUZZ_EXAMPLES) and can add PostgreSQL (IPGRS_FUZZ_DATABASES); docs/security.md.
"""
from __future__ import annotations

import hypothesis
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from ipgrs import settings
from ipgrs.citizens import services as citizens
from ipgrs.grievances.services import file_grievance
from tests.factories import make_citizen, rtc_filing
from tests.officers.helpers import api_token

FUZZ_EXAMPLES = settings.fuzz_examples()
ROLES = ("anonymous", "citizen", "officer", "admin")


# Answers each role must have had at least once (each operation's label and status code).
REACHED = {
    "anonymous": {("GET /api/v1/catalog/departments", 200), ("GET /api/v1/me", 401),
                  ("GET /api/v1/officer/grievances", 401)},
    "citizen": {("GET /api/v1/me", 200), ("GET /api/v1/grievances", 200), ("GET /api/v1/grievances/{number}", 200),
                ("POST /api/v1/auth/logout", 200), ("GET /api/v1/officer/grievances", 401)},
    "officer": {("GET /api/v1/officer/grievances", 200), ("GET /api/v1/officer/grievances/{number}", 200),
                ("GET /api/v1/config/departments", 403), ("GET /api/v1/me", 401)},
    "admin": {("GET /api/v1/config/departments", 200), ("GET /api/{version}/_openapi", 200),
              ("GET /api/v1/officer/grievances", 403)},
}


def error_is_json_with_a_message(ctx, response, case):
    """Every API error is a JSON object with a message a person can read (ipgrs/errors.py)."""
    if response.status_code < 400:
        return None
    content_type = response.headers.get("content-type", [""])[0]
    assert content_type.startswith("application/json"), f"{response.status_code} answered with {content_type!r}, not JSON"
    body = response.json()
    assert isinstance(body, dict) and isinstance(body.get("message"), str) and body["message"].strip(), \
        f"{response.status_code} without a message: {response.text[:300]}"
    return True


CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          error_is_json_with_a_message]


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def world(app, client, db_session):
    """The demo logins, a citizen with one grievance at the Special Tahsildar of Anekal, and each role's headers."""
    citizen = make_citizen(db_session)
    grievance = file_grievance(db_session, citizen, rtc_filing())
    citizen_token, _ = citizens.issue_token(db_session, citizen)
    logout_token, _ = citizens.issue_token(db_session, citizen)
    db_session.commit()
    headers = {"anonymous": {}, "citizen": _bearer(citizen_token), "officer": _bearer(api_token(client, "spl_tahsildar")),
               "admin": _bearer(api_token(client, "admin"))}
    with app.app_context():
        schema = schemathesis.openapi.from_wsgi("/api/v1/_openapi", app, headers=headers["admin"])
    return {"schema": schema, "headers": headers, "logout": _bearer(logout_token), "number": grievance.number}


def _known_path_parameters(operation, world) -> dict:
    """Path parameters that exist, so the fuzzer reaches past the 404s too."""
    path = operation.path
    known = {}
    if "{number}" in path:
        known["number"] = world["number"]
    if "{code}" in path:
        known["code"] = "REV_RTC_NOT_ISSUED" if "/catalog/" in path else "REV"
    if "{action}" in path:
        known["action"] = "accept"
    if "{version}" in path:
        known["version"] = "v1"
    return known


def _strategy(operation, world):
    modes = [operation.as_strategy(GenerationMode.POSITIVE), operation.as_strategy(GenerationMode.NEGATIVE)]
    known = _known_path_parameters(operation, world)
    if known:
        modes.append(operation.as_strategy(GenerationMode.POSITIVE, path_parameters=known))
    return st.one_of(modes)


def _fuzz(app, operation, strategy, headers, seen: set) -> None:
    def record(ctx, response, case):
        seen.add((operation.label, response.status_code))
        return True

    @hypothesis.settings(max_examples=FUZZ_EXAMPLES, derandomize=True, database=None, deadline=None,
                         phases=[Phase.explicit, Phase.generate, Phase.shrink],
                         suppress_health_check=list(HealthCheck))
    @given(case=strategy)
    def run(case):
        with app.app_context():  # each request in a fresh app context, as FreshContextClient does
            case.call_and_validate(headers=headers, checks=[*CHECKS, record])

    run()


@pytest.mark.parametrize("app", settings.fuzz_databases(), indirect=True)
@pytest.mark.parametrize("role", ROLES)
def test_every_operation_keeps_to_the_document(app, world, role):
    operations = [result.ok() for result in world["schema"].get_all_operations()]
    assert len(operations) >= 20, [op.label for op in operations]
    failures, seen = [], set()
    for operation in operations:
        headers = world["logout"] if operation.label == "POST /api/v1/auth/logout" and role == "citizen" else world["headers"][role]
        try:
            _fuzz(app, operation, _strategy(operation, world), headers, seen)
        except (Exception, schemathesis.errors.FailureGroup) as exc:  # noqa: BLE001 - every operation's failure, then all of them
            failures.append(f"{operation.label}: {exc}")
    assert not failures, f"{len(failures)} operation(s) broke the document as {role}:\n\n" + "\n\n".join(failures)
    # The role's credentials worked: the fuzzer got past the login to real answers, not only 401s.
    missing = {answer for answer in REACHED[role] if answer not in seen}
    assert not missing, f"as {role}, never answered: {sorted(missing)}"
