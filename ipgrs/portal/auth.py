"""Who the citizen is: the portal's session and the app's bearer token."""
from __future__ import annotations

import functools
from urllib.parse import urlsplit

from flask import g, jsonify, redirect, request, session, url_for

from ..citizens import services as citizens
from ..citizens.models import Citizen
from ..errors import has_control_characters
from ..extensions import db
from ..logins import web as logins


def current_citizen() -> Citizen | None:
    """The citizen of this request's session (cached on the request, which, unlike g, never outlives it)."""
    if not hasattr(request, "_ipgrs_citizen"):
        citizen_id = session.get("citizen_id")
        request._ipgrs_citizen = db.session.get(Citizen, citizen_id) if citizen_id else None
    return request._ipgrs_citizen


def log_in(citizen: Citizen) -> None:
    language = session.get("locale") or session.get("lang")
    session.clear()  # a new session on login: nothing chosen before it carries over (session fixation)
    session["citizen_id"] = citizen.id
    logins.start_citizen(citizen.id)  # kept on the server, so that logging out ends it for every copy of the cookie
    session["lang"] = session["locale"] = language or citizen.language  # ipgrs.i18n.select_locale reads both
    session.permanent = True


def log_out() -> None:
    language = session.get("locale") or session.get("lang")
    logins.end_current()
    session.clear()
    if language:
        session["lang"] = session["locale"] = language


def safe_next(target: str | None, default: str) -> str:
    """Only paths on this site: never an open redirect. Control characters are refused first: urlsplit and the
    browser drop tabs and newlines, so "/\t/evil.example" would leave as "//evil.example", and a CR/LF cannot go
    into a Location header at all (it was a 500)."""
    if not target or not isinstance(target, str):
        return default
    if has_control_characters(target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def citizen_required(view):
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        if current_citizen() is None:
            return redirect(url_for("portal.login", next=request.full_path.rstrip("?")))
        return view(*args, **kwargs)
    return wrapper


def token_citizen() -> Citizen | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer "):
        return None
    return citizens.citizen_for_token(db.session, header[7:].strip())


def token_required(view):
    """For the JSON API: a bearer token from POST /api/v1/auth/token."""
    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        citizen = token_citizen()
        if citizen is None:
            return jsonify(message="Log in first: send the token from POST /api/v1/auth/token as 'Authorization: Bearer <token>'."), 401
        g.citizen = citizen
        return view(*args, **kwargs)
    return wrapper
