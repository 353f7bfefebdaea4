"""The configuration editor (/config/…): a page per department with the YAML in a code editor, Validate, drafts,
the diff against the published version, publish and rollback; and the administrator's views of nodal officer
assignments and the configuration audit log. Pages parse and render; services do the work and the checks."""
from __future__ import annotations

from datetime import date

from flask import current_app, flash, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, ModelView, expose, has_access
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.security.decorators import has_access_api
from flask_login import current_user
from sqlalchemy import select

from ..catalog import simulation
from ..catalog.models import Department
from ..extensions import db
from . import services
from .models import ConfigChange, NodalAssignment

# The editor's page and its JSON calls: what the Nodal Officer role is given (Admin gets every permission).
EDITOR_PERMISSIONS = ("can_index", "can_editor", "can_validate", "can_save", "can_publish", "can_diff", "can_rebase",
                      "can_discard", "can_rollback", "can_simulate")


def _runtime():
    return current_app.extensions["ipgrs.rules"]


def _date(value, name: str):
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"{name}: a date like 2026-01-31.") from None


def json_object() -> dict:
    """The request's JSON body when it is an object; a JSON number or list has none of the fields, as no body."""
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def _json_error(status: int, message: str, **extra):
    return jsonify(message=message, **extra), status


class ConfigEditorView(BaseView):
    route_base = "/config"
    default_view = "index"
    base_permissions = list(EDITOR_PERMISSIONS) + ["can_new", "can_rollback_all"]

    def _refuse(self, exc: Exception):
        return self.render_template("configuration/message.html", title="Not allowed", message=str(exc)), 403

    @expose("/")
    @has_access
    def index(self):
        session = db.session
        codes = services.editable_codes(session, current_user)
        names = {d.code: d for d in session.scalars(select(Department).where(Department.code.in_(codes)))}
        drafts = {d.department_code for d in session.scalars(
            select(services.ConfigDraft).where(services.ConfigDraft.author_id == current_user.id))}
        admin = services.is_admin(current_user)
        return self.render_template(
            "configuration/index.html", codes=codes, names=names, drafts=drafts, admin=admin,
            latest=services.catalog.latest_version(session),
            versions=services.versions(session, 30) if admin else [])

    @expose("/new", methods=["POST"])
    @has_access
    def new(self):
        """An administrator starts a department from an uploaded file or from the template."""
        upload = request.files.get("file")
        code = (request.form.get("code") or "").strip().upper()
        text = services.TEMPLATE.replace("NEWDEPT", code) if code else ""
        if upload is not None and upload.filename:
            raw = upload.read(services.MAX_BYTES + 1)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                flash("The file is not UTF-8 text; save it as UTF-8 and upload it again.", "danger")
                return redirect(url_for("ConfigEditorView.index"))
        try:
            code, validation = services.create_department(db.session, current_user, text, _runtime())
        except services.NotAllowed as exc:
            return self._refuse(exc)
        except services.DraftInvalid as exc:
            for error in exc.validation.errors[:20]:
                flash(f"Line {error.line}: {error.message}", "danger")
            return redirect(url_for("ConfigEditorView.index"))
        flash(f"Draft of the new department {code} created: validate it, then publish it.", "success")
        return redirect(url_for("ConfigEditorView.editor", code=code))

    @expose("/<code>")
    @has_access
    def editor(self, code):
        session = db.session
        try:
            services.authorize(session, current_user, code)
        except services.NotAllowed as exc:
            return self._refuse(exc)
        pub = services.published(session, code, _runtime())
        draft = services.draft_of(session, current_user, code)
        if pub.text is None and draft is None:
            return self.render_template("configuration/message.html", title="Not found",
                                        message=f"There is no department {code[:16]}."), 404
        text = draft.text if draft is not None else pub.text
        base_id = draft.base_version_id if draft is not None else pub.version.id
        stale = draft is not None and base_id != pub.version.id and \
            services.text_in_version(draft.base_version, code, pub.file_name) != pub.text
        return self.render_template(
            "configuration/editor.html", code=code, dept=pub.catalogue.departments.get(code), pub=pub, draft=draft,
            text=text, base_id=base_id, stale=stale, rules=services.rules_table(text),
            changes=services.history(session, code, 30), versions=services.versions(session, 30),
            unsaved_changes=draft is not None and draft.text != pub.text)

    @expose("/<code>/validate", methods=["POST"])
    @has_access_api
    def validate(self, code):
        body = json_object()
        text = body.get("text")
        if not isinstance(text, str):
            return _json_error(400, "text: the department's YAML is required.")
        try:
            services.authorize(db.session, current_user, code)
            pub = services.published(db.session, code, _runtime())
            if pub.text is None:
                services.require_admin(current_user)
        except services.NotAllowed as exc:
            return _json_error(403, str(exc))
        result = services.validate_on(pub, code, text, new=pub.text is None)
        return jsonify(**result.to_dict(), rules=services.rules_table(text), findings=services.findings(result))

    @expose("/<code>/simulate", methods=["POST"])
    @has_access_api
    def simulate(self, code):
        """Dry run: re-decides the department's recent grievances under the text (nothing is written)."""
        body = json_object()
        text = body.get("text")
        if not isinstance(text, str):
            return _json_error(400, "text: the department's YAML is required.")
        try:
            since, until = (_date(body.get(k), k) for k in ("since", "until"))
            try:
                limit = int(body.get("limit") or simulation.DEFAULT_LIMIT)
            except (TypeError, ValueError):
                limit = 0  # not a number: refused below
            if not 1 <= limit <= 10_000:
                raise ValueError("limit: between 1 and 10,000 grievances.")
        except ValueError as exc:
            return _json_error(400, str(exc))
        try:
            services.authorize(db.session, current_user, code)
            pub = services.published(db.session, code, _runtime())
        except services.NotAllowed as exc:
            return _json_error(403, str(exc))
        result = services.validate_on(pub, code, text, new=pub.text is None)
        if not result.ok:
            return _json_error(400, "Correct the errors first: the simulation needs a valid file.", **result.to_dict())
        try:
            report = simulation.simulate(db.session, result.catalogue, code, since=since, until=until, limit=limit)
        except simulation.SimulationError as exc:
            return _json_error(400, str(exc))
        finally:
            db.session.rollback()  # read only: end the transaction the reads opened
        return jsonify(**report.to_dict(), summary=report.summary())

    @expose("/<code>/draft", methods=["POST"])
    @has_access_api
    def save(self, code):
        body = json_object()
        text = body.get("text")
        if not isinstance(text, str):
            return _json_error(400, "text: the department's YAML is required.")
        try:
            draft = services.save_draft(db.session, current_user, code, text)
        except services.NotAllowed as exc:
            return _json_error(403, str(exc))
        except services.DraftInvalid as exc:
            return _json_error(400, str(exc.validation.errors[0].message))
        return jsonify(saved_at=draft.updated_at.isoformat(), base_version_id=draft.base_version_id)

    @expose("/<code>/publish", methods=["POST"])
    @has_access_api
    def publish(self, code):
        """Saves the text as the draft, then publishes it on the version the draft was started from."""
        body = json_object()
        text, message = body.get("text"), body.get("message") or ""
        if not isinstance(text, str) or not isinstance(message, str):
            return _json_error(400, "text: the department's YAML is required.")
        session = db.session
        try:
            draft = services.save_draft(session, current_user, code, text)
            version = services.publish_department(session, current_user, code, text, draft.base_version_id,
                                                  message.strip()[:500], runtime=_runtime())
        except services.NotAllowed as exc:
            return _json_error(403, str(exc))
        except services.RebaseNeeded as exc:
            return _json_error(409, str(exc), latest_version_id=exc.latest_id,
                               diff_url=url_for("ConfigEditorView.diff", code=code))
        except services.DraftInvalid as exc:
            return _json_error(400, str(exc), **exc.validation.to_dict())
        return jsonify(version_id=version.id, content_hash=version.content_hash,
                       message=f"Published {code} as version {version.id}.")

    @expose("/<code>/diff")
    @has_access
    def diff(self, code):
        session = db.session
        try:
            services.authorize(session, current_user, code)
        except services.NotAllowed as exc:
            return self._refuse(exc)
        pub = services.published(session, code, _runtime())
        draft = services.draft_of(session, current_user, code)
        lines = services.diff(pub.text, draft.text, code) if draft is not None else []
        return self.render_template("configuration/diff.html", code=code, pub=pub, draft=draft, lines=lines)

    @expose("/<code>/rebase", methods=["POST"])
    @has_access
    def rebase(self, code):
        try:
            services.rebase_draft(db.session, current_user, code)
        except services.NotAllowed as exc:
            return self._refuse(exc)
        flash("Your draft is now based on the latest version. Check the differences: publishing replaces "
              "the published file with your draft.", "warning")
        return redirect(url_for("ConfigEditorView.diff", code=code))

    @expose("/<code>/discard", methods=["POST"])
    @has_access
    def discard(self, code):
        try:
            services.discard_draft(db.session, current_user, code)
        except services.NotAllowed as exc:
            return self._refuse(exc)
        flash("Draft discarded.", "success")
        exists = services.published(db.session, code, _runtime()).text is not None
        return redirect(url_for("ConfigEditorView.editor", code=code) if exists else url_for("ConfigEditorView.index"))

    @expose("/<code>/rollback", methods=["POST"])
    @has_access
    def rollback(self, code):
        try:
            version_id = int(request.form.get("version_id", ""))
        except ValueError:
            flash("Version: choose the version to go back to.", "danger")
            return redirect(url_for("ConfigEditorView.editor", code=code))
        try:
            version = services.rollback_department(db.session, current_user, code, version_id,
                                                   (request.form.get("message") or "").strip()[:500], _runtime())
        except services.NotAllowed as exc:
            if "no department" in str(exc):
                flash(str(exc), "danger")
                return redirect(url_for("ConfigEditorView.editor", code=code))
            return self._refuse(exc)
        except services.DraftInvalid as exc:
            flash(f"Version {version_id} of {code} no longer fits the catalogue: "
                  + "; ".join(e.message for e in exc.validation.errors[:5]), "danger")
            return redirect(url_for("ConfigEditorView.editor", code=code))
        flash(f"{code} rolled back to version {version_id}: published as version {version.id}.", "success")
        return redirect(url_for("ConfigEditorView.editor", code=code))

    @expose("/rollback", methods=["POST"])
    @has_access
    def rollback_all(self):
        try:
            version_id = int(request.form.get("version_id", ""))
            version = services.rollback_catalogue(db.session, current_user, version_id,
                                                  (request.form.get("message") or "").strip()[:500], _runtime())
        except ValueError:
            flash("Version: choose the version to go back to.", "danger")
            return redirect(url_for("ConfigEditorView.index"))
        except services.NotAllowed as exc:
            return self._refuse(exc)
        flash(f"The catalogue rolled back to version {version_id}: published as version {version.id}.", "success")
        return redirect(url_for("ConfigEditorView.index"))


