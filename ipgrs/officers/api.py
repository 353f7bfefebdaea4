"""The officer's JSON API: the inbox, one grievance, and the actions on it. Authenticated by the FAB session
(browser) or FAB's JWT (POST /api/v1/security/login), with the Officer role's permissions."""
from __future__ import annotations

import json

from flask import current_app, request
from flask_appbuilder.api import BaseApi, expose
from flask_appbuilder.security.decorators import protect
from flask_wtf.csrf import validate_csrf
from wtforms import ValidationError

from .. import clock
from ..citizens import privacy
from ..extensions import db
from ..grievances import actions, explain, workflow
from . import handling, inbox


def _bi(row) -> dict:
    return {"en": row.name_en, "kn": row.name_kn}


def row_json(row: inbox.InboxRow) -> dict:
    g = row.grievance
    gt = g.grievance_type
    return {
        "number": g.number, "status": g.status, "row_version": g.row_version, "priority": g.priority, "channel": g.channel,
        "scope": row.scope, "sla": row.sla, "sla_text": row.sla_text, "due_at": g.due_at.isoformat(),
        "filed_at": g.created_at.isoformat(), "level": g.level, "critical": g.critical,
        "grievance_type": {"code": gt.code, "name": _bi(gt)}, "service": {"code": gt.service.code, "name": _bi(gt.service)},
        "department": {"code": g.department.code, "name": _bi(g.department)},
        "district": g.district.name_en if g.district else None, "taluk": g.taluk.name_en if g.taluk else None,
        "post": {"code": g.assigned_post.code, "name": _bi(g.assigned_post), "office": handling.office_of(g)},
    }


def grievance_json(g, scope: str) -> dict:
    """Everything the officer needs to act. The citizen's name and mobile, the street address and the contact details
    in the form only for the officer holding the post; a supervisor gets them masked (citizens.privacy)."""
    mine = scope == inbox.MINE
    view = row_json(inbox.InboxRow(g, scope, inbox.sla_of(g)))
    version = g.ruleset_version
    personal = privacy.grievance_view(g, full=mine)
    view.update({
        "citizen": personal["citizen"],
        "category": g.category, "subcategory": g.subcategory, "description": personal["description"],
        "form": personal["form"], "location": personal["location"],
        "officer": g.assigned_officer.name if g.assigned_officer else None, "vacancy_note": g.vacancy_note,
        "transfer_count": g.transfer_count, "reopen_count": g.reopen_count, "escalation_count": g.escalation_count,
        "routing": {"explanation": list(g.decision.get("explanation") or []), "rules_fired": list(g.decision.get("rules_fired") or []),
                    "escalation": list(g.decision.get("escalation") or []), "timeline_days": list(g.decision.get("timeline_days") or []),
                    "ruleset_version": {"id": version.id, "content_hash": version.content_hash}},
        "attachments": [{"id": a.id, "name": a.original_name, "content_type": a.content_type, "size": a.size,
                         "url": f"/attachments/{a.id}"} for a in g.attachments],
        "events": [{"at": e.at.isoformat(), "kind": e.kind, "by": e.actor_label, "actor_kind": e.actor_kind,
                    "from_status": e.from_status, "to_status": e.to_status, "note": e.note,
                    "visible_to_citizen": e.visible_to_citizen, "data": e.data} for e in sorted(g.events, key=lambda e: (e.at, e.id))],
        "actions": handling.available_actions(g, scope),
        "explain": explain.explain(db.session, g, current_app.extensions["ipgrs.rules"].current(db.session)),
    })
    return view


