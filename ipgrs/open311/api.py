"""The Open311 GeoReport v2 endpoints under /open311/v2/ (JSON only). Thin: parse, call services, answer.

Every error is the spec's list `[{"code": 400, "description": "..."}]`, also for 405 and 500
(errors.py sends routing errors under /open311/ here too).
"""
from __future__ import annotations

import logging

from flask import Blueprint, jsonify, request
from werkzeug.exceptions import HTTPException

from ..extensions import csrf, db
from . import services
from .services import NewRequest, Open311Error

log = logging.getLogger(__name__)

blueprint = Blueprint("open311", __name__, url_prefix="/open311/v2")
csrf.exempt(blueprint)  # partner apps authenticate with an api_key, not a session cookie


def error_response(status: int, descriptions: list[str]):
    response = jsonify([{"code": status, "description": d} for d in descriptions])
    response.status_code = status
    return response


def http_error(exc: HTTPException):
    description = exc.description or exc.name
    if exc.code == 404:
        description = "Not found: the Open311 resources are services.json, services/<service_code>.json, requests.json and requests/<service_request_id>.json."
    elif exc.code == 405:
        description = f"Method {request.method} is not allowed on {request.path}."
    response = error_response(exc.code or 500, [description])
    if exc.code == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


@blueprint.errorhandler(Open311Error)
def _open311_error(exc: Open311Error):
    db.session.rollback()
    return error_response(exc.status, exc.descriptions)


@blueprint.errorhandler(HTTPException)
def _http_error(exc: HTTPException):
    return http_error(exc)


@blueprint.errorhandler(Exception)
def _unexpected(exc: Exception):
    if isinstance(exc, HTTPException):
        return http_error(exc)
    log.exception("unhandled error on %s %s", request.method, request.path)
    db.session.rollback()
    return error_response(500, ["Something went wrong on our side. The error has been logged; please try again."])


def _lang() -> str:
    return "kn" if (request.values.get("lang") or request.values.get("locale") or "").lower().startswith("kn") else "en"


@blueprint.before_request
def _jurisdiction():
    services.check_jurisdiction(request.values.get("jurisdiction_id"))


@blueprint.get("/services.json")
def service_list():
    return jsonify(services.service_list(db.session, _lang()))


@blueprint.get("/services/<service_code>.json")
def service_definition(service_code: str):
    return jsonify(services.service_definition(db.session, service_code, _lang()))


@blueprint.get("/requests.json")
def requests_list():
    args = request.args
    return jsonify(services.find_requests(
        db.session, service_request_id=args.get("service_request_id"), service_code=args.get("service_code"),
        start_date=args.get("start_date"), end_date=args.get("end_date"), status=args.get("status"), lang=_lang()))


@blueprint.get("/requests/<service_request_id>.json")
def request_one(service_request_id: str):
    return jsonify(services.get_request(db.session, service_request_id, _lang()))


def _attributes(form) -> dict:
    """attribute[code]=value, and attribute[code][]=value repeated for a multivaluelist."""
    out: dict = {}
    for name in form:
        if not (name.startswith("attribute[") and name.endswith("]")):
            continue
        multiple = name.endswith("[]")
        code = name[len("attribute["):-3 if multiple else -1]
        values = [v for v in form.getlist(name)]
        out[code] = values if (multiple or len(values) > 1) else values[0]
    return out


@blueprint.post("/requests.json")
def request_create():
    data = request.form
    if request.is_json:  # some clients send JSON; the spec's form fields, with attribute as an object
        from werkzeug.datastructures import MultiDict

        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise Open311Error(400, "The request body is not a JSON object.")
        pairs = [(k, v) for k, v in body.items() if k != "attribute" and not isinstance(v, (dict, list))]
        for code, value in (body.get("attribute") or {}).items():
            for item in (value if isinstance(value, list) else [value]):
                pairs.append((f"attribute[{code}][]" if isinstance(value, list) else f"attribute[{code}]", str(item)))
        data = MultiDict(pairs)
    key = services.authenticate(db.session, data.get("api_key") or request.args.get("api_key"))
    services.count_post(db.session, key)
    new = NewRequest(
        service_code=data.get("service_code"), description=data.get("description"), attributes=_attributes(data),
        lat=data.get("lat"), long=data.get("long"), address_string=data.get("address_string"), phone=data.get("phone"),
        email=data.get("email"), first_name=data.get("first_name"), last_name=data.get("last_name"),
        account_id=data.get("account_id"))
    response = jsonify(services.create_request(db.session, key, new))
    response.status_code = 201
    return response
