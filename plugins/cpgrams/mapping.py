"""CPGRAMS organisation/category codes → local grievance types: config/plugins/cpgrams.yaml, validated like the
department files (rules.yamlfile + marshmallow, errors carry file:line:col and did-you-mean), extended by the
mappings nodal officers add from the triage screen (table cpgrams_mapping)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from marshmallow import RAISE, Schema, fields, validate
from sqlalchemy import select

from rules.errors import ConfigError, ConfigInvalid, did_you_mean
from rules.loading import load_with
from rules.yamlfile import read_file

from .models import CpgramsMapping

ANY = "*"
_CODE = validate.Length(1, 64, error="expected a code of 1 to 64 characters")


class _Strict(Schema):
    class Meta:
        unknown = RAISE


class CategorySchema(_Strict):
    code = fields.String(required=True, validate=_CODE)
    grievance_type = fields.String(required=True, validate=_CODE)
    name = fields.String()


class OrganisationSchema(_Strict):
    code = fields.String(required=True, validate=_CODE)
    name = fields.String()
    default = fields.String(validate=_CODE)  # the grievance type for categories not listed
    categories = fields.List(fields.Nested(CategorySchema), load_default=list)


class MappingFileSchema(_Strict):
    organisations = fields.List(fields.Nested(OrganisationSchema), required=True)


@dataclass
class Mapping:
    entries: dict          # (organisation, category or "*") → grievance type code
    source: str = ""

    def grievance_type(self, organisation: str, category: str | None) -> str | None:
        return self.entries.get((organisation, category or ANY)) or self.entries.get((organisation, ANY))


def load_file(path, grievance_types) -> Mapping:
    """The YAML mapping, checked against the published grievance types. ConfigInvalid with every error."""
    path = Path(path)
    display = path.name if path.parent.name != "plugins" else f"plugins/{path.name}"
    source, errors = read_file(path, display)
    if errors:
        raise ConfigInvalid(errors)
    data, errors = load_with(MappingFileSchema(), source)
    if errors:
        raise ConfigInvalid(errors)
    entries, problems = {}, []
    known = set(grievance_types)

    def check(code, where):
        if code not in known:
            problems.append(source.error(where, f"'{code}' is not a published grievance type{did_you_mean(code, known)}"))

    seen_orgs = {}
    for i, org in enumerate(data["organisations"]):
        if org["code"] in seen_orgs:
            problems.append(source.error(("organisations", i, "code"),
                                         f"organisation '{org['code']}' is already mapped at line {seen_orgs[org['code']]}"))
            continue
        seen_orgs[org["code"]] = source.position(("organisations", i, "code"))[0]
        if "default" in org:
            check(org["default"], ("organisations", i, "default"))
            entries[(org["code"], ANY)] = org["default"]
        for j, cat in enumerate(org["categories"]):
            where = ("organisations", i, "categories", j)
            if (org["code"], cat["code"]) in entries:
                problems.append(source.error(where + ("code",), f"category '{cat['code']}' is listed twice for {org['code']}"))
                continue
            check(cat["grievance_type"], where + ("grievance_type",))
            entries[(org["code"], cat["code"])] = cat["grievance_type"]
    if problems:
        raise ConfigInvalid(problems)
    return Mapping(entries, display)


def current(session, settings, catalogue) -> Mapping:
    """The file's mapping with the additions from the triage screen (an addition never overrides the file)."""
    mapping = load_file(settings.mapping_file, catalogue.grievance_types.keys())
    for row in session.scalars(select(CpgramsMapping)):
        mapping.entries.setdefault((row.organisation_code, row.category_code), row.grievance_type)
    return mapping


def as_yaml(rows) -> str:
    """The additions as YAML to paste into config/plugins/cpgrams.yaml (so they are reviewed and versioned)."""
    by_org: dict = {}
    for row in rows:
        by_org.setdefault(row.organisation_code, []).append(row)
    lines = ["organisations:"]
    for org, items in sorted(by_org.items()):
        lines.append(f"  - code: {org!s}")
        default = [r for r in items if r.category_code == ANY]
        if default:
            lines.append(f"    default: {default[0].grievance_type}")
        cats = [r for r in items if r.category_code != ANY]
        if cats:
            lines.append("    categories:")
            lines += [f"      - {{code: \"{r.category_code}\", grievance_type: {r.grievance_type}}}" for r in cats]
    return "\n".join(lines) + "\n"


__all__ = ["ANY", "ConfigError", "ConfigInvalid", "Mapping", "as_yaml", "current", "load_file"]
