"""The administrator's page of plugins: what is enabled, loaded or broken, and recent subscriber failures."""
from __future__ import annotations

from flask_appbuilder import BaseView, expose, has_access
from sqlalchemy import func, select

from ..extensions import db
from . import registry
from .models import PluginFailure


class PluginsView(BaseView):
    route_base = "/admin/plugins"
    default_view = "status"

    @expose("/")
    @has_access
    def status(self):
        reg = registry()
        recorded = dict(db.session.execute(select(PluginFailure.plugin, func.count()).group_by(PluginFailure.plugin)).all())
        failures = db.session.scalars(select(PluginFailure).order_by(PluginFailure.id.desc()).limit(100)).all()
        return self.render_template("plugins/status.html", title="Plugins", registry=reg, recorded=recorded,
                                    failures=failures)


def register(appbuilder) -> None:
    appbuilder.add_view(PluginsView, "Plugins", icon="fa-plug", category="Security")
