"""The mobile app's login and profile API: OTP → bearer token → /me."""
from __future__ import annotations

from flask import current_app, g, jsonify, request
from flask_appbuilder.api import BaseApi, expose

from ..extensions import db
from ..portal.auth import token_required
from . import services


def _json_body() -> dict:
    body = request.get_json(silent=True)
    return body if isinstance(body, dict) else {}


def citizen_json(citizen) -> dict:
    return {"mobile": citizen.mobile, "name": citizen.name, "email": citizen.email, "language": citizen.language,
            "date_of_birth": citizen.date_of_birth.isoformat() if citizen.date_of_birth else None,
            "gender": citizen.gender, "district": citizen.district, "taluk": citizen.taluk, "locality": citizen.locality,
            "pincode": citizen.pincode, "profile_complete": citizen.profile_complete}


def _limited(exc: services.RateLimited):
    response = jsonify(message=str(exc), retry_after=exc.retry_after)
    response.headers["Retry-After"] = str(exc.retry_after)
    return response, 429


class AuthApi(BaseApi):
    resource_name = "auth"
    openapi_spec_tag = "Citizen login"

    @expose("/otp", methods=["POST"])
    def otp(self):
        """Send a login code by SMS.
        ---
        post:
          summary: Send a 6-digit login code to an Indian mobile number
          requestBody:
            content:
              application/json:
                schema: {type: object, required: [mobile], properties: {mobile: {type: string, example: "9876543210"}, language: {type: string, enum: [en, kn]}}}
          responses:
            202: {description: Code sent (the same answer whether or not the number is registered)}
            400: {description: Not a valid Indian mobile number}
            429: {description: Too many codes; see retry_after}
        """
        try:
            body = _json_body()
            sent = services.request_otp(db.session, body.get("mobile"), request.remote_addr or "?", language=body.get("language") or "en")
        except services.InvalidMobile as exc:
            return jsonify(message=str(exc), field="mobile"), 400
        except services.RateLimited as exc:
            return _limited(exc)
        return jsonify(message="A code has been sent by SMS.", expires_in=sent.expires_in, resend_after=sent.resend_after), 202

    @expose("/token", methods=["POST"])
    def token(self):
        """Exchange the code for a bearer token.
        ---
        post:
          summary: Verify the code; registers the citizen on first login and returns a bearer token
          requestBody:
            content:
              application/json:
                schema: {type: object, required: [mobile, code], properties: {mobile: {type: string}, code: {type: string}}}
          responses:
            200: {description: "token, expires_at, citizen"}
            400: {description: Bad mobile number}
            401: {description: Wrong, expired or used code}
        """
        body = _json_body()
        try:
            citizen, registered = services.verify_otp(db.session, body.get("mobile"), body.get("code"), language=body.get("language") or "en")
        except services.InvalidMobile as exc:
            return jsonify(message=str(exc), field="mobile"), 400
        except services.OtpError as exc:
            return jsonify(message=str(exc), field="code"), 401
        raw, token = services.issue_token(db.session, citizen)
        return jsonify(token=raw, expires_at=token.expires_at.isoformat(), registered=registered, citizen=citizen_json(citizen))

    @expose("/logout", methods=["POST"])
    @token_required
    def logout(self):
        """Revoke this bearer token.
        ---
        post:
          summary: Revoke the bearer token used for this call
          responses:
            200: {description: Revoked}
            401: {description: No valid token}
        """
        services.revoke_token(db.session, request.headers["Authorization"][7:].strip())
        return jsonify(message="Logged out.")


class MeApi(BaseApi):
    resource_name = "me"
    route_base = "/api/v1/me"
    openapi_spec_tag = "Citizen profile"

    @expose("", methods=["GET"])
    @token_required
    def get(self):
        """The citizen's profile.
        ---
        get:
          summary: The logged-in citizen's profile
          responses:
            200: {description: The profile}
            401: {description: No valid token}
        """
        return jsonify(citizen=citizen_json(g.citizen))

    @expose("", methods=["PUT"])
    @token_required
    def put(self):
        """Fill in or change the profile (auto-fetched into every filing).
        ---
        put:
          summary: Save the profile
          requestBody:
            content:
              application/json:
                schema:
                  type: object
                  required: [name, district, taluk, pincode]
                  properties:
                    name: {type: string}
                    email: {type: string}
                    language: {type: string, enum: [en, kn]}
                    date_of_birth: {type: string, format: date}
                    gender: {type: string, enum: [female, male, transgender, other]}
                    district: {type: string}
                    taluk: {type: string}
                    locality: {type: string}
                    pincode: {type: string}
          responses:
            200: {description: Saved}
            400: {description: "Errors by field: {message, errors: {field: [sentences]}}"}
            401: {description: No valid token}
        """
        runtime = current_app.extensions["ipgrs.rules"]
        try:
            services.update_profile(db.session, g.citizen, _json_body(), runtime.current(db.session).jurisdictions)
        except services.ProfileInvalid as exc:
            return jsonify(message="Please correct the profile.", errors=exc.errors), 400
        return jsonify(citizen=citizen_json(g.citizen))
