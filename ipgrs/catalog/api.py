"""The public catalogue API: the taxonomy in English and Kannada, as the mobile app and the portal need it."""
from __future__ import annotations

import json
import threading

from flask import Response
from flask_appbuilder.api import BaseApi, expose

from ..extensions import db


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