class NodalAssignmentView(ModelView):
    """Administrators make a login the nodal officer of a department; the login gets the Nodal Officer role."""

    datamodel = SQLAInterface(NodalAssignment)
    base_permissions = {"can_list", "can_show", "can_add", "can_delete"}
    list_columns = ["user", "department", "assigned_at"]
    add_columns = ["user", "department"]
    label_columns = {"user": "Login", "department": "Department"}
    base_order = ("assigned_at", "desc")

    def pre_add(self, item):
        sm = self.appbuilder.sm
        role = sm.find_role(services.NODAL_ROLE)
        if role is not None and item.user is not None and role not in item.user.roles:
            item.user.roles.append(role)


class ConfigChangeView(ModelView):
    """The configuration audit log: every publish and rollback, by whom, when, on which version."""

    datamodel = SQLAInterface(ConfigChange)
    base_permissions = {"can_list", "can_show"}
    list_columns = ["id", "at", "action", "department_code", "version_id", "base_version_id", "restored_version_id",
                    "author", "message"]
    show_columns = list_columns + ["content_hash"]
    label_columns = {"department_code": "Department", "version_id": "Version", "base_version_id": "Based on",
                     "restored_version_id": "Restored version"}
    search_columns = ["action", "department_code", "author"]
    base_order = ("id", "desc")


def register(appbuilder) -> None:
    appbuilder.add_view(ConfigEditorView, "Edit configuration", icon="fa-code", category="Configuration")
    appbuilder.add_view(NodalAssignmentView, "Nodal officers", icon="fa-user-shield", category="Configuration")
    appbuilder.add_view(ConfigChangeView, "Configuration log", icon="fa-history", category="Configuration")