class OfficerApi(BaseApi):
    resource_name = "officer"
    openapi_spec_tag = "Officer"
    allow_browser_login = True

    def _officer(self):
        user = current_app.appbuilder.sm.current_user
        try:
            return handling.officer_for_user(db.session, user.id if user else None), (user.id if user else None)
        except handling.NotAnOfficer as exc:
            return self.response(403, message=str(exc)), None

    @expose("/grievances", methods=["GET"])
    @protect()
    def inbox(self):
        """The officer's inbox.
        ---
        get:
          summary: Grievances at the officer's posts and, for supervision, pending ones below them in their chains
          parameters:
          - {in: query, name: status, schema: {type: string}, description: "a status, 'pending' (open, accepted, reopened, awaiting_citizen) or several separated by commas; default: every status"}
          - {in: query, name: sla, schema: {type: string, enum: [on_time, due_in_2_days, overdue, paused, stopped]}}
          - {in: query, name: scope, schema: {type: string, enum: [mine, supervision]}}
          - {in: query, name: department, schema: {type: string}, description: department code}
          - {in: query, name: service, schema: {type: string}, description: service code}
          - {in: query, name: channel, schema: {type: string}}
          - {in: query, name: district, schema: {type: string}, description: English name}
          - {in: query, name: taluk, schema: {type: string}, description: English name}
          - {in: query, name: sort, schema: {type: string, enum: [due, -due, filed, -filed], default: due}}
          - {in: query, name: page, schema: {type: integer, minimum: 1, default: 1}}
          - {in: query, name: page_size, schema: {type: integer, minimum: 1, maximum: 100, default: 25}}
          responses:
            200: {description: "grievances (one page), total, page, page_size, pages, counts per facet and value"}
            400: {description: "Bad filters: {message, errors: {field: [sentences]}}"}
            401: {description: Not logged in}
            403: {description: Not an officer}
        """
        officer, _user_id = self._officer()
        if _user_id is None:
            return officer
        try:
            filters = inbox.InboxFilters.from_args(request.args)
        except inbox.FiltersInvalid as exc:
            return self.response(400, message="Please correct the filters.", errors=exc.errors)
        rows, total, counts = inbox.grievances_for(db.session, officer, filters)
        return self.response(200, grievances=[row_json(r) for r in rows], total=total, page=filters.page,
                             page_size=filters.page_size, pages=inbox.page_count(total, filters), counts=counts,
                             now=clock.now().isoformat())

    @expose("/grievances/<number>", methods=["GET"])
    @protect()
    def grievance(self, number):
        """One grievance in full.
        ---
        get:
          summary: One grievance with the routing explanation, attachments, the whole audit trail and the allowed actions
          parameters:
          - {in: path, name: number, required: true, schema: {type: string}}
          responses:
            200: {description: The grievance}
            401: {description: Not logged in}
            403: {description: Not an officer}
            404: {description: Not in this officer's inbox}
        """
        officer, user_id = self._officer()
        if user_id is None:
            return officer
        try:
            g, scope = handling.find(db.session, officer, number)
        except actions.NotAllowed as exc:
            return self.response(404, message=str(exc))
        return self.response(200, grievance=grievance_json(g, scope))

    @expose("/grievances/<number>/<action>", methods=["POST"])
    @protect()
    def act(self, number, action):
        """Act on a grievance.
        ---
        post:
          summary: "accept, note, request_info, interim_reply, transfer, resolve or reject"
          description: >
            JSON {expected_version, ...fields}: note {note, visible_to_citizen}; request_info {question};
            interim_reply {note, expected_date}; transfer {reason, grievance_type and/or district, taluk};
            resolve {report} (or multipart with a 'data' JSON part and 'attachments' files); reject {reason, note}.
            Browser sessions sending multipart also send the X-CSRFToken header.
          parameters:
          - {in: path, name: number, required: true, schema: {type: string}}
          - {in: path, name: action, required: true, schema: {type: string}}
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  required: [expected_version]
                  properties:
                    expected_version: {type: integer}
          responses:
            200: {description: The grievance after the action}
            400: {description: "Bad input: {message, errors: {field: [sentences]}}"}
            401: {description: Not logged in}
            403: {description: "Not an officer, or only supervising this grievance"}
            404: {description: Not in this officer's inbox, or not an officer's action}
            409: {description: "The action is not allowed in the grievance's status, or the grievance changed since expected_version"}
        """
        officer, user_id = self._officer()
        if user_id is None:
            return officer
        fields, uploads = self._body()
        if fields is None:
            return uploads
        try:
            g, scope = handling.find(db.session, officer, number)
        except actions.NotAllowed as exc:
            return self.response(404, message=str(exc))
        try:
            outcome = handling.perform(db.session, g, handling.actor_for(officer, g, user_id), action, fields, uploads)
        except actions.ActionInvalid as exc:
            return self.response(400, message="Please correct the fields listed.", errors=exc.errors)
        except workflow.TransitionRefused as exc:
            return self.response(409, message=str(exc))
        except actions.NotAllowed as exc:
            if action not in handling.OFFICER_ACTIONS:
                return self.response(404, message=str(exc))
            return self.response(403, message=f"{exc} You can see this grievance because you supervise it.")
        return self.response(200, message=outcome.message, grievance=grievance_json(g, scope))

    def _body(self):
        """JSON, or multipart with a 'data' JSON part and 'attachments'. A browser session (no bearer token) that
        sends multipart — which any web page could — must also prove itself with the CSRF token."""
        if request.mimetype == "multipart/form-data":
            if not request.headers.get("Authorization", "").startswith("Bearer "):
                try:
                    validate_csrf(request.headers.get("X-CSRFToken"))
                except ValidationError:
                    return None, self.response(400, message="The CSRF token is missing or invalid: send it in the X-CSRFToken header.")
            try:
                body = json.loads(request.form.get("data") or "{}")
            except ValueError:
                return None, self.response(400, message="The 'data' part must be JSON.")
            uploads = [f for f in request.files.getlist("attachments") if f and f.filename]
        else:
            body, uploads = request.get_json(silent=True), []
        if not isinstance(body, dict):
            return None, self.response(400, message="Send the fields as a JSON object, e.g. {\"expected_version\": 3}.")
        return body, uploads
