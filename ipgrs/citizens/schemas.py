"""marshmallow schemas for the citizen profile and a grievance location, shared by the portal and the API."""
from __future__ import annotations

from datetime import date

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from .models import LANGUAGES

PINCODE = r"^5[6-9][0-9]{4}$"  # Karnataka's pincodes run from 560001 to 591346
GENDERS = ("female", "male", "transgender", "other")


def _blank_to_none(data: dict) -> dict:
    return {k: (v.strip() if isinstance(v, str) else v) or None for k, v in data.items()}


class _JurisdictionChecked(Schema):
    class Meta:
        unknown = EXCLUDE

    def __init__(self, *args, context_jurisdictions=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.jurisdictions = context_jurisdictions

    @pre_load
    def _strip(self, data, **kwargs):
        return _blank_to_none(dict(data))

    def _check_place(self, data, district_key="district", taluk_key="taluk"):
        if self.jurisdictions is None or not data.get(district_key):
            return
        district = self.jurisdictions.district(data[district_key])
        if district is None:
            raise ValidationError({district_key: [f"District: '{data[district_key]}' is not a district of Karnataka."]})
        taluk = data.get(taluk_key)
        if taluk and taluk not in {t.en for t in district.taluks}:
            raise ValidationError({taluk_key: [f"Taluk: '{taluk}' is not a taluk of {district.name.en}."]})


def _required(label):
    return {"required": f"{label}: this field is required.", "null": f"{label}: this field is required."}


class ProfileSchema(_JurisdictionChecked):
    name = fields.String(required=True, validate=validate.Length(2, 120, error="Name: give 2 to 120 characters."),
                         error_messages=_required("Name"))
    email = fields.Email(allow_none=True, error_messages={"invalid": "Email: not a valid e-mail address."})
    language = fields.String(load_default="en", validate=validate.OneOf(LANGUAGES, error="Language: choose English or Kannada."))
    date_of_birth = fields.Date(allow_none=True, error_messages={"invalid": "Date of birth: use the form YYYY-MM-DD."})
    gender = fields.String(allow_none=True, validate=validate.OneOf(GENDERS, error="Gender: choose one of the options."))
    district = fields.String(required=True, error_messages=_required("District"))
    taluk = fields.String(required=True, error_messages=_required("Taluk"))
    locality = fields.String(allow_none=True, validate=validate.Length(max=120, error="Ward or village: at most 120 characters."))
    pincode = fields.String(required=True, error_messages=_required("Pincode"),
                            validate=validate.Regexp(PINCODE, error="Pincode: a Karnataka pincode has 6 digits and starts with 56–59."))

    @validates_schema
    def _checks(self, data, **kwargs):
        dob = data.get("date_of_birth")
        if dob is not None and not (date(1900, 1, 1) <= dob <= date.today()):
            raise ValidationError({"date_of_birth": ["Date of birth: must be a past date."]})
        self._check_place(data)


class LocationSchema(_JurisdictionChecked):
    """Where the grievance is: the citizen's registered address ("current") or another place ("other")."""

    where = fields.String(load_default="current", validate=validate.OneOf(("current", "other"), error="Location: choose current or other."))
    district = fields.String(allow_none=True)
    taluk = fields.String(allow_none=True)
    locality = fields.String(allow_none=True, validate=validate.Length(max=120, error="Ward or village: at most 120 characters."))
    landmark = fields.String(allow_none=True, validate=validate.Length(max=200, error="Landmark: at most 200 characters."))
    pincode = fields.String(allow_none=True, validate=validate.Regexp(PINCODE, error="Pincode: a Karnataka pincode has 6 digits and starts with 56–59."))
    latitude = fields.Float(allow_none=True, validate=validate.Range(11.5, 18.5, error="Latitude: the place must be in Karnataka (11.5 to 18.5)."),
                            error_messages={"invalid": "Latitude: not a number."})
    longitude = fields.Float(allow_none=True, validate=validate.Range(74.0, 78.6, error="Longitude: the place must be in Karnataka (74.0 to 78.6)."),
                             error_messages={"invalid": "Longitude: not a number."})

    @validates_schema
    def _checks(self, data, **kwargs):
        if data.get("where") == "other":
            missing = {k: [f"{label}: this field is required for another place."]
                       for k, label in (("district", "District"), ("taluk", "Taluk")) if not data.get(k)}
            if missing:
                raise ValidationError(missing)
            self._check_place(data)
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise ValidationError({"latitude": ["Latitude and longitude: give both or neither."]})
