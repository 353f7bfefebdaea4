"""The public catalogue API: the taxonomy in English and Kannada, as the mobile app and the portal need it."""
from __future__ import annotations

import json
import threading

from flask import Response, request
from flask_appbuilder.api import BaseApi, expose

from .. import forms
from ..extensions import db
from .search import DEFAULT_LIMIT, LIMIT_ERROR, SearchQueryError, catalogue_search


def _bi(b) -> dict:
    return {"en": b.en, "kn": b.kn}


def taxonomy_json(catalogue) -> dict:
    departments = []
    for dept in sorted(catalogue.departments.values(), key=lambda d: d.code):
        departments.append({
            "code": dept.code,
            "name": _bi(dept.name),
            "line_departments": [{"code": c, "name": _bi(n)} for c, n in dept.line_departments.items()],
            "services": [{
                "code": s.code, "line_department": s.line_department, "name": _bi(s.name),
                "grievance_types": [{
                    "code": g.code, "name": _bi(g.name), "keywords": list(g.keywords), "has_form": bool(g.form),
                    "categories": [{
                        "code": c.code, "name": _bi(c.name),
                        "subcategories": [{"code": x.code, "name": _bi(x.name)} for x in c.subcategories],
                    } for c in g.categories],
                } for g in s.grievances],
            } for s in dept.services],
        })
    return departments


class CatalogApi(BaseApi):
    resource_name = "catalog"
    openapi_spec_tag = "Catalogue"
    _cache: dict = {}
    _cache_lock = threading.Lock()

    @expose("/departments", methods=["GET"])
    def departments(self):
        """The published taxonomy: Department › Line Department › Service › Grievance › Category › Subcategory.
        ---
        get:
          summary: The published catalogue of departments, in English and Kannada
          responses:
            200:
              description: Departments with their line departments, services and grievance types
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      version: {type: integer}
                      content_hash: {type: string}
                      departments: {type: array, items: {type: object}}
            503:
              description: No catalogue has been published yet
        """
        from ..app import rules_runtime

        runtime = rules_runtime()
        runtime.refresh(db.session)
        catalogue = runtime.catalogue
        if catalogue is None:
            return self.response(503, message="No catalogue has been published yet; run `ipgrs config publish`.")
        key = (runtime.version_id, catalogue.version)
        body = self._cache.get(key)
        if body is None:
            body = json.dumps({"version": runtime.version_id, "content_hash": catalogue.version,
                               "departments": taxonomy_json(catalogue)}, ensure_ascii=False)
            with self._cache_lock:
                self._cache.clear()
                self._cache[key] = body
        return Response(body, status=200, mimetype="application/json")

    def _published_catalogue(self):
        from ..app import rules_runtime

        runtime = rules_runtime()
        runtime.refresh(db.session)
        return runtime.catalogue

    @expose("/search", methods=["GET"])
    def search(self):
        """Keyword search over the catalogue, in English or Kannada, tolerant of typos.
        ---
        get:
          summary: Taxonomy combinations matching a citizen's words, best first
          parameters:
          - {in: query, name: q, required: true, schema: {type: string, minLength: 2, maxLength: 100}}
          - {in: query, name: limit, schema: {type: integer, minimum: 1, maximum: 50, default: 10}}
          responses:
            200:
              description: The query and its results (department, line_department, service, grievance_type,
                and category/subcategory when their names matched; each with code and name {en, kn}; score)
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      query: {type: string}
                      results: {type: array, items: {type: object}}
            400:
              description: The query is shorter than 2 or longer than 100 characters, or limit is not 1–50
            503:
              description: No catalogue has been published yet
        """
        q = request.args.get("q", "")
        limit = request.args.get("limit", "").strip()
        if limit and not limit.isdigit():
            return self.response_400(message=LIMIT_ERROR)
        catalogue = self._published_catalogue()
        if catalogue is None:
            return self.response(503, message="No catalogue has been published yet; run `ipgrs config publish`.")
        try:
            results = catalogue_search(catalogue).search(q, int(limit) if limit else DEFAULT_LIMIT)
        except SearchQueryError as exc:
            return self.response_400(message=str(exc))
        return self.response(200, query=q, results=results)

    @expose("/grievance-types/<code>/form", methods=["GET"])
    def grievance_type_form(self, code: str):
        """The form of a grievance type as JSON Schema, with labels in English and Kannada.
        ---
        get:
          summary: The case details form of a grievance type (JSON Schema draft 2020-12)
          parameters:
          - {in: path, name: code, required: true, schema: {type: string}}
          responses:
            200:
              description: The grievance type (code, name, department, line department, service) and its form
              content:
                application/json:
                  schema:
                    type: object
                    properties:
                      grievance_type: {type: object}
                      schema: {type: object}
            404:
              description: Unknown grievance type
            503:
              description: No catalogue has been published yet
        """
        catalogue = self._published_catalogue()
        if catalogue is None:
            return self.response(503, message="No catalogue has been published yet; run `ipgrs config publish`.")
        g = catalogue.grievance_types.get(code)
        if g is None:
            return self.response(404, message=f"Unknown grievance type '{code}'")
        dept = catalogue.departments[g.department]
        service = dept.service(g.service)
        grievance_type = {
            "code": g.code, "name": _bi(g.name),
            "department": {"code": dept.code, "name": _bi(dept.name)},
            "line_department": {"code": g.line_department, "name": _bi(dept.line_departments[g.line_department])},
            "service": {"code": service.code, "name": _bi(service.name)},
        }
        return self.response(200, grievance_type=grievance_type, schema=forms.json_schema(g))
