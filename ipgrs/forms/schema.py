"""Validation of the case details a citizen fills in: one marshmallow schema per grievance type's `form:`.

The same schema takes both input shapes:

* the portal's HTML form: every value a string, "" for a field left empty, "on" or nothing for a
  checkbox, a list for the checkboxes of a multiselect (see `html_form_data`);
* the app's JSON: typed values (numbers, true/false, lists), null or absent for a field left empty.

A boolean is a yes/no question answered by a checkbox, so an absent boolean means "no" in both
shapes and `required` cannot fail for it. File fields are not validated here: uploads are stored and
checked (type, size) by the upload handling. `validate` only checks that a required file field is
named in `data["_files"]` when the caller passes `_files`, and never puts files in `clean`.

`clean` is JSON-serialisable (dates as ISO strings, phones in E.164, whole numbers as int) and holds
only the declared fields: unknown keys are ignored, never stored.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any, Mapping

import phonenumbers
from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate as v

import rules

from ..i18n import LANGUAGES, current_language, tr

DEFAULT_MAX_LENGTH = {"text": 200, "textarea": 4000}
EMAIL_MAX_LENGTH = 254
PHONE_MAX_LENGTH = 20
FILE_TYPES = ("application/pdf", "image/jpeg", "image/png")
FILES_KEY = "_files"

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _number(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


class _FullMatch(v.Validator):
    """The whole value matches the pattern (marshmallow's Regexp only anchors at the start)."""

    def __init__(self, pattern: str, error: str):
        self.regex = re.compile(pattern)
        self.error = error

    def __call__(self, value: str) -> str:
        if self.regex.fullmatch(value) is None:
            raise ValidationError(self.error)
        return value


class _Number(fields.Float):
    """A number from JSON or from a form's text; whole numbers come out as int ("3" → 3, 2.5 → 2.5)."""

    def _deserialize(self, value, attr, data, **kwargs):
        number = super()._deserialize(value, attr, data, **kwargs)
        return int(number) if number.is_integer() and abs(number) < 2**53 else number


class _IsoDate(fields.Field):
    """A calendar date written YYYY-MM-DD; kept as that string so `clean` stays JSON."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
            return value.isoformat()
        if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
            raise self.make_error("invalid")
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            raise self.make_error("invalid") from None


class _Choices(fields.Field):
    """The chosen options of a multiselect: a list of option values (a single string counts as one)."""

    def __init__(self, options: tuple, **kwargs):
        super().__init__(**kwargs)
        self.options = {o.value: o for o in options}

    def _deserialize(self, value, attr, data, **kwargs):
        values = [value] if isinstance(value, str) else value
        if not isinstance(values, (list, tuple)) or not all(isinstance(x, str) for x in values):
            raise self.make_error("invalid")
        unknown = [x for x in values if x not in self.options]
        if unknown:
            raise self.make_error("choice", values=", ".join(unknown))
        return list(dict.fromkeys(values))


class _IndianMobile(fields.String):
    """An Indian mobile number in any usual writing (98450 12345, +91-98450-12345, 098450 12345), kept in E.164."""

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if len(text) > PHONE_MAX_LENGTH:
            raise self.make_error("invalid")
        try:
            number = phonenumbers.parse(text, "IN")
        except phonenumbers.NumberParseException:
            raise self.make_error("invalid") from None
        mobile = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
        if (not phonenumbers.is_valid_number(number) or phonenumbers.region_code_for_number(number) != "IN"
                or phonenumbers.number_type(number) not in mobile):
            raise self.make_error("invalid")
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


class GrievanceFormSchema(Schema):
    """Base of the generated schemas: unknown keys are dropped and both input shapes are brought to one."""

    class Meta:
        unknown = EXCLUDE

    @pre_load
    def _one_shape(self, data, **kwargs):
        if not isinstance(data, Mapping):
            return data
        out = {}
        for name in self.load_fields:
            if name not in data:
                continue
            value = data[name]
            if isinstance(value, str):
                value = value.strip()
            elif isinstance(value, (list, tuple)):
                value = [x.strip() if isinstance(x, str) else x for x in value]
                value = [x for x in value if x not in ("", None)]
            if value in ("", None) or value == []:
                continue  # an empty field is a missing one: the "required" message, not "invalid"
            out[name] = value
        return out


def _field(f: rules.catalogue.FormField, lang: str = "en") -> fields.Field | None:
    """The marshmallow field of a form field, its messages in `lang` (the label from the YAML, the rest from
    the gettext catalogue)."""
    label = f.label.kn if lang == "kn" else f.label.en

    messages = {"required": tr("{label}: this field is required", lang=lang, label=label), "invalid": tr("{label}: must be text", lang=lang, label=label)}
    validators = []
    if f.type in ("text", "textarea"):
        limit = f.max_length or DEFAULT_MAX_LENGTH[f.type]
        validators.append(v.Length(max=limit, error=tr("{label}: must be at most {limit} characters long", lang=lang, label=label, limit=limit)))
        if f.pattern:
            example = f" ({f.help.kn if lang == 'kn' else f.help.en})" if f.help else ""
            validators.append(_FullMatch(f.pattern, tr("{label}: must match the pattern {pattern}{example}", lang=lang, label=label, pattern=f.pattern, example=example)))
        return fields.String(required=f.required, validate=validators, error_messages=messages)
    if f.type == "number":
        messages["invalid"] = messages["special"] = messages["too_large"] = tr("{label}: must be a number", lang=lang, label=label)
        if f.min is not None:
            validators.append(v.Range(min=f.min, error=tr("{label}: must be at least {min}", lang=lang, label=label, min=_number(f.min))))
        if f.max is not None:
            validators.append(v.Range(max=f.max, error=tr("{label}: must be at most {max}", lang=lang, label=label, max=_number(f.max))))
        return _Number(required=f.required, validate=validators, error_messages=messages)
    if f.type == "date":
        messages["invalid"] = tr("{label}: must be a date written YYYY-MM-DD, for example 2024-08-15", lang=lang, label=label)
        return _IsoDate(required=f.required, error_messages=messages)
    if f.type == "select":
        choices = ", ".join((o.label.kn if lang == "kn" else o.label.en) for o in f.options)
        validators.append(v.OneOf([o.value for o in f.options], error=tr("{label}: must be one of: {choices}", lang=lang, label=label, choices=choices)))
        return fields.String(required=f.required, validate=validators, error_messages=messages)
    if f.type == "multiselect":
        choices = ", ".join((o.label.kn if lang == "kn" else o.label.en) for o in f.options)
        messages["invalid"] = tr("{label}: must be a list of options", lang=lang, label=label)
        messages["choice"] = tr("{label}: {values} is not an option; the options are: {choices}", lang=lang, label=label, values="{values}", choices=choices)
        return _Choices(f.options, required=f.required, error_messages=messages)
    if f.type == "boolean":
        return fields.Boolean(load_default=False, error_messages={"invalid": tr("{label}: must be yes or no", lang=lang, label=label)})
    if f.type == "phone":
        messages["invalid"] = tr("{label}: must be an Indian mobile number, for example 98450 12345", lang=lang, label=label)
        return _IndianMobile(required=f.required, error_messages=messages)
    if f.type == "email":
        messages["invalid"] = tr("{label}: must be an email address, for example name@example.com", lang=lang, label=label)
        validators.append(v.Length(max=EMAIL_MAX_LENGTH, error=tr("{label}: must be at most {limit} characters long", lang=lang, label=label, limit=EMAIL_MAX_LENGTH)))
        return fields.Email(required=f.required, validate=validators, error_messages=messages)
    if f.type == "file":
        return None  # uploads are handled elsewhere; see the module docstring
    raise ValueError(f"form field {f.name!r} has an unknown type {f.type!r}")


def schema_for(grievance_type: rules.catalogue.GrievanceType, lang: str = "en") -> GrievanceFormSchema:
    """The schema of a grievance type's form, built once per form.

    Cached by the grievance code and the form declaration itself rather than by catalogue version:
    a GrievanceType does not know its version, and the form is exactly what the schema is built from,
    so a newly published version that changes the form gets a new schema and one that does not
    reuses the old.
    """
    return _build(grievance_type.code, grievance_type.form, lang if lang in LANGUAGES else "en")


@functools.lru_cache(maxsize=4096)
def _build(code: str, form: tuple, lang: str = "en") -> GrievanceFormSchema:
    declared = {f.name: field for f in form if (field := _field(f, lang)) is not None}
    return GrievanceFormSchema.from_dict(declared, name=f"{code}FormSchema")()


def validate(grievance_type: rules.catalogue.GrievanceType, data: Mapping[str, Any],
             lang: str | None = None) -> tuple[dict, dict[str, list[str]]]:
    """Checks submitted case details against the grievance type's form; never raises for bad input.

    Returns (clean, errors): `clean` has the declared fields that are valid, `errors` maps a field name
    to sentences that name the field by its English label ("Survey number: this field is required").
    An empty `errors` means the submission is valid. The sentences are in `lang` (default: the request's
    language, English outside a request), with the Kannada label when it is "kn".
    """
    lang = lang or current_language()
    if not isinstance(data, Mapping):
        return {}, {"_form": [tr("The form data must be a set of named fields.", lang=lang)]}
    try:
        clean, errors = schema_for(grievance_type, lang).load(data), {}
    except ValidationError as exc:
        clean = exc.valid_data if isinstance(exc.valid_data, dict) else {}
        errors = {name: _sentences(messages) for name, messages in exc.messages.items()}
    files = data.get(FILES_KEY)
    if files is not None:
        attached = {files} if isinstance(files, str) else set(files) if isinstance(files, (list, tuple, set, frozenset)) else set()
        for f in grievance_type.form:
            if f.type == "file" and f.required and f.name not in attached:
                errors.setdefault(f.name, []).append(tr("{label}: this field is required; attach a PDF, JPEG or PNG file",
                                                        lang=lang, label=f.label.kn if lang == "kn" else f.label.en))
    return clean, errors


def _sentences(messages) -> list[str]:
    if isinstance(messages, str):
        return [messages]
    if isinstance(messages, Mapping):
        return [m for value in messages.values() for m in _sentences(value)]
    return [m for value in messages for m in _sentences(value)]


def html_form_data(grievance_type: rules.catalogue.GrievanceType, form, files=None) -> dict:
    """The values of the portal's HTML form (inputs named `form.<field>`, uploads `file.<field>`, as
    `fields.html` renders them) in the shape `validate` takes; `form` and `files` are werkzeug
    MultiDicts (request.form, request.files)."""
    data: dict[str, Any] = {}
    for f in grievance_type.form:
        key = f"form.{f.name}"
        if f.type == "file" or key not in form:
            continue
        data[f.name] = form.getlist(key) if f.type == "multiselect" else form.get(key)
    if files is not None:
        data[FILES_KEY] = [f.name for f in grievance_type.form
                           if f.type == "file" and getattr(files.get(f"file.{f.name}"), "filename", "")]
    return data
