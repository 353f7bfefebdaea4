"""The CPGRAMS admin pages: what is pending in and out, the dead letters with a retry button, the triage queue
where a nodal officer picks a grievance type (and may extend the mapping), and the mapping itself."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_login import current_user
from sqlalchemy import select

from ipgrs.citizens.privacy import mask_text
from ipgrs.extensions import db
from ipgrs.grievances.models import Grievance

from . import client as cp
from . import mapping as mapping_module
from . import services
from .models import DEAD, DELIVERABLE, TRIAGE, CpgramsGrievance, CpgramsMapping, CpgramsOutbox


def _catalogue():
    runtime = current_app.extensions["ipgrs.rules"]
    runtime.refresh(db.session)
    return runtime.catalogue


def _who() -> str:
    return getattr(current_user, "username", None) or "nodal officer"


class CpgramsView(BaseView):
    route_base = "/admin/cpgrams"
    default_view = "overview"

    @expose("/")
    @has_access
    def overview(self):
        session = db.session
        summary = services.overview(session)
        pending = session.scalars(select(CpgramsOutbox).where(CpgramsOutbox.status.in_(DELIVERABLE))
                                  .order_by(CpgramsOutbox.id).limit(100)).all()
        dead = session.scalars(select(CpgramsOutbox).where(CpgramsOutbox.status == DEAD)
                               .order_by(CpgramsOutbox.id).limit(100)).all()
        return self.render_template("cpgrams/overview.html", title="CPGRAMS", summary=summary, pending=pending, dead=dead,
                                    settings=services.settings())

    @expose("/outbox/<int:outbox_id>/retry", methods=["POST"])
    @has_access
    def retry(self, outbox_id):
        if services.retry(db.session, outbox_id):
            flash("The message will be sent again.", "success")
        else:
            flash("That message is not dead-lettered (sent or already queued again).", "warning")
        return redirect(url_for("CpgramsView.overview"))

    @expose("/triage")
    @has_access
    def triage(self):
        rows = db.session.scalars(select(CpgramsGrievance).where(CpgramsGrievance.state == TRIAGE)
                                  .order_by(CpgramsGrievance.id).limit(200)).all()
        return self.render_template("cpgrams/triage.html", title="CPGRAMS triage", rows=rows)

    @expose("/triage/<int:inbound_id>", methods=["GET", "POST"])
    @has_access
    def triage_one(self, inbound_id):
        row = db.session.get(CpgramsGrievance, inbound_id)
        if row is None:
            abort(404)
        catalogue = _catalogue()
        errors, values = {}, {}
        if request.method == "POST" and row.state == TRIAGE:
            values = {k: (request.form.get(k) or "").strip() for k in ("grievance_type", "district", "taluk")}
            try:
                services.triage(db.session, inbound_id, values["grievance_type"], district=values["district"] or None,
                                taluk=values["taluk"] or None, add_mapping=bool(request.form.get("add_mapping")), by=_who())
                row = db.session.get(CpgramsGrievance, inbound_id)
                number = db.session.get(Grievance, row.grievance_id).number
                flash(f"Filed as {number} and routed by the rules.", "success")
                return redirect(url_for("CpgramsView.triage"))
            except services.TriageInvalid as exc:
                errors = exc.errors
                db.session.rollback()
                row = db.session.get(CpgramsGrievance, inbound_id)
        inbound = cp.from_cpgrams(row.payload)
        types = sorted(((code, gt.name.en, gt.department) for code, gt in catalogue.grievance_types.items()), key=lambda t: (t[2], t[1]))
        districts = [d.name.en for d in catalogue.jurisdictions.districts]
        return self.render_template("cpgrams/triage_one.html", title=f"CPGRAMS {row.registration_number}", row=row,
                                    inbound=inbound, description=mask_text(inbound.description), types=types, districts=districts, errors=errors, values=values)

    @expose("/mapping")
    @has_access
    def mapping(self):
        conf = services.settings()
        error = None
        try:
            entries = mapping_module.load_file(conf.mapping_file, _catalogue().grievance_types.keys()).entries
        except mapping_module.ConfigInvalid as exc:
            entries, error = {}, [str(e) for e in exc.errors]
        added = db.session.scalars(select(CpgramsMapping).order_by(CpgramsMapping.id)).all()
        return self.render_template("cpgrams/mapping.html", title="CPGRAMS mapping", entries=sorted(entries.items()),
                                    error=error, added=added, snippet=mapping_module.as_yaml(added) if added else "",
                                    file=conf.mapping_file)


PERMISSIONS = [["CpgramsView", p] for p in ("can_overview", "can_triage", "can_triage_one", "can_mapping")] + [
    ["CPGRAMS", "menu_access"], ["Pending and dead letters", "menu_access"], ["Triage", "menu_access"], ["Mapping", "menu_access"]]


def register(ctx) -> None:
    ctx.add_view(CpgramsView, "Pending and dead letters", icon="fa-exchange", category="CPGRAMS")
    ctx.appbuilder.add_link("Triage", href="/admin/cpgrams/triage", icon="fa-random", category="CPGRAMS")
    ctx.appbuilder.add_link("Mapping", href="/admin/cpgrams/mapping", icon="fa-map", category="CPGRAMS")
    ctx.grant("Nodal Officer", PERMISSIONS)
