"""The application factory."""
from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask_appbuilder import AppBuilder

from . import settings
from .extensions import csrf, db, migrate

MIGRATIONS = str(Path(__file__).parent / "migrations")

# An officer's inbox, grievance pages and API, and the catalogue read-only.
OFFICER_PERMISSIONS = (
    [["OfficerInboxView", p] for p in ("can_inbox", "can_grievance", "can_act", "can_accept_selected")]
    + [["OfficerApi", p] for p in ("can_inbox", "can_grievance", "can_act")]
    + [[v, p] for v in ("DepartmentView", "ServiceView", "GrievanceTypeView", "PostView", "DistrictView")
       for p in ("can_list", "can_show")]
    + [[m, "menu_access"] for m in ("Grievances", "Inbox", "Catalogue", "Departments", "Services", "Grievance types",
                                     "Posts", "Districts and taluks")]
)

# A nodal officer also edits, validates, publishes and rolls back their own departments (ipgrs/configuration).
NODAL_OFFICER_PERMISSIONS = OFFICER_PERMISSIONS + (
    [["ConfigEditorView", p] for p in ("can_index", "can_editor", "can_validate", "can_save", "can_publish", "can_diff",
                                       "can_rebase", "can_discard", "can_rollback", "can_simulate")]
    + [["ConfigApi", p] for p in ("can_get", "can_post")]
    + [[m, "menu_access"] for m in ("Configuration", "Edit configuration")]
)

# Dashboards, their lists and downloads (ipgrs/dashboards/); each login's scope is decided by dashboards.scope.
DASHBOARD_PERMISSIONS = (
    [["DashboardView", p] for p in ("can_index", "can_grievances", "can_export_table", "can_export_list")]
    + [["Dashboard", "menu_access"]]
)

