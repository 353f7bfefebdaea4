"""Personal data: how citizens' mobile numbers, e-mail addresses and street addresses are masked, and who sees them.

The rule (docs/security.md, "Personal data"):

- The officer HOLDING a grievance's current post (the inbox's "mine", the dashboards' officer scope) sees the
  citizen's name, full mobile number and the grievance's full address: they call the citizen and visit the place.
- Everyone else who sees the grievance — supervising officers, nodal officers, state monitors, administrators on
  grievance pages and in exports, the CPGRAMS triage — sees no name, a masked mobile, no street address (district
  and taluk only; coordinates rounded to about a kilometre) and phone numbers and e-mail addresses in free text masked.
- An operator sees the masked mobile of the citizen in front of them, and that citizen's profile on the desk's
  profile step (which is logged, as is every full-profile read: citizens.profiles).

This module holds the masking only and imports nothing of the platform, so every layer (notifications included)
can use it. One implementation per kind of datum: Citizen.masked_mobile, the SMS log and Open311 call these.
"""
from __future__ import annotations

import re

# Grievance columns that are a street address. District and taluk are kept: they are the jurisdiction.
ADDRESS_COLUMNS = ("locality", "landmark", "pincode")
# A form field is a street address when its name says so (the shipped catalogue: landmark, location_details,
# clinic_address, workplace_address …). Village and gram panchayat names are the grievance's place, kept.
_ADDRESS_NAME = re.compile(r"(address|landmark|locality|house|door|street|pincode|location_details)")
_PHONE = re.compile(r"(?<!\w)(?:\+?\d[\d\s-]{7,}\d)(?!\w)")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
COORDINATE_DECIMALS = 2  # about a kilometre


def mask_mobile(mobile: str | None) -> str:
    """+919876543210 → +91******3210: the country code and the last four digits. Short values are starred whole."""
    if not mobile:
        return ""
    mobile = str(mobile)
    if len(mobile) <= 7:
        return "*" * len(mobile)
    return mobile[:3] + "*" * (len(mobile) - 7) + mobile[-4:]


def mask_email(email: str | None) -> str:
    """ravi.kumar@example.org → r***@example.org."""
    if not email:
        return ""
    local, _, domain = str(email).rpartition("@")
    return (local[:1] or "?") + "***@" + domain


def mask_contact(recipient: str | None) -> str:
    """A notification's recipient, mobile or e-mail, masked (for logs)."""
    return mask_email(recipient) if "@" in (recipient or "") else mask_mobile(recipient)


def mask_text(text: str | None) -> str:
    """Free text with e-mail addresses and runs of 10 or more digits (mobile, Aadhaar, account numbers) removed;
    dates and survey numbers kept."""
    def number(match):
        return "[number removed]" if sum(c.isdigit() for c in match.group(0)) >= 10 else match.group(0)

    return _PHONE.sub(number, _EMAIL.sub("[e-mail removed]", text or ""))


def field_kind(field: dict) -> str | None:
    """'phone', 'email' or 'address' for a form field (as declared in the catalogue) holding personal data; else None."""
    kind = field.get("type")
    if kind in ("phone", "email"):
        return kind
    if _ADDRESS_NAME.search(str(field.get("name") or "")):
        return "address"
    return None


def masked_form(form_fields, form_data: dict | None) -> dict:
    """A grievance's form answers for someone who may not see personal data: phone numbers and e-mail addresses
    masked, street addresses left out, free text masked. `form_fields` is the grievance type's declared form."""
    kinds = {f.get("name"): field_kind(f) for f in (form_fields or [])}
    out = {}
    for name, value in (form_data or {}).items():
        kind = kinds.get(name) or field_kind({"name": name})
        if kind == "address":
            continue
        if kind == "phone":
            value = mask_mobile(value) if isinstance(value, str) else value
        elif kind == "email":
            value = mask_email(value) if isinstance(value, str) else value
        elif isinstance(value, str):
            value = mask_text(value)
        out[name] = value
    return out


def location(grievance, full: bool) -> dict:
    """Where the grievance is, as one may see it: in full for the holder of its post, else district and taluk
    with coordinates rounded."""
    g = grievance
    out = {"district": g.district.name_en if g.district else None, "taluk": g.taluk.name_en if g.taluk else None,
           "locality": None, "landmark": None, "pincode": None, "latitude": g.latitude, "longitude": g.longitude}
    if full:
        out.update(locality=g.locality, landmark=g.landmark, pincode=g.pincode)
    else:
        for key in ("latitude", "longitude"):
            if out[key] is not None:
                out[key] = round(out[key], COORDINATE_DECIMALS)
    return out


def grievance_view(grievance, full: bool) -> dict:
    """The personal parts of a grievance page or API answer: citizen, location, form answers and description.
    `full` is true only for the officer holding the grievance's post."""
    g = grievance
    form_fields = g.grievance_type.form if g.grievance_type is not None else []
    if full:
        return {"citizen": {"name": g.citizen.name, "mobile": g.citizen.mobile}, "location": location(g, True),
                "form": dict(g.form_data or {}), "description": g.description}
    return {"citizen": {"name": None, "mobile": mask_mobile(g.citizen.mobile)}, "location": location(g, False),
            "form": masked_form(form_fields, g.form_data), "description": mask_text(g.description)}
