"""Registers every view and API with the AppBuilder, and the plain routes (health, index)."""
from __future__ import annotations

from flask import current_app, jsonify
from sqlalchemy import text

from .extensions import db


def register(appbuilder) -> None:
    from .catalog import api as catalog_api
    from .catalog import views as catalog_views

    from .citizens import api as citizen_api
    from .grievances import api as grievance_api
    from .portal import views as portal

    catalog_views.register(appbuilder)
    appbuilder.add_api(catalog_api.CatalogApi)
    appbuilder.add_api(citizen_api.AuthApi)
    appbuilder.add_api(citizen_api.MeApi)
    appbuilder.add_api(grievance_api.GrievanceApi)
    portal.register(current_app._get_current_object())
    from .desk import views as desk

    desk.register(appbuilder)
    from .officers import api as officer_api
    from .officers import views as officers

    officers.register(appbuilder)
    appbuilder.add_api(officer_api.OfficerApi)
    from .configuration import api as config_api
    from .configuration import views as configuration

    configuration.register(appbuilder)
    appbuilder.add_api(config_api.ConfigApi)
    from .grievances import views as grievance_views

    grievance_views.register(appbuilder)
    from .plugins import views as plugin_views

    plugin_views.register(appbuilder)
    from .dashboards import views as dashboards

    dashboards.register(appbuilder)
    from .open311 import api as open311_api
    from .open311 import views as open311_views

    open311_views.register(appbuilder)
    from .citizens import views as citizen_views

    citizen_views.register(appbuilder)
    current_app.register_blueprint(open311_api.blueprint)

    _declare_fab_openapi(appbuilder)
    app = current_app._get_current_object()

    @app.get("/ready")
    @app.get("/health")
    def health():
        """Readiness: the database answers and a rules version is loaded (503 otherwise). Liveness is /live."""
        from .app import rules_runtime

        runtime = rules_runtime()
        database = "ok"
        try:
            db.session.execute(text("SELECT 1"))
            runtime.refresh(db.session)
        except Exception as exc:  # the probe must answer even when the database is down
            database = f"unavailable: {type(exc).__name__}"
            db.session.rollback()
        rules_version = None
        if runtime.catalogue is not None:
            rules_version = {"id": runtime.version_id, "content_hash": runtime.engine.version,
                             **runtime.catalogue.counts}
        ok = database == "ok" and rules_version is not None
        return jsonify(status="ok" if ok else "degraded", database=database, rules_version=rules_version), (200 if ok else 503)


def _declare_fab_openapi(appbuilder) -> None:
    """FAB's own document operation answers 401 without a login and 403 without the permission, as every protected
    operation does, but declares neither: declare them (FAB's documented per-method override)."""
    from flask_appbuilder.api.manager import OpenApi

    for view in appbuilder.baseviews:
        if isinstance(view, OpenApi):
            view.openapi_spec_methods = {"get": {"get": {
                "description": "Get the OpenAPI spec for a specific API version",
                "parameters": [{"in": "path", "name": "version", "required": True, "schema": {"type": "string"}}],
                "responses": {
                    "200": {"description": "The OpenAPI spec",
                            "content": {"application/json": {"schema": {"type": "object"}}}},
                    **{code: {"$ref": f"#/components/responses/{code}"} for code in ("401", "403", "404", "500")},
                },
            }}}
