"""A grievance type's form as JSON Schema (draft 2020-12), for the mobile app to build and check its form.

Standard keywords carry what validation needs (type, enum, pattern, bounds, lengths, format, required);
`x-` keywords carry what a form needs: `x-type` (the declared field type, to pick the widget),
`x-label` and `x-help` in English and Kannada, `x-options` with bilingual labels, `x-order`,
and `x-upload` with `x-accept` for files, which the app uploads separately rather than in the JSON.

The server's `validate` stays the authority. It is more lenient in form (it strips spaces, treats ""
and null as absent, ignores unknown keys, treats an absent boolean as false, so booleans are never
in `required`) and stricter where JSON Schema cannot say it (a phone must be an Indian mobile number).
"""
from __future__ import annotations

import rules

from .schema import DEFAULT_MAX_LENGTH, EMAIL_MAX_LENGTH, FILE_TYPES, PHONE_MAX_LENGTH

DRAFT = "https://json-schema.org/draft/2020-12/schema"


def _property(f: rules.catalogue.FormField) -> dict:
    prop: dict = {"title": f.label.en, "x-type": f.type, "x-label": f.label.as_dict()}
    if f.help:
        prop["x-help"] = f.help.as_dict()
    if f.type in ("text", "textarea"):
        prop.update(type="string", maxLength=f.max_length or DEFAULT_MAX_LENGTH[f.type])
        if f.required:
            prop["minLength"] = 1
        if f.pattern:
            # JSON Schema patterns search (ECMA-262); the form's patterns must match the whole value
            prop["pattern"] = f"^(?:{f.pattern})$"
    elif f.type == "number":
        prop["type"] = "number"
        if f.min is not None:
            prop["minimum"] = f.min
        if f.max is not None:
            prop["maximum"] = f.max
    elif f.type == "date":
        prop.update(type="string", format="date")
    elif f.type in ("select", "multiselect"):
        values = [o.value for o in f.options]
        prop["x-options"] = [{"value": o.value, "label": o.label.as_dict()} for o in f.options]
        if f.type == "select":
            prop.update(type="string", enum=values)
        else:
            prop.update(type="array", items={"type": "string", "enum": values}, uniqueItems=True)
            if f.required:
                prop["minItems"] = 1
    elif f.type == "boolean":
        prop.update(type="boolean", default=False)
    elif f.type == "phone":
        prop.update(type="string", maxLength=PHONE_MAX_LENGTH, minLength=10)
        prop["x-region"] = "IN"
    elif f.type == "email":
        prop.update(type="string", format="email", maxLength=EMAIL_MAX_LENGTH)
    elif f.type == "file":
        prop.update(type="string", format="binary")
        prop["x-upload"] = True
        prop["x-accept"] = list(FILE_TYPES)
    return prop


def json_schema(grievance_type: rules.catalogue.GrievanceType) -> dict:
    """The JSON Schema of the grievance type's form (an object with no properties when it declares none)."""
    form = grievance_type.form
    return {
        "$schema": DRAFT,
        "title": grievance_type.name.en,
        "x-label": grievance_type.name.as_dict(),
        "type": "object",
        "properties": {f.name: _property(f) for f in form},
        "required": [f.name for f in form if f.required and f.type != "boolean"],
        "x-order": [f.name for f in form],
    }
