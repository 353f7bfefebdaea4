"""The catalogue: every department's taxonomy, posts, timelines, escalation and routing, checked across files."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Mapping

from . import conditions as cond
from . import schema
from .errors import ConfigError, ConfigInvalid, did_you_mean
from .loading import load_with
from .yamlfile import SourceFile, parse_bytes

CHANNELS = ("WEB", "APP", "HELPLINE_1902", "BAPUJI_SEVA_KENDRA", "JANASPANDANA", "CMO", "CSO", "CPGRAMS", "Open311")
TAXONOMY_FACTS = ("department", "line_department", "service", "grievance", "category", "subcategory")
LOCATION_FACTS = ("location.district", "location.taluk", "location.village", "location.ward", "location.pincode", "location.landmark")
KNOWN_FACTS = TAXONOMY_FACTS + ("channel",) + LOCATION_FACTS


@dataclass(frozen=True)
class Bilingual:
    en: str
    kn: str

    @classmethod
    def of(cls, d: Mapping) -> "Bilingual":
        return cls(d["en"], d["kn"])

    def as_dict(self) -> dict:
        return {"en": self.en, "kn": self.kn}


@dataclass(frozen=True)
class Timeline:
    days: int
    per_level: tuple | None = None

    @classmethod
    def of(cls, d):
        if d is None:
            return None
        return cls(d["days"], tuple(d["per_level"]) if "per_level" in d else None)

    def over(self, base: "Timeline") -> "Timeline":
        return Timeline(self.days, self.per_level if self.per_level is not None else base.per_level)

    def for_levels(self, levels: int) -> tuple:
        rest = list(self.per_level or (self.days,))
        days = [self.days]
        for i in range(levels - 1):
            days.append(rest[min(i, len(rest) - 1)])
        return tuple(days)


@dataclass(frozen=True)
class Post:
    code: str
    name: Bilingual
    level: str


@dataclass(frozen=True)
class Option:
    value: str
    label: Bilingual


@dataclass(frozen=True)
class FormField:
    name: str
    type: str
    label: Bilingual
    required: bool = False
    help: Bilingual | None = None
    pattern: str | None = None
    max_length: int | None = None
    min: float | None = None
    max: float | None = None
    options: tuple = ()


@dataclass(frozen=True)
class Subcategory:
    code: str
    name: Bilingual


@dataclass(frozen=True)
class Category:
    code: str
    name: Bilingual
    subcategories: tuple = ()


@dataclass(frozen=True)
class GrievanceType:
    code: str
    name: Bilingual
    department: str
    service: str
    line_department: str
    keywords: tuple = ()
    timeline: Timeline | None = None
    categories: tuple = ()
    form: tuple = ()


@dataclass(frozen=True)
class Service:
    code: str
    line_department: str
    name: Bilingual
    keywords: tuple = ()
    escalation: tuple | None = None
    timeline: Timeline | None = None
    grievances: tuple = ()


@dataclass(frozen=True)
class Rule:
    index: int
    name: str
    condition: object
    assign: str
    priority: str | None = None
    timeline: Timeline | None = None
    escalation: tuple | None = None
    start_level: int = 1


@dataclass(frozen=True)
class Department:
    code: str
    name: Bilingual
    line_departments: Mapping
    posts: Mapping
    escalation: tuple
    timeline: Timeline
    services: tuple
    routing: tuple
    source: str
    text: str
    content_hash: str
    show_cause_notice: bool = False

    def service(self, code: str) -> Service:
        return next(s for s in self.services if s.code == code)

    def grievance_types(self):
        for s in self.services:
            yield from s.grievances


@dataclass(frozen=True)
class District:
    code: str
    name: Bilingual
    taluks: tuple


@dataclass(frozen=True)
class Jurisdictions:
    state: Bilingual
    districts: tuple
    text: str = ""

    def district(self, name: str) -> District | None:
        return next((d for d in self.districts if d.name.en == name), None)


@dataclass
class Catalogue:
    departments: dict
    jurisdictions: Jurisdictions
    version: str
    grievance_types: dict = field(default_factory=dict)  # code -> GrievanceType

    @property
    def counts(self) -> dict:
        services = sum(len(d.services) for d in self.departments.values())
        rules = sum(len(d.routing) for d in self.departments.values())
        return {"departments": len(self.departments), "services": services,
                "grievance_types": len(self.grievance_types), "rules": rules,
                "districts": len(self.jurisdictions.districts)}

    def summary(self) -> str:
        c = self.counts
        return (f"{c['departments']} departments, {c['services']} services, {c['grievance_types']} grievance types, "
                f"{c['rules']} routing rules, {c['districts']} districts")


# --- building ----------------------------------------------------------------------------------

def _sha(*parts: bytes) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(len(p).to_bytes(8, "big"))
        h.update(p)
    return h.hexdigest()


def read_directory(config_dir) -> tuple[tuple[str, bytes] | None, dict[str, bytes]]:
    """Reads `jurisdictions.yaml` and `departments/*.yaml` under a config directory."""
    root = FsPath(config_dir)
    departments_dir = root / "departments"
    if not departments_dir.is_dir():
        departments_dir = root
    jurisdictions = None
    for candidate in (root / "jurisdictions.yaml", root.parent / "jurisdictions.yaml"):
        if candidate.is_file():
            jurisdictions = (str(candidate), candidate.read_bytes())
            break
    files = {}
    for path in sorted(list(departments_dir.glob("*.yaml")) + list(departments_dir.glob("*.yml"))):
        if path.name != "jurisdictions.yaml":
            files[str(path)] = path.read_bytes()
    return jurisdictions, files


def load_directory(config_dir) -> Catalogue:
    jurisdictions, files = read_directory(config_dir)
    if jurisdictions is None:
        raise ConfigInvalid([ConfigError(str(FsPath(config_dir) / "jurisdictions.yaml"), 1, 1,
                                         "jurisdictions.yaml not found; it lists the districts and taluks rules refer to")])
    return build_catalogue(jurisdictions, files)


def build_catalogue(jurisdictions: tuple[str, bytes], files: Mapping[str, bytes]) -> Catalogue:
    """Builds and checks a catalogue from file contents; raises ConfigInvalid with every error found."""
    errors: list[ConfigError] = []
    juris = _load_jurisdictions(*jurisdictions, errors)
    if not files:
        errors.append(ConfigError("departments", 1, 1, "no department files (*.yaml) found"))
    parsed: list[tuple[SourceFile, dict]] = []
    for name, raw in files.items():
        source, errs = parse_bytes(raw, name)
        if errs:
            errors.extend(errs)
            continue
        data, errs = load_with(schema.Department(), source)
        if errs:
            errors.extend(errs)
            continue
        parsed.append((source, data))
    departments: dict[str, Department] = {}
    grievance_types: dict[str, GrievanceType] = {}
    where: dict[str, SourceFile] = {}
    for source, data in parsed:
        code = data["code"]
        if code in departments:
            errors.append(source.error(("code",), f"department code '{code}' is already used by {departments[code].source}"))
            continue
        dept = _build_department(source, data, juris, grievance_types, where, errors)
        if dept is not None:
            departments[code] = dept
    if errors:
        raise ConfigInvalid(errors)
    # File names count by their base name only, so the same files published from another checkout (or from
    # `ipgrs config export`) have the same version hash.
    named = sorted((FsPath(n).name, files[n]) for n in files)
    version = _sha(jurisdictions[1], *[n.encode() + b"\0" + raw for n, raw in named])
    return Catalogue(departments=departments, jurisdictions=juris, version=version, grievance_types=grievance_types)


def _load_jurisdictions(name, raw, errors) -> Jurisdictions | None:
    source, errs = parse_bytes(raw, name)
    if not errs:
        data, errs = load_with(schema.Jurisdictions(), source)
    if errs:
        errors.extend(errs)
        return None
    districts, codes = [], set()
    for i, d in enumerate(data["districts"]):
        if d["code"] in codes or any(x.name.en == d["name"]["en"] for x in districts):
            errors.append(source.error(("districts", i), f"district {d['name']['en']} ({d['code']}) is listed twice"))
        codes.add(d["code"])
        taluks = tuple(Bilingual.of(t) for t in d["taluks"])
        seen = set()
        for j, t in enumerate(taluks):
            if t.en in seen:
                errors.append(source.error(("districts", i, "taluks", j), f"taluk {t.en} is listed twice in {d['name']['en']}"))
            seen.add(t.en)
        districts.append(District(d["code"], Bilingual.of(d["name"]), taluks))
    return Jurisdictions(Bilingual.of(data["state"]), tuple(districts), source.text)


class _DepartmentFacts(cond.FactCheck):
    def __init__(self, data, juris: Jurisdictions | None):
        self.code = data["code"]
        self.services = [s["code"] for s in data["services"]]
        self.line_departments = list(data["line_departments"])
        self.grievances, self.categories, self.subcategories, self.fields = [], [], [], []
        for s in data["services"]:
            for g in s["grievances"]:
                self.grievances.append(g["code"])
                self.fields.extend(f["name"] for f in g.get("form", []))
                for c in g.get("categories", []):
                    self.categories.append(c["code"])
                    self.subcategories.extend(sc["code"] for sc in c.get("subcategories", []))
        self.districts = [d.name.en for d in juris.districts] if juris else None
        self.taluks = [t.en for d in juris.districts for t in d.taluks] if juris else None

    def known_fact(self, fact):
        if fact in KNOWN_FACTS:
            return None
        root, _, rest = fact.partition(".")
        if root == "citizen" and rest:
            return None
        if root == "form" and rest:
            if rest in self.fields:
                return None
            return f"form field '{rest}' is not declared by any grievance type of {self.code}{did_you_mean(rest, self.fields)}"
        return (f"'{fact}' is not a fact a rule can test{did_you_mean(fact, KNOWN_FACTS + ('citizen.age',))}; "
                "facts are taxonomy codes, channel, location.*, citizen.* and form.*")

    def check(self, fact, value, path):
        choices = {
            "department": [self.code], "service": self.services, "grievance": self.grievances,
            "line_department": self.line_departments, "category": self.categories,
            "subcategory": self.subcategories, "channel": list(CHANNELS),
            "location.district": self.districts, "location.taluk": self.taluks,
        }.get(fact)
        if choices is None or value in choices:
            return None
        what = {"location.district": "a district of Karnataka", "location.taluk": "a taluk of Karnataka",
                "channel": "a channel"}.get(fact, f"a {fact.replace('_', ' ')} of {self.code}")
        return f"'{value}' is not {what}{did_you_mean(value, choices)}"


def _bilingual_or_none(d):
    return Bilingual.of(d) if d else None


# durable-rules 2.0.28 has fixed-size tables in its network: past 512 distinct tests under one node it loops
# forever while compiling, past 128 "not present" tests or a few hundred rules on one node it refuses the
# ruleset. Shipped departments use at most 16 tests in 5 rules; these limits keep every department far inside.
MAX_RULES = 120
MAX_TESTS = 120


def _check_size(source: SourceFile, code: str, routing: list, errors: list) -> None:
    if len(routing) > MAX_RULES:
        errors.append(source.error(("routing", MAX_RULES), f"{code} has {len(routing)} routing rules; a department has at most {MAX_RULES}"))
        return
    tests = 0
    for r in routing:
        tests += sum(len(c.value) if c.op == "in" else 1 for c in cond.walk(r.condition))
        if tests > MAX_TESTS:
            errors.append(source.error(("routing", r.index, "when"), f"the routing rules of {code} test more than {MAX_TESTS} values "
                                       "(each value of a list counts); group grievance types by service or category instead"))
            return


def _build_department(source: SourceFile, data, juris, grievance_types, where, errors) -> Department | None:
    start = len(errors)
    code = data["code"]
    posts = {c: Post(c, Bilingual.of(p["name"]), p["jurisdiction"]) for c, p in data["posts"].items()}

    def chain(values, path):
        for i, post in enumerate(values):
            if post not in posts:
                errors.append(source.error(path + (i,), f"'{post}' is not a post of {code}{did_you_mean(post, posts)}"))
            elif post in values[:i]:
                errors.append(source.error(path + (i,), f"post '{post}' appears twice: an escalation chain cannot loop back"))
        return tuple(values)

    escalation = chain(data["defaults"]["escalation"], ("defaults", "escalation"))
    timeline = Timeline.of(data["defaults"]["timeline"])
    if timeline.per_level is None:
        timeline = Timeline(timeline.days, (timeline.days,))
    services, service_codes = [], set()
    for si, s in enumerate(data["services"]):
        sp = ("services", si)
        if s["code"] in service_codes:
            errors.append(source.error(sp + ("code",), f"service code '{s['code']}' is used twice in {code}"))
        service_codes.add(s["code"])
        if s["line_department"] not in data["line_departments"]:
            errors.append(source.error(sp + ("line_department",), f"'{s['line_department']}' is not a line department of {code}"
                                       f"{did_you_mean(s['line_department'], data['line_departments'])}"))
        grievances = []
        for gi, g in enumerate(s["grievances"]):
            gp = sp + ("grievances", gi)
            if g["code"] in grievance_types or any(x.code == g["code"] for x in grievances):
                other = where.get(g["code"])
                at = f" in {other.name}" if other is not None and other is not source else ""
                errors.append(source.error(gp + ("code",), f"grievance code '{g['code']}' is already used{at}; grievance codes are unique across the catalogue"))
            categories, seen = [], set()
            for ci, c in enumerate(g.get("categories", [])):
                if c["code"] in seen:
                    errors.append(source.error(gp + ("categories", ci, "code"), f"category '{c['code']}' is listed twice"))
                seen.add(c["code"])
                subs = tuple(Subcategory(x["code"], Bilingual.of(x["name"])) for x in c.get("subcategories", []))
                if len({x.code for x in subs}) != len(subs):
                    errors.append(source.error(gp + ("categories", ci, "subcategories"), "a subcategory code is listed twice"))
                categories.append(Category(c["code"], Bilingual.of(c["name"]), subs))
            form, names = [], set()
            for fi, f in enumerate(g.get("form", [])):
                if f["name"] in names:
                    errors.append(source.error(gp + ("form", fi, "name"), f"form field '{f['name']}' is declared twice"))
                names.add(f["name"])
                form.append(FormField(
                    name=f["name"], type=f["type"], label=Bilingual.of(f["label"]), required=f.get("required", False),
                    help=_bilingual_or_none(f.get("help")), pattern=f.get("pattern"), max_length=f.get("max_length"),
                    min=f.get("min"), max=f.get("max"),
                    options=tuple(Option(o["value"], Bilingual.of(o["label"])) for o in f.get("options", [])),
                ))
            gt = GrievanceType(
                code=g["code"], name=Bilingual.of(g["name"]), department=code, service=s["code"],
                line_department=s["line_department"], keywords=tuple(g.get("keywords", [])),
                timeline=Timeline.of(g.get("timeline")), categories=tuple(categories), form=tuple(form),
            )
            grievances.append(gt)
        services.append(Service(
            code=s["code"], line_department=s["line_department"], name=Bilingual.of(s["name"]),
            keywords=tuple(s.get("keywords", [])),
            escalation=chain(s["escalation"], sp + ("escalation",)) if "escalation" in s else None,
            timeline=Timeline.of(s.get("timeline")), grievances=tuple(grievances),
        ))
    facts = _DepartmentFacts(data, juris)
    rules, names = [], set()
    for ri, r in enumerate(data["routing"]):
        rp = ("routing", ri)
        if r["name"] in names:
            errors.append(source.error(rp + ("name",), f"rule name '{r['name']}' is used twice; names explain decisions, so they must differ"))
        names.add(r["name"])
        if r["assign"] not in posts:
            errors.append(source.error(rp + ("assign",), f"'{r['assign']}' is not a post of {code}{did_you_mean(r['assign'], posts)}"))
        condition = cond.parse(r.get("when"), facts, lambda p, m: errors.append(source.error(rp + ("when",) + p, m)), ())
        rules.append(Rule(
            index=ri, name=r["name"], condition=condition, assign=r["assign"], priority=r.get("priority"),
            timeline=Timeline.of(r.get("timeline")),
            escalation=chain(r["escalation"], rp + ("escalation",)) if "escalation" in r else None,
            start_level=r.get("start_level", 1),
        ))
    _check_size(source, code, rules, errors)
    if len(errors) > start:
        return None
    for s_index, s in enumerate(services):
        for g_index, g in enumerate(s.grievances):
            known = {"department": code, "line_department": s.line_department, "service": s.code, "grievance": g.code}
            if not any(cond.could_hold(r.condition, known) for r in rules):
                errors.append(source.error(("services", s_index, "grievances", g_index, "code"),
                                           f"grievance type '{g.code}' is not routed by any rule; add a rule for it or a rule without 'when' at the end of routing"))
            grievance_types[g.code] = g
            where[g.code] = source
    if len(errors) > start:
        return None
    return Department(
        code=code, name=Bilingual.of(data["name"]), line_departments={k: Bilingual.of(v) for k, v in data["line_departments"].items()},
        posts=posts, escalation=escalation, timeline=timeline, services=tuple(services), routing=tuple(rules),
        source=source.name, text=source.text, content_hash=_sha(source.text.encode()),
        show_cause_notice=data["defaults"].get("show_cause_notice", False),
    )
