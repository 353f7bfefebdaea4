"""The officer's pages (inbox, one grievance, its action forms) and the administrator's views of officers,
postings and the CSV import. Pages parse and render; the work is done by inbox, handling and importer."""
from __future__ import annotations

from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from flask import current_app, flash, redirect, request, url_for
from flask_appbuilder import BaseView, ModelView, SimpleFormView, expose, has_access
from flask_appbuilder.forms import DynamicForm
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import BooleanField

from .. import clock
from ..citizens import privacy
from ..extensions import db
from ..grievances import actions, explain, workflow
from ..grievances.models import CHANNELS
from ..portal.auth import safe_next
from ..portal.i18n import STATUS
from . import handling, importer, inbox
from .models import Officer, Posting

IST = ZoneInfo("Asia/Kolkata")


def _catalogue():
    runtime = current_app.extensions["ipgrs.rules"]
    runtime.refresh(db.session)
    return runtime.catalogue


def _url_with(**changes) -> str:
    """This page's URL with some query arguments changed (None removes one): pagination and count links."""
    args = request.args.copy()
    for name, value in changes.items():
        args.pop(name, None)
        if value is not None:
            args[name] = value
    return url_for(request.endpoint, **(request.view_args or {})) + ("?" + urlencode(list(args.items(multi=True))) if args else "")


def _form_labels(g) -> dict:
    return {f["name"]: f["label"]["en"] for f in (g.grievance_type.form or [])}


class OfficerInboxView(BaseView):
    """/officer/inbox and /officer/grievances/<number>, for the Officer and Nodal Officer roles."""

    route_base = "/officer"
    default_view = "inbox"

    def _officer(self):
        try:
            return handling.officer_for_user(db.session, current_user.id)
        except handling.NotAnOfficer as exc:
            return self.render_template("officers/message.html", title="Not an officer", message=str(exc)), 403

    @expose("/inbox")
    @has_access
    def inbox(self):
        officer = self._officer()
        if isinstance(officer, tuple):
            return officer
        try:
            filters = inbox.InboxFilters.from_args(request.args, default_status=("pending",))
            errors = {}
        except inbox.FiltersInvalid as exc:
            filters, errors = inbox.InboxFilters(status=inbox.PENDING), exc.errors
        rows, total, counts = inbox.grievances_for(db.session, officer, filters)
        cat = _catalogue()
        postings = db.session.scalars(select(Posting).where(Posting.officer_id == officer.id, Posting.active)).all()
        departments = sorted({p.post.department for p in postings}, key=lambda d: d.code)
        return self.render_template(
            "officers/inbox.html", officer=officer, postings=postings, rows=rows, total=total, counts=counts,
            filters=filters, errors=errors, args=request.args, pages=inbox.page_count(total, filters),
            statuses=[(s, STATUS.get(s, (s,))[0]) for s in workflow.STATES], sla_states=inbox.SLA_STATES,
            departments=departments, channels=CHANNELS, districts=cat.jurisdictions.districts, url_with=_url_with,
        ), (400 if errors else 200)

    @expose("/inbox/accept", methods=["POST"])
    @has_access
    def accept_selected(self):
        """Bulk "accept selected": each checkbox carries NUMBER:ROW_VERSION; each grievance is its own transaction."""
        officer = self._officer()
        if isinstance(officer, tuple):
            return officer
        chosen = request.form.getlist("grievance")
        if not chosen:
            flash("Choose the grievances to accept.", "warning")
        accepted, refused = [], []
        for item in chosen[:inbox.PAGE_SIZE_MAX]:
            number, _, version = item.partition(":")
            try:
                g, _scope = handling.find(db.session, officer, number)
                handling.perform(db.session, g, handling.actor_for(officer, g, current_user.id), "accept",
                                 {"expected_version": version})
                accepted.append(g.number)
            except (actions.NotAllowed, workflow.TransitionRefused, actions.ActionInvalid) as exc:
                refused.append(f"{number[:20]}: {exc}")
        if accepted:
            flash(f"Accepted {len(accepted)}: {', '.join(accepted)}.", "success")
        for line in refused:
            flash(f"Not accepted — {line}", "danger")
        back = safe_next(request.form.get("back"), "")  # no control characters: a CR/LF in a Location header was a 500
        return redirect(back if back.startswith("/officer/inbox") else url_for("OfficerInboxView.inbox"))

    @expose("/grievances/<number>")
    @has_access
    def grievance(self, number):
        officer = self._officer()
        if isinstance(officer, tuple):
            return officer
        try:
            g, scope = handling.find(db.session, officer, number)
        except actions.NotAllowed as exc:
            return self._not_found(str(exc))
        return self._render(g, scope)

    @expose("/grievances/<number>/<action>", methods=["POST"])
    @has_access
    def act(self, number, action):
        officer = self._officer()
        if isinstance(officer, tuple):
            return officer
        try:
            g, scope = handling.find(db.session, officer, number)
        except actions.NotAllowed as exc:
            return self._not_found(str(exc))
        fields = request.form.to_dict()
        uploads = [f for f in request.files.getlist("attachments") if f and f.filename]
        try:
            outcome = handling.perform(db.session, g, handling.actor_for(officer, g, current_user.id), action, fields, uploads)
        except actions.ActionInvalid as exc:
            return self._render(g, scope, form_action=action, errors=exc.errors, values=fields, status=400)
        except workflow.TransitionRefused as exc:  # Conflict included: the page shows the sentence and a reload link
            db.session.expire_all()
            return self._render(g, scope, conflict=str(exc), status=409)
        except actions.NotAllowed as exc:
            if action not in handling.OFFICER_ACTIONS:
                return self._not_found(str(exc))
            return self._render(g, scope, conflict=f"{exc} You can see this grievance because you supervise it.", status=403)
        flash(outcome.message, "success")
        return redirect(url_for("OfficerInboxView.grievance", number=g.number))

    def _not_found(self, message):
        return self.render_template("officers/message.html", title="Not found", message=message), 404

    def _render(self, g, scope, form_action=None, errors=None, values=None, conflict=None, status=200):
        cat = _catalogue()
        return self.render_template(
            "officers/grievance.html", gv=g, scope=scope, mine=scope == inbox.MINE, sla=inbox.sla_of(g),
            personal=privacy.grievance_view(g, full=scope == inbox.MINE),
            sla_text=inbox.sla_text(g), status_label=STATUS.get(g.status, (g.status,))[0],
            available=handling.available_actions(g, scope), titles=handling.ACTION_TITLES,
            reasons=workflow.REJECTION_REASONS, districts=cat.jurisdictions.districts, channels=CHANNELS,
            form_labels=_form_labels(g), office=handling.office_of(g), form_action=form_action, errors=errors or {},
            values=values or {}, conflict=conflict, today=clock.now().astimezone(IST).date().isoformat(),  # the date input's minimum: today in Bengaluru
            events=sorted(g.events, key=lambda e: (e.at, e.id)), explain=explain.explain(db.session, g, cat),
        ), status


