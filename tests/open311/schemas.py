"""JSON Schemas (draft 2020-12) of the Open311 GeoReport v2 JSON responses, written from the spec
(http://wiki.open311.org/GeoReport_v2): GET services, GET a service definition, GET service requests
(and a single request, which is a one-element list), POST a service request, and errors.

The spec's fields that an endpoint "may" return are optional here; the ones it always describes are
required. Datetimes are the w3c subset of ISO 8601 with a time zone.
"""
from __future__ import annotations

W3C_DATETIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"
DATATYPES = ["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]

_nullable_string = {"type": ["string", "null"]}
_datetime = {"type": "string", "pattern": W3C_DATETIME}
_nullable_datetime = {"anyOf": [_datetime, {"type": "null"}, {"const": ""}]}

SERVICE_LIST = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "GeoReport v2 service list (GET services)",
    "type": "array",
    "items": {
        "type": "object",
        "required": ["service_code", "service_name", "description", "metadata", "type", "keywords", "group"],
        "properties": {
            "jurisdiction_id": {"type": "string"},
            "service_code": {"type": "string", "minLength": 1},
            "service_name": {"type": "string", "minLength": 1},
            "description": {"type": "string"},
            "metadata": {"type": "boolean"},
            "type": {"enum": ["realtime", "batch", "blackbox"]},
            "keywords": {"type": "string"},   # comma separated
            "group": {"type": "string"},
        },
        "additionalProperties": False,
    },
}

SERVICE_DEFINITION = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "GeoReport v2 service definition (GET service definition)",
    "type": "object",
    "required": ["service_code", "attributes"],
    "properties": {
        "service_code": {"type": "string", "minLength": 1},
        "attributes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["variable", "code", "datatype", "required", "order", "description"],
                "properties": {
                    "variable": {"type": "boolean"},
                    "code": {"type": "string", "minLength": 1},
                    "datatype": {"enum": DATATYPES},
                    "required": {"type": "boolean"},
                    "datatype_description": _nullable_string,
                    "order": {"type": "integer", "minimum": 1},
                    "description": {"type": "string"},
                    "values": {
                        "type": "array",
                        "items": {"type": "object", "required": ["key", "name"],
                                  "properties": {"key": {"type": "string"}, "name": {"type": "string"}},
                                  "additionalProperties": False},
                    },
                },
                "additionalProperties": False,
                # a list datatype comes with its values
                "if": {"properties": {"datatype": {"enum": ["singlevaluelist", "multivaluelist"]}}},
                "then": {"required": ["values"], "properties": {"values": {"minItems": 1}}},
            },
        },
    },
    "additionalProperties": False,
}

SERVICE_REQUEST = {
    "type": "object",
    "required": ["service_request_id", "status", "service_code", "requested_datetime"],
    "properties": {
        "service_request_id": {"type": "string", "minLength": 1},
        "status": {"enum": ["open", "closed"]},
        "status_notes": _nullable_string,
        "service_name": _nullable_string,
        "service_code": {"type": "string"},
        "description": _nullable_string,
        "agency_responsible": _nullable_string,
        "service_notice": _nullable_string,
        "requested_datetime": _datetime,
        "updated_datetime": _nullable_datetime,
        "expected_datetime": _nullable_datetime,
        "address": _nullable_string,
        "address_id": _nullable_string,
        "zipcode": _nullable_string,
        "lat": {"type": ["number", "null"]},
        "long": {"type": ["number", "null"]},
        "media_url": _nullable_string,
    },
    "additionalProperties": False,
}

SERVICE_REQUESTS = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "GeoReport v2 service requests (GET service requests)",
    "type": "array",
    "maxItems": 1000,
    "items": SERVICE_REQUEST,
}

ONE_SERVICE_REQUEST = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "GeoReport v2 one service request (GET service request): a one-element list",
    "type": "array", "minItems": 1, "maxItems": 1, "items": SERVICE_REQUEST,
}

POST_RESPONSE = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "GeoReport v2 POST service request response",
    "type": "array", "minItems": 1, "maxItems": 1,
    "items": {
        "type": "object",
        # a realtime endpoint answers with the id; a batch one would answer with a token instead
        "anyOf": [{"required": ["service_request_id"]}, {"required": ["token"]}],
        "properties": {
            "service_request_id": {"type": "string", "minLength": 1},
            "token": {"type": "string"},
            "service_notice": _nullable_string,
            "account_id": _nullable_string,
        },
        "additionalProperties": False,
    },
}

ERRORS = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "GeoReport v2 errors",
    "type": "array", "minItems": 1,
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer", "minimum": 400, "maximum": 599},
                       "description": {"type": "string", "minLength": 1}},
        "additionalProperties": False,
    },
}


def check(schema: dict, document) -> None:
    """Raises jsonschema.ValidationError naming the first place the document breaks the schema."""
    from jsonschema import Draft202012Validator

    Draft202012Validator.check_schema(schema)
    Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).validate(document)
