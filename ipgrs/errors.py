"""Errors as users should see them: JSON with a message under /api, a plain page elsewhere, never a traceback."""
from __future__ import annotations

import json
import logging

from flask import abort, jsonify, render_template_string, request
from flask_limiter.errors import RateLimitExceeded
from werkzeug.exceptions import HTTPException

log = logging.getLogger(__name__)

_PAGE = """<!doctype html><html lang="{{ lang }}"><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ code }} – ipgrs</title><body style="font-family:sans-serif;max-width:40em;margin:3em auto;padding:0 1em">
<h1>{{ code }}</h1><p>{{ message }}</p><p><a href="/">{{ home }}</a></p></body></html>"""


def _page(code: int, message: str):
    from .i18n import current_language, tr

    return render_template_string(_PAGE, code=code, message=message, lang=current_language(), home=tr("Home"))


def wants_json() -> bool:
    return (request.path.startswith("/api/") or request.path in ("/health", "/ready", "/live", "/metrics")
            or request.accept_mimetypes.best == "application/json")


def database_unavailable(exc: BaseException) -> bool:
    """The database is restarting, unreachable, out of connections or locked: the request may succeed if sent
    again in a few seconds (the mobile app re-sends a filing with its Idempotency-Key)."""
    from sqlalchemy import exc as sa_exc

    if isinstance(exc, (sa_exc.OperationalError, sa_exc.DisconnectionError, sa_exc.TimeoutError)):
        return True
    return isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated


def _unavailable(exc: BaseException):
    from .i18n import tr

    log.warning("database unavailable on %s %s: %s", request.method, request.path, type(exc).__name__)
    message = tr("The service is busy for a moment. Please try again in a few seconds.")
    if wants_json():
        answer = jsonify(message=message, status=503)
    else:
        answer = _page(503, message)
    return answer, 503, {"Retry-After": "5"}


# Where FAB's pages (login, language) and the portal go next. A CR/LF there could not go into a Location header (FAB's
# login answered a 500), and browsers drop tabs and newlines, so "/\t/evil.example" would mean "//evil.example".
REDIRECT_ARGS = ("next", "redirect")


def has_control_characters(value: str) -> bool:
    return any(ord(c) < 32 or ord(c) == 127 for c in value)


def register(app) -> None:
    jwt = app.extensions.get("flask-jwt-extended")  # FAB's JWTManager (POST /api/v1/security/login)
    if jwt is not None:
        @jwt.invalid_token_loader
        def invalid_token(reason: str):
            # flask-jwt-extended answers a malformed, wrong-kind or badly signed token with 422; it is a failed login like
            # any other, and every protected operation declares 401 for it.
            return jsonify(message=f"The bearer token is not valid ({reason}). Log in again: POST /api/v1/security/login.",
                           status=401), 401

    @app.before_request
    def nul_in_the_address():
        # No grievance number, code, name or filter value has a NUL, and PostgreSQL refuses one in a query (a 500,
        # found by the fuzzer): refused here once for every page and API (Open311 too), not in each query.
        if "\x00" in request.path:
            abort(404)
        bad = sorted({name.replace("\x00", "?") for name, value in request.args.items(multi=True)
                      if "\x00" in name + value or (name in REDIRECT_ARGS and has_control_characters(value))})
        if bad and wants_json() and not request.path.startswith("/open311/"):
            return jsonify(message="Please correct the fields listed.",
                           errors={name: [f"{name}: not a valid value."] for name in bad}), 400
        if bad:
            abort(400, description=" ".join(f"{name}: not a valid value." for name in bad))
        return None

    @app.after_request
    def sentence_messages(response):
        """FAB answers some bad requests (its login among them) with marshmallow's {field: [errors]} as the message;
        an API error's message is a sentence, the fields go under `errors`, as in every ipgrs API."""
        if response.status_code >= 400 and response.is_json and request.path.startswith("/api/"):
            body = response.get_json(silent=True)
            if isinstance(body, dict) and isinstance(body.get("message"), (dict, list)):
                errors = body.pop("message")
                body = {"message": "Please correct the fields listed.", "errors": errors, **body}
                response.set_data(json.dumps(body))
        return response

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if request.path.startswith("/open311/"):  # routing errors (404, 405) never reach the blueprint's handlers
            from .open311.api import http_error as open311_error
            return open311_error(exc)
        message = exc.description or exc.name
        if isinstance(exc, RateLimitExceeded):  # its description is the limit itself ("20 per 1 minute"), not a sentence
            from .i18n import tr

            message = tr("Too many attempts from your address. Please wait a minute and try again.")
        if wants_json():
            return jsonify(message=message, status=exc.code), exc.code
        return _page(exc.code, message), exc.code

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return http_error(exc)
        if database_unavailable(exc):
            return _unavailable(exc)
        log.exception("unhandled error on %s %s", request.method, request.path)
        from .i18n import tr

        message = tr("Something went wrong on our side. The error has been logged; please try again.")
        if wants_json():
            return jsonify(message=message, status=500), 500
        return _page(500, message), 500