FAB_DEFAULTS = {
    "APP_NAME": "ipgrs",
    "FAB_CREATE_DB": False,        # Alembic owns the schema
    "FAB_UPDATE_PERMS": False,     # permissions are synced by `ipgrs db upgrade`, not at every start
    "AUTH_TYPE": 1,                # AUTH_DB
    "AUTH_ROLE_ADMIN": "Admin",
    "AUTH_ROLE_PUBLIC": "Public",
    "FAB_API_SWAGGER_UI": True,
    "FAB_ADD_MENU_API": False,     # the pages are server-rendered; FAB's menu API (whose document misdeclares separators) is unused
    "JWT_ERROR_MESSAGE_KEY": "message",  # FAB's JWT errors (401) carry a "message" like every other API error
    "WTF_CSRF_ENABLED": True,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "SQLALCHEMY_TRACK_MODIFICATIONS": False,
    "LANGUAGES": {"en": {"flag": "gb", "name": "English"}, "kn": {"flag": "in", "name": "ಕನ್ನಡ"}},
    "BABEL_DEFAULT_LOCALE": "en",
    "FAB_BASE_TEMPLATE": "ipgrs/base.html",
    "FAB_INDEX_VIEW": "ipgrs.portal.views.PortalIndexView",  # "/" is the citizen portal
    "MAX_CONTENT_LENGTH": 30 * 1024 * 1024,  # 5 documents of 5 MB and the form, with room to spare
    "OTP_TTL_SECONDS": 300,
    "OTP_MAX_ATTEMPTS": 5,
    "OTP_RESEND_SECONDS": 30,
    "OTP_MAX_PER_NUMBER_PER_HOUR": 5,
    "OTP_MAX_PER_CLIENT_PER_HOUR": 30,
    "CITIZEN_TOKEN_DAYS": 30,
    "APPEAL_WINDOW_DAYS": 30,      # a citizen may say "not satisfied" this long after a resolution
    "MAX_REOPENS": 2,              # appeals per grievance
    "AUTO_CLOSE_DAYS": 15,         # unrated resolutions close on their own after this
    "DASHBOARD_REFRESH_SECONDS": 600,  # how often the beat task rebuilds the dashboards' rollup
    "OPEN311_POSTS_PER_MINUTE": 60,  # service requests a partner app's API key may file per minute
    # Staff logins (FAB's /login/ form and POST /api/v1/security/login) per client address: against password guessing.
    "RATELIMIT_ENABLED": True,
    "RATELIMIT_HEADERS_ENABLED": True,  # Retry-After on a 429
    "AUTH_RATE_LIMITED": True,
    "LOGIN_RATE_LIMIT": "20 per minute",
    # Roles beyond Admin and Public, created with their permissions by `ipgrs db upgrade`: [view, permission] pairs.
    "FAB_ROLES": {
        "Operator": [["OperatorDeskView", p] for p in ("can_start", "can_verify", "can_profile", "can_choose", "can_file")]
        + [[v, p] for v in ("DepartmentView", "ServiceView", "GrievanceTypeView") for p in ("can_list", "can_show")],
        "Officer": OFFICER_PERMISSIONS + DASHBOARD_PERMISSIONS,
        "Nodal Officer": NODAL_OFFICER_PERMISSIONS + DASHBOARD_PERMISSIONS,
        # The Chief Secretary's and the Chief Minister's offices: the whole state's dashboards, read-only.
        "State Monitor": DASHBOARD_PERMISSIONS + [["Grievances", "menu_access"]],
    },  # adds the vendored Kannada webfont to every admin page
}


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask("ipgrs", root_path=str(Path(__file__).parent))
    app.config.update(FAB_DEFAULTS)
    test_config = dict(test_config or {})
    if "SQLALCHEMY_DATABASE_URI" in test_config:  # tests name their database; nothing is read from instance/
        env = {"DATABASE_URL": test_config["SQLALCHEMY_DATABASE_URI"], "SECRET_KEY": test_config.get("SECRET_KEY", "test-secret-key-of-32-or-more-bytes!")}
        app.config.update(settings.from_environment(env))
    else:
        app.config.update(settings.from_environment())
    app.config.update(test_config)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"connect_args": {"timeout": 30}})
    else:
        app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})
    # A database error's text (logged with the traceback of an unhandled error) would otherwise carry the statement's
    # parameters: citizens' mobiles, names and addresses. The statement itself is kept.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**app.config["SQLALCHEMY_ENGINE_OPTIONS"], "hide_parameters": True}
    if app.config.get("PROXY_HOPS"):
        from werkzeug.middleware.proxy_fix import ProxyFix
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)
    from . import clock
    clock.configure(app.config.get("IPGRS_CLOCK_FILE"))
    from . import observability
    observability.configure_logging(app.config.get("LOG_FORMAT", "text"))

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS, render_as_batch=True)
    csrf.init_app(app)  # before AppBuilder, so FAB exempts its token-authenticated APIs

    from .catalog.runtime import RulesRuntime
    app.extensions["ipgrs.rules"] = RulesRuntime(app.config["IPGRS_RULES_REFRESH_SECONDS"])

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _sqlite_pragmas(db.engine)
        from . import errors, views
        from .tasks import init_celery

        from .security import SecurityManager

        from .logins import web as logins
        logins.install(app)  # before AppBuilder: an ended login is logged out before FAB loads the user

        appbuilder = AppBuilder(update_perms=False, security_manager_class=SecurityManager)
        appbuilder.init_app(app, db.session)
        from . import i18n
        i18n.install(app)  # compiles stale .mo files; one locale selector for the portal and FAB's pages
        views.register(appbuilder)
        errors.register(app)
        from . import security
        security.install(app)
        observability.install(app)
        from . import headers
        headers.install(app)
        init_celery(app)
        from . import plugins
        plugins.init_app(app, appbuilder)  # after the platform's views and Celery: plugins add to both

    from .cli import register_flask_commands
    register_flask_commands(app)
    return app


def _sqlite_pragmas(engine) -> None:
    """The embedded default serves threads: WAL lets pages read while a filing writes; foreign keys are enforced."""
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()


def rules_runtime(app=None):
    from flask import current_app
    return (app or current_app).extensions["ipgrs.rules"]
