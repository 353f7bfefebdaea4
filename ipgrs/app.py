"""The application factory."""
from __future__ import annotations

import logging
from pathlib import Path

from flask import Flask
from flask_appbuilder import AppBuilder

from . import settings
from .extensions import db, migrate

MIGRATIONS = str(Path(__file__).parent / "migrations")

FAB_DEFAULTS = {
    "APP_NAME": "ipgrs",
    "FAB_CREATE_DB": False,        # Alembic owns the schema
    "FAB_UPDATE_PERMS": False,     # permissions are synced by `ipgrs db upgrade`, not at every start
    "AUTH_TYPE": 1,                # AUTH_DB
    "AUTH_ROLE_ADMIN": "Admin",
    "AUTH_ROLE_PUBLIC": "Public",
    "FAB_API_SWAGGER_UI": True,
    "WTF_CSRF_ENABLED": True,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SQLALCHEMY_TRACK_MODIFICATIONS": False,
    "LANGUAGES": {"en": {"flag": "gb", "name": "English"}, "kn": {"flag": "in", "name": "ಕನ್ನಡ"}},
    "BABEL_DEFAULT_LOCALE": "en",
    "FAB_BASE_TEMPLATE": "ipgrs/base.html",  # adds the vendored Kannada webfont to every admin page
}


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask("ipgrs", root_path=str(Path(__file__).parent))
    app.config.update(FAB_DEFAULTS)
    test_config = dict(test_config or {})
    if "SQLALCHEMY_DATABASE_URI" in test_config:  # tests name their database; nothing is read from instance/
        env = {"DATABASE_URL": test_config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": test_config.get("SECRET_KEY", "test")}
        app.config.update(settings.from_environment(env))
    else:
        app.config.update(settings.from_environment())
    app.config.update(test_config)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"connect_args": {"timeout": 30}})
    else:
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS, render_as_batch=True)

    from .catalog.runtime import RulesRuntime
    app.extensions["ipgrs.rules"] = RulesRuntime(app.config["IPGRS_RULES_REFRESH_SECONDS"])

    with app.app_context():
        from . import errors, views
        from .tasks import init_celery

        appbuilder = AppBuilder(update_perms=False)
        appbuilder.init_app(app, db.session)
        views.register(appbuilder)
        errors.register(app)
        init_celery(app)

    from .cli import register_flask_commands
    register_flask_commands(app)
    return app


def rules_runtime(app=None):
    from flask import current_app
    return (app or current_app).extensions["ipgrs.rules"]
