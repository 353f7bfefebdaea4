"""The session cookie's side of login sessions: a login starts one, a logout ends it, and a cookie whose login
session has ended (or never existed: a cookie from before login, or forged from an old copy) is logged out
before anything reads who is logged in. Also: the cookie is Secure whenever the request came over HTTPS."""
from __future__ import annotations

from flask import request, session
from flask.sessions import SecureCookieSessionInterface

from ..extensions import db
from . import services

KEY = "_login"                                   # the login session's token in the cookie
STAFF_KEYS = ("_user_id", "_fresh", "_id")       # what Flask-Login keeps in the session
LANGUAGE_KEYS = ("lang", "locale")


class SessionInterface(SecureCookieSessionInterface):
    def get_cookie_secure(self, app) -> bool:
        return bool(app.config["SESSION_COOKIE_SECURE"]) or request.is_secure


def _keep_only(*keys) -> None:
    kept = {k: session[k] for k in keys if k in session}
    session.clear()
    session.update(kept)


def start_citizen(citizen_id: int) -> None:
    session[KEY] = services.start(db.session, services.CITIZEN, citizen_id)


def end_current() -> None:
    services.end(db.session, session.get(KEY))


def install(app) -> None:
    """Before AppBuilder: the check must run before FAB's own before_request loads the logged-in user."""
    from flask_login import user_logged_in, user_logged_out

    app.session_interface = SessionInterface()

    @app.before_request
    def ended_logins_are_logged_out():
        if (request.endpoint or "").endswith("static"):  # fonts, scripts, styles: no login read, no query each
            return
        if "citizen_id" in session:
            kind, subject = services.CITIZEN, session["citizen_id"]
        elif "_user_id" in session:
            kind, subject = services.STAFF, session["_user_id"]
        else:
            return
        if not services.is_live(db.session, session.get(KEY), kind, subject):
            _keep_only(*LANGUAGE_KEYS)

    @user_logged_in.connect_via(app)
    def staff_logged_in(_app, user, **_):
        # A new session: nothing chosen before the login carries over (a citizen's login, an operator's desk).
        _keep_only(*STAFF_KEYS, *LANGUAGE_KEYS)
        session[KEY] = services.start(db.session, services.STAFF, user.id)

    @user_logged_out.connect_via(app)
    def staff_logged_out(_app, user, **_):
        end_current()
        _keep_only(*LANGUAGE_KEYS)
