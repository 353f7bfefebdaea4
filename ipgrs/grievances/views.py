"""Administrators' page of one grievance's routing explanation (officers see it on their grievance page)."""
from __future__ import annotations

from flask import current_app
from flask_appbuilder import BaseView, expose, has_access
from sqlalchemy import select

from ..extensions import db
from . import explain
from .models import Grievance


class GrievanceExplainView(BaseView):
    """/admin/grievances/<number>/explain: the Admin role has it (FAB grants new permissions to Admin); officer
    roles do not — they see the explanation of the grievances in their scope on /officer/grievances/<number>."""

    route_base = "/admin/grievances"

    @expose("/<number>/explain")
    @has_access
    def explain(self, number):
        g = db.session.scalar(select(Grievance).where(Grievance.number == str(number)[:20]))
        if g is None:
            return self.render_template("officers/message.html", title="Not found",
                                        message="There is no grievance with that number."), 404
        runtime = current_app.extensions["ipgrs.rules"]
        runtime.refresh(db.session)
        return self.render_template("grievances/explain.html", gv=g, explain=explain.explain(db.session, g, runtime.catalogue))


def register(appbuilder) -> None:
    appbuilder.add_view_no_menu(GrievanceExplainView)
