"""marshmallow schemas for one department file: the shape of each key, before cross-references are checked."""
from __future__ import annotations

import math
import re

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

CODE = re.compile(r"^[A-Z][A-Z0-9_]{1,47}$")
FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,47}$")
JURISDICTION_LEVELS = ("state", "district", "taluk")
FIELD_TYPES = ("text", "textarea", "number", "date", "select", "multiselect", "boolean", "phone", "email", "file")
PRIORITIES = ("low", "normal", "high", "urgent")


class Code(fields.String):
    default_error_messages = {
        "invalid": "expected a code (capital letters, digits and _), got {input!r}",
        "format": "expected a code of capital letters, digits and _ (2 to 48 characters, starting with a letter), got {input!r}",
    }

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, str):
            raise self.make_error("invalid", input=value)
        if not CODE.match(value):
            raise self.make_error("format", input=value)
        return value


class Text(fields.String):
    """A non-empty string; numbers written without quotes are taken as text."""

    default_error_messages = {"invalid": "expected text, got {input!r}", "empty": "must not be empty"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise self.make_error("invalid", input=value)
        value = str(value).strip()
        if not value:
            raise self.make_error("empty")
        return value


class StrictInt(fields.Integer):
    default_error_messages = {"invalid": "expected a whole number, got {input!r}"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.make_error("invalid", input=value)
        return value


class Number(fields.Float):
    default_error_messages = {"invalid": "expected a number, got {input!r}"}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (isinstance(value, float) and not math.isfinite(value)):
            raise self.make_error("invalid", input=value)
        return value


class StrictBool(fields.Boolean):
    default_error_messages = {"invalid": "expected true or false, got {input!r}"}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class Strict(Schema):
    class Meta:
        unknown = RAISE


class Bilingual(Strict):
    en = Text(required=True)
    kn = Text(required=True)


class Timeline(Strict):
    days = StrictInt(required=True, validate=validate.Range(1, 365, error="must be between 1 and 365 working days"))
    per_level = fields.List(
        StrictInt(validate=validate.Range(1, 365, error="must be between 1 and 365 working days")),
        validate=validate.Length(min=1, error="give at least one number of days, or leave per_level out"),
    )


class Post(Strict):
    name = fields.Nested(Bilingual, required=True)
    jurisdiction = fields.String(
        required=True,
        validate=validate.OneOf(JURISDICTION_LEVELS, error="must be one of state, district, taluk; got {input!r}"),
    )


EscalationChain = lambda **kw: fields.List(  # noqa: E731
    Code(), validate=validate.Length(min=1, error="an escalation chain lists at least one post"), **kw
)


class Defaults(Strict):
    escalation = EscalationChain(required=True)
    timeline = fields.Nested(Timeline, required=True)
    show_cause_notice = StrictBool()  # on a lapse, a show-cause notice to the officer who let it lapse


class Option(Strict):
    value = Code(required=True)
    label = fields.Nested(Bilingual, required=True)


class FormField(Strict):
    name = fields.String(
        required=True,
        validate=validate.Regexp(FIELD_NAME, error="field names are lower-case letters, digits and _, starting with a letter; got {input!r}"),
    )
    type = fields.String(
        required=True,
        validate=validate.OneOf(FIELD_TYPES, error="must be one of " + ", ".join(FIELD_TYPES) + "; got {input!r}"),
    )
    label = fields.Nested(Bilingual, required=True)
    help = fields.Nested(Bilingual)
    required = StrictBool()
    pattern = fields.String()
    max_length = StrictInt(validate=validate.Range(1, 20000))
    min = Number()
    max = Number()
    options = fields.List(fields.Nested(Option), validate=validate.Length(min=2, error="a choice needs at least two options"))

    @validates_schema
    def _fits_type(self, data, **kwargs):
        kind = data.get("type")
        errors = {}
        if "pattern" in data:
            if kind != "text":
                errors["pattern"] = [f"pattern applies to text fields, not {kind}"]
            else:
                try:
                    re.compile(data["pattern"])
                except re.error as exc:
                    errors["pattern"] = [f"not a valid regular expression: {exc}"]
        if "max_length" in data and kind not in ("text", "textarea"):
            errors["max_length"] = [f"max_length applies to text and textarea fields, not {kind}"]
        for bound in ("min", "max"):
            if bound in data and kind != "number":
                errors[bound] = [f"{bound} applies to number fields, not {kind}"]
        if "min" in data and "max" in data and data["min"] > data["max"]:
            errors["max"] = [f"max ({data['max']}) is below min ({data['min']})"]
        if kind in ("select", "multiselect") and "options" not in data:
            errors["options"] = [f"a {kind} field needs options"]
        if "options" in data and kind not in ("select", "multiselect"):
            errors["options"] = [f"options apply to select and multiselect fields, not {kind}"]
        if errors:
            raise ValidationError(errors)


class Subcategory(Strict):
    code = Code(required=True)
    name = fields.Nested(Bilingual, required=True)


class Category(Strict):
    code = Code(required=True)
    name = fields.Nested(Bilingual, required=True)
    subcategories = fields.List(fields.Nested(Subcategory))


class GrievanceType(Strict):
    code = Code(required=True)
    name = fields.Nested(Bilingual, required=True)
    keywords = fields.List(Text())
    timeline = fields.Nested(Timeline)
    categories = fields.List(fields.Nested(Category))
    form = fields.List(fields.Nested(FormField))


class Service(Strict):
    code = Code(required=True)
    line_department = Code(required=True)
    name = fields.Nested(Bilingual, required=True)
    keywords = fields.List(Text())
    escalation = EscalationChain()
    timeline = fields.Nested(Timeline)
    grievances = fields.List(
        fields.Nested(GrievanceType), required=True,
        validate=validate.Length(min=1, error="a service lists at least one grievance type"),
    )


class RoutingRule(Strict):
    name = Text(required=True)
    when = fields.Raw()  # checked by rules.conditions, which knows the facts
    assign = Code(required=True)
    priority = fields.String(validate=validate.OneOf(PRIORITIES, error="must be one of " + ", ".join(PRIORITIES) + "; got {input!r}"))
    timeline = fields.Nested(Timeline)
    escalation = EscalationChain()
    start_level = StrictInt(validate=validate.Range(1, 10, error="start_level is a level of the chain, from 1"))


class Department(Strict):
    code = Code(required=True, validate=validate.Length(max=16, error="a department code has at most 16 characters"))
    name = fields.Nested(Bilingual, required=True)
    line_departments = fields.Dict(
        keys=Code(), values=fields.Nested(Bilingual), required=True,
        validate=validate.Length(min=1, error="declare at least one line department"),
    )
    posts = fields.Dict(
        keys=Code(), values=fields.Nested(Post), required=True,
        validate=validate.Length(min=1, error="declare at least one post"),
    )
    defaults = fields.Nested(Defaults, required=True)
    services = fields.List(
        fields.Nested(Service), required=True,
        validate=validate.Length(min=1, error="a department offers at least one service"),
    )
    routing = fields.List(
        fields.Nested(RoutingRule), required=True,
        validate=validate.Length(min=1, error="give at least one routing rule"),
    )


class District(Strict):
    code = Code(required=True)
    name = fields.Nested(Bilingual, required=True)
    taluks = fields.List(fields.Nested(Bilingual), required=True, validate=validate.Length(min=1))


class Jurisdictions(Strict):
    state = fields.Nested(Bilingual, required=True)
    districts = fields.List(fields.Nested(District), required=True, validate=validate.Length(min=1))
