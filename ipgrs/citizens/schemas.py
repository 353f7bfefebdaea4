"""marshmallow schemas for the citizen profile and a grievance location, shared by the portal and the API."""
from __future__ import annotations

from datetime import date

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate, validates_schema

from ..i18n import current_language, tr
from .models import LANGUAGES


def N_(message: str) -> str:
    """Marks a static message for pybabel; the portal shows it translated (`_()` in portal/_macros.html)."""
    return message

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
            raise ValidationError({district_key: [tr("District: '{name}' is not a district of Karnataka.", name=data[district_key])]})
        taluk = data.get(taluk_key)
        if taluk and taluk not in {t.en for t in district.taluks}:
            raise ValidationError({taluk_key: [tr("Taluk: '{name}' is not a taluk of {district}.", name=taluk,
                                                     district=district.name.kn if current_language() == "kn" else district.name.en)]})


def _required(message):
    return {"required": message, "null": message}


class ProfileSchema(_JurisdictionChecked):
    name = fields.String(required=True, validate=validate.Length(2, 120, error=N_("Name: give 2 to 120 characters.")),
                         error_messages=_required(N_("Name: this field is required.")))
    email = fields.Email(allow_none=True, error_messages={"invalid": N_("Email: not a valid e-mail address.")})
    language = fields.String(load_default="en", validate=validate.OneOf(LANGUAGES, error=N_("Language: choose English or Kannada.")))
    date_of_birth = fields.Date(allow_none=True, error_messages={"invalid": N_("Date of birth: use the form YYYY-MM-DD.")})
    gender = fields.String(allow_none=True, validate=validate.OneOf(GENDERS, error=N_("Gender: choose one of the options.")))
    district = fields.String(required=True, error_messages=_required(N_("District: this field is required.")))
    taluk = fields.String(required=True, error_messages=_required(N_("Taluk: this field is required.")))
    locality = fields.String(allow_none=True, validate=validate.Length(max=120, error=N_("Ward or village: at most 120 characters.")))
    pincode = fields.String(required=True, error_messages=_required(N_("Pincode: this field is required.")),
                            validate=validate.Regexp(PINCODE, error=N_("Pincode: a Karnataka pincode has 6 digits and starts with 56–59.")))

    @validates_schema
    def _checks(self, data, **kwargs):
        dob = data.get("date_of_birth")
        if dob is not None and not (date(1900, 1, 1) <= dob <= date.today()):
            raise ValidationError({"date_of_birth": [tr("Date of birth: must be a past date.")]})
        self._check_place(data)


class LocationSchema(_JurisdictionChecked):
    """Where the grievance is: the citizen's registered address ("current") or another place ("other")."""

    where = fields.String(load_default="current", validate=validate.OneOf(("current", "other"), error=N_("Location: choose current or other.")))
    district = fields.String(allow_none=True)
    taluk = fields.String(allow_none=True)
    locality = fields.String(allow_none=True, validate=validate.Length(max=120, error=N_("Ward or village: at most 120 characters.")))
    landmark = fields.String(allow_none=True, validate=validate.Length(max=200, error=N_("Landmark: at most 200 characters.")))
    pincode = fields.String(allow_none=True, validate=validate.Regexp(PINCODE, error=N_("Pincode: a Karnataka pincode has 6 digits and starts with 56–59.")))
    latitude = fields.Float(allow_none=True, validate=validate.Range(11.5, 18.5, error=N_("Latitude: the place must be in Karnataka (11.5 to 18.5).")),
                            error_messages={"invalid": N_("Latitude: not a number.")})
    longitude = fields.Float(allow_none=True, validate=validate.Range(74.0, 78.6, error=N_("Longitude: the place must be in Karnataka (74.0 to 78.6).")),
                             error_messages={"invalid": N_("Longitude: not a number.")})

    @validates_schema
    def _checks(self, data, **kwargs):
        if data.get("where") == "other":
            missing = {k: [message] for k, message in (("district", tr("District: this field is required for another place.")),
                                                        ("taluk", tr("Taluk: this field is required for another place.")))
                       if not data.get(k)}
            if missing:
                raise ValidationError(missing)
            self._check_place(data)
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            raise ValidationError({"latitude": [tr("Latitude and longitude: give both or neither.")]})
