"""Errors as users should see them: JSON with a message under /api, a plain page elsewhere, never a traceback."""
from __future__ import annotations

import logging

from flask import jsonify, render_template_string, request
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


def register(app) -> None:
    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if request.path.startswith("/open311/"):  # routing errors (404, 405) never reach the blueprint's handlers
            from .open311.api import http_error as open311_error
            return open311_error(exc)
        message = exc.description or exc.name
        if wants_json():
            return jsonify(message=message, status=exc.code), exc.code
        return _page(exc.code, message), exc.code

    @app.errorhandler(Exception)
    def unexpected(exc: Exception):
        if isinstance(exc, HTTPException):
            return http_error(exc)
        log.exception("unhandled error on %s %s", request.method, request.path)
        from .i18n import tr

        message = tr("Something went wrong on our side. The error has been logged; please try again.")
        if wants_json():
            return jsonify(message=message, status=500), 500
        return _page(500, message), 500
