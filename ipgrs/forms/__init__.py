"""Forms generated from the `form:` declarations of the department YAML: validation, JSON Schema, HTML."""
from .jsonschema import json_schema
from .schema import FILE_TYPES, FILES_KEY, html_form_data, schema_for, validate

__all__ = ["FILE_TYPES", "FILES_KEY", "html_form_data", "json_schema", "schema_for", "validate"]
