"""The configuration API (FAB JWT from POST /api/v1/security/login): a department's published text and the
caller's draft, validate, publish and roll back — with the same per-department checks as the editor."""
from __future__ import annotations

from flask import current_app, request
from flask_appbuilder.api import BaseApi, expose
from flask_appbuilder.security.decorators import protect

from ..extensions import db
from . import services
from .views import json_object


class ConfigApi(BaseApi):
    resource_name = "config"
    openapi_spec_tag = "Configuration"
    method_permission_name = {"departments": "get", "department": "get", "validate": "post", "publish": "post",
                              "rollback": "post"}

    def _user(self):
        return current_app.appbuilder.sm.current_user

    def _runtime(self):
        return current_app.extensions["ipgrs.rules"]

    def _text(self):
        body = json_object()
        text = body.get("text")
        return body, (text if isinstance(text, str) else None)

    @expose("/departments", methods=["GET"])
    @protect()
    def departments(self):
        """The departments the caller may edit.
        ---
        get:
          summary: Department codes the caller may see and edit (all for an administrator)
          responses:
            200: {description: "{departments: [code, …]}"}
            401: {$ref: '#/components/responses/401'}
            403: {description: No permission to read the configuration (not a nodal officer or administrator)}
        """
        return self.response(200, departments=services.editable_codes(db.session, self._user()))

    @expose("/departments/<code>", methods=["GET"])
    @protect()
    def department(self, code):
        """A department's published YAML and the caller's draft.
        ---
        get:
          summary: The published text (with its version) and the caller's draft of one department
          parameters:
          - {in: path, name: code, required: true, schema: {type: string}}
          responses:
            200: {description: "{code, version_id, text, draft: {text, base_version_id} or null}"}
            401: {$ref: '#/components/responses/401'}
            403: {description: Not a nodal officer of this department}
            404: {description: No such department}
        """
        user = self._user()
        try:
            services.authorize(db.session, user, code)
        except services.NotAllowed as exc:
            return self.response(403, message=str(exc))
        pub = services.published(db.session, code, self._runtime())
        draft = services.draft_of(db.session, user, code)
        if pub.text is None and draft is None:
            return self.response(404, message=f"There is no department {code[:16]}.")
        return self.response(200, department=code, version_id=pub.version.id, text=pub.text,
                             draft={"text": draft.text, "base_version_id": draft.base_version_id} if draft else None)

    @expose("/departments/<code>/validate", methods=["POST"])
    @protect()
    def validate(self, code):
        """Validate a department's text within the published catalogue.
        ---
        post:
          summary: "Errors by line, as `ipgrs config validate` words them"
          parameters:
          - {in: path, name: code, required: true, schema: {type: string}}
          requestBody: {content: {application/json: {schema: {type: object, properties: {text: {type: string}}}}}}
          responses:
            200: {description: "{ok, errors: [{line, column, message, text}], elsewhere, summary}"}
            400: {description: No text}
            401: {$ref: '#/components/responses/401'}
            403: {description: Not a nodal officer of this department}
            404: {$ref: '#/components/responses/404'}
        """
        _body, text = self._text()
        if text is None:
            return self.response_400(message="text: the department's YAML is required.")
        user = self._user()
        try:
            services.authorize(db.session, user, code)
            pub = services.published(db.session, code, self._runtime())
            if pub.text is None:
                services.require_admin(user)
        except services.NotAllowed as exc:
            return self.response(403, message=str(exc))
        return self.response(200, **services.validate_on(pub, code, text, new=pub.text is None).to_dict())

    @expose("/departments/<code>/publish", methods=["POST"])
    @protect()
    def publish(self, code):
        """Publish a department's text as a new version of the catalogue.
        ---
        post:
          summary: Publish; base_version_id is the version the text was edited from
          parameters:
          - {in: path, name: code, required: true, schema: {type: string}}
          requestBody: {content: {application/json: {schema: {type: object, properties: {text: {type: string}, base_version_id: {type: integer}, message: {type: string}}}}}}
          responses:
            200: {description: "{version_id, content_hash}"}
            400: {description: The text has errors (listed as by validate); nothing was published}
            401: {$ref: '#/components/responses/401'}
            403: {description: Not a nodal officer of this department}
            409: {description: The department was published since base_version_id; rebase}
            404: {$ref: '#/components/responses/404'}
        """
        body, text = self._text()
        base = body.get("base_version_id")
        if text is None or not isinstance(base, int):
            return self.response_400(message="text and base_version_id are required.")
        try:
            version = services.publish_department(db.session, self._user(), code, text, base,
                                                  str(body.get("message") or "")[:500], runtime=self._runtime())
        except services.NotAllowed as exc:
            return self.response(403, message=str(exc))
        except services.RebaseNeeded as exc:
            return self.response(409, message=str(exc), latest_version_id=exc.latest_id)
        except services.DraftInvalid as exc:
            return self.response(400, message=str(exc), **exc.validation.to_dict())
        return self.response(200, version_id=version.id, content_hash=version.content_hash)

    @expose("/departments/<code>/rollback", methods=["POST"])
    @protect()
    def rollback(self, code):
        """Publish the department as it was in an earlier version (a new version).
        ---
        post:
          summary: Roll a department back to an earlier version
          parameters:
          - {in: path, name: code, required: true, schema: {type: string}}
          requestBody: {content: {application/json: {schema: {type: object, properties: {version_id: {type: integer}, message: {type: string}}}}}}
          responses:
            200: {description: "{version_id}"}
            400: {description: The old text no longer fits the catalogue}
            401: {$ref: '#/components/responses/401'}
            403: {description: Not a nodal officer of this department}
            404: {$ref: '#/components/responses/404'}
        """
        body = json_object()
        target = body.get("version_id")
        if not isinstance(target, int):
            return self.response_400(message="version_id is required.")
        try:
            version = services.rollback_department(db.session, self._user(), code, target,
                                                   str(body.get("message") or "")[:500], runtime=self._runtime())
        except services.NotAllowed as exc:
            return self.response(403, message=str(exc))
        except services.DraftInvalid as exc:
            return self.response(400, message=str(exc), **exc.validation.to_dict())
        return self.response(200, version_id=version.id)
