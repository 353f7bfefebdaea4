"""The mobile app's grievance API: file, list mine, read one (404 for anyone else's)."""
from __future__ import annotations

import json
import re

from flask import g, jsonify, request
from flask_appbuilder.api import BaseApi, expose
from sqlalchemy import select

from ..extensions import db
from ..portal.auth import token_required
from . import actions, services
from .models import Grievance
from .queries import grievance_view, loaded_for_view


CLIENT_KEY = re.compile(r"[A-Za-z0-9._:-]{1,64}")


def _filing_from_request() -> services.FilingRequest | tuple:
    client_key = request.headers.get("Idempotency-Key")
    if client_key is not None and not CLIENT_KEY.fullmatch(client_key):
        return jsonify(message="Idempotency-Key: 1 to 64 letters, digits, '.', '_', ':' or '-' (a UUID will do)."), 400
    if request.mimetype == "multipart/form-data":
        try:
            body = json.loads(request.form.get("data", "{}"))
        except ValueError:
            return jsonify(message="The 'data' part must be JSON."), 400
        uploads = [(key.split(".", 1)[1], fs) for key, fs in request.files.items(multi=True) if key.startswith("file.") and fs.filename]
        uploads += [(None, fs) for fs in request.files.getlist("attachments") if fs.filename]
    else:
        body, uploads = request.get_json(silent=True), []
    if not isinstance(body, dict):
        return jsonify(message="Send the grievance as a JSON object (or multipart with a 'data' JSON part)."), 400
    form, location = body.get("form") or {}, body.get("location") or {"where": "current"}
    if not isinstance(form, dict) or not isinstance(location, dict):
        return jsonify(message="'form' and 'location' must be JSON objects."), 400
    return services.FilingRequest(
        grievance_type=str(body.get("grievance_type") or ""), description=str(body.get("description") or ""),
        category=body.get("category"), subcategory=body.get("subcategory"), form=form, location=location,
        uploads=uploads, channel="APP", client_key=client_key)


class GrievanceApi(BaseApi):
    resource_name = "grievances"
    openapi_spec_tag = "Grievances"

    @expose("", methods=["POST"])
    @token_required
    def file(self):
        """File a grievance.
        ---
        post:
          summary: File a grievance (JSON, or multipart with a 'data' JSON part and files)
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  required: [grievance_type, description]
                  properties:
                    grievance_type: {type: string, example: REV_RTC_NOT_ISSUED}
                    description: {type: string}
                    category: {type: string}
                    subcategory: {type: string}
                    form: {type: object}
                    location: {type: object}
          parameters:
          - in: header
            name: Idempotency-Key
            required: false
            schema: {type: string, pattern: "^[A-Za-z0-9._:-]{1,64}$"}
            description: >
              A key the app makes for this filing (a UUID) and sends again with it when it re-sends after a lost
              answer: the same key from the same citizen finds the grievance filed the first time (200) instead of
              filing a second one.
          responses:
            200: {description: "Filed before with this Idempotency-Key: the same grievance; Idempotent-Replayed: true"}
            201: {description: "Filed: number, status, with, due_at"}
            400: {description: "Errors by field: {message, errors: {field: [sentences]}}"}
            401: {description: No valid token}
        """
        filing = _filing_from_request()
        if isinstance(filing, tuple):
            return filing
        try:
            grievance, new = services.file_once(db.session, g.citizen, filing)
        except services.FilingInvalid as exc:
            return jsonify(message="The grievance was not filed: please correct the fields listed.", errors=exc.errors), 400
        answer = jsonify(grievance=grievance_view(loaded_for_view(db.session, grievance)))
        if not new:
            answer.headers["Idempotent-Replayed"] = "true"
        return answer, 201 if new else 200

    @expose("", methods=["GET"])
    @token_required
    def mine(self):
        """My grievances, newest first.
        ---
        get:
          summary: The logged-in citizen's grievances
          responses:
            200: {description: A list of grievances}
            401: {description: No valid token}
        """
        rows = db.session.scalars(select(Grievance).where(Grievance.citizen_id == g.citizen.id)
                                  .order_by(Grievance.created_at.desc()).limit(200)).all()
        return jsonify(grievances=[grievance_view(r) for r in rows])

    @expose("/<number>", methods=["GET"])
    @token_required
    def one(self, number):
        """One of my grievances with its timeline.
        ---
        get:
          summary: One grievance of the logged-in citizen (404 for any other)
          parameters:
          - {in: path, name: number, required: true, schema: {type: string}}
          responses:
            200: {description: The grievance and its events}
            401: {description: No valid token}
            404: {description: No grievance of yours has that number}
        """
        row = db.session.scalar(select(Grievance).where(Grievance.number == number[:20]))
        if row is None or row.citizen_id != g.citizen.id:
            return jsonify(message="No grievance of yours has that ID."), 404
        return jsonify(grievance=grievance_view(row, with_events=True))


    @expose("/<number>/reply", methods=["POST"])
    @token_required
    def reply(self, number):
        """Answer the officer's request for information.
        ---
        post:
          summary: Answer the officer's request for information (JSON {answer}; the clock resumes)
          parameters:
          - {in: path, name: number, required: true, schema: {type: string}}
          responses:
            200: {description: The grievance}
            400: {description: Errors by field}
            401: {description: No valid token}
            404: {description: No grievance of yours has that number}
            409: {description: Not waiting for information}
        """
        return self._citizen_action(number, lambda row, body: actions.citizen_reply(db.session, row, g.citizen, body.get("answer")))

    @expose("/<number>/feedback", methods=["POST"])
    @token_required
    def feedback(self, number):
        """Rate the redressal; not satisfied reopens it as an appeal.
        ---
        post:
          summary: "Feedback after resolution: {rating: 1-5, satisfied: true|false, comment}"
          parameters:
          - {in: path, name: number, required: true, schema: {type: string}}
          responses:
            200: {description: The grievance}
            400: {description: Errors by field}
            401: {description: No valid token}
            404: {description: No grievance of yours has that number}
            409: {description: Not resolved, or the appeal window has passed}
        """
        return self._citizen_action(number, lambda row, body: actions.feedback(
            db.session, row, g.citizen, body.get("rating"), body.get("satisfied"), body.get("comment")))

    def _citizen_action(self, number, act):
        row = db.session.scalar(select(Grievance).where(Grievance.number == number[:20]))
        if row is None or row.citizen_id != g.citizen.id:
            return jsonify(message="No grievance of yours has that ID."), 404
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            return jsonify(message="Send a JSON object."), 400
        try:
            act(row, body)
        except actions.ActionInvalid as exc:
            return jsonify(message="Please correct the fields listed.", errors=exc.errors), 400
        except actions.TransitionRefused as exc:
            return jsonify(message=str(exc)), 409
        return jsonify(grievance=grievance_view(row, with_events=True))