# --- administration ------------------------------------------------------------------------------

class PostingView(ModelView):
    """Postings are created by "Import officers" (a one-row file will do), which checks the post, the place and
    who held it before; here they are listed, ended (active off) or marked additional charge. With some 16,000
    officers a picker of officers has no place on a page, so neither the forms nor the filters offer one."""

    datamodel = SQLAInterface(Posting)
    base_permissions = {"can_list", "can_show", "can_edit"}
    list_columns = ["officer", "post", "district", "taluk", "additional_charge", "active"]
    show_columns = ["officer", "post", "district", "taluk", "additional_charge", "active"]
    edit_columns = ["additional_charge", "active"]
    search_columns = ["post", "district", "taluk", "additional_charge", "active"]
    # FAB makes a non-nullable boolean a required checkbox, which could then never be unticked.
    edit_form_extra_fields = {"additional_charge": BooleanField("Additional charge"), "active": BooleanField("Active")}


class OfficerView(ModelView):
    datamodel = SQLAInterface(Officer)
    base_permissions = {"can_list", "can_show", "can_add", "can_edit"}  # deactivate, never delete: grievances name officers
    list_columns = ["name", "mobile", "email", "user", "active"]
    show_columns = ["name", "mobile", "email", "user", "active", "created_at"]
    add_columns = edit_columns = ["name", "mobile", "email", "user", "active"]
    search_columns = ["name", "mobile", "email", "active"]
    label_columns = {"user": "Login"}
    base_order = ("name", "asc")
    related_views = [PostingView]
    add_form_extra_fields = edit_form_extra_fields = {"active": BooleanField("Active", default=True)}

    def pre_add(self, item):
        item.mobile = importer.clean_mobile(item.mobile)

    pre_update = pre_add


class ImportForm(DynamicForm):
    file = FileField("CSV file", validators=[FileRequired("CSV file: choose the file to import.")],
                     description="Columns: department, post, district, taluk, name, mobile, email, and optionally "
                                 "additional_charge (yes/no). District and taluk in English; empty for state-level posts.")


class ImportOfficersView(SimpleFormView):
    route_base = "/officers/import"
    form = ImportForm
    form_title = "Import officers and postings from CSV"

    def form_post(self, form):
        data = form.file.data.read(importer.MAX_BYTES + 1)
        try:
            report = importer.import_officers(db.session, data)
        except importer.ImportInvalid as exc:
            return self.render_template("officers/import_report.html", title=self.form_title, errors=exc.errors,
                                        report=None), 400
        return self.render_template("officers/import_report.html", title=self.form_title, errors=[], report=report)


def register(appbuilder) -> None:
    appbuilder.add_view(OfficerInboxView, "Inbox", icon="fa-inbox", category="Grievances")
    appbuilder.add_view(OfficerView, "Officers", icon="fa-user-tie", category="Officers")
    appbuilder.add_view(PostingView, "Postings", icon="fa-id-card", category="Officers")
    appbuilder.add_view(ImportOfficersView, "Import officers", icon="fa-file-csv", category="Officers")
