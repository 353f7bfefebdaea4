"""Rule analysis: what a nodal officer should know about a department's routing before publishing it.

Four kinds of finding, each a warning with the file and line it is about:

* shadowed — a rule that can never fire, because earlier rules always match first (or because its
  conditions cannot all hold together for any grievance type of the department);
* overlap — two rules with different target posts that both match some grievances, where the earlier
  rule is not simply an exception carved out of the later one (the usual "specific first, general
  last" pattern is not reported); the earlier rule wins those grievances;
* gap — grievance types that no rule routes in some cases (a district, a category, a channel, an age…);
  filing such a grievance fails;
* chain-below-state — an escalation chain whose last post is not a state-level post.

How it works: for each grievance type the taxonomy facts are fixed, and every other fact a rule tests
is given a few representative values (the values the rules mention, one value standing for "any
other", "not given" where a filing may leave it out, and for numbers a value in each interval between
the numbers the rules mention). The rules are then walked in order with the three-valued
`conditions.truth` (the same semantics as both evaluators), splitting a fact into its representatives
only when a rule depends on it. Each leaf of that walk is a set of grievances that one rule routes,
or that no rule routes. Regular expressions are treated as yes/no facts of their own, so two rules
testing the same `matches` are correlated, different patterns are taken as independent.
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from .catalogue import CHANNELS, Catalogue, Department, GrievanceType
from .conditions import MISSING, All, AnyOf, Cmp, Not, truth, walk
from .yamlfile import parse_bytes

KINDS = ("shadowed", "overlap", "gap", "chain-below-state")
TAXONOMY = ("department", "line_department", "service", "grievance")
MAX_LEAVES = 20_000      # per grievance type; beyond it the department is reported as too complex to analyse
MAX_CASES_SHOWN = 4


@dataclass(frozen=True)
class Finding:
    kind: str            # one of KINDS
    department: str
    message: str         # a sentence for the nodal officer
    file: str
    line: int
    rules: tuple = ()    # names of the routing rules involved (rule names are unique in a department)
    column: int = 1

    def to_dict(self) -> dict:
        d = asdict(self)
        d["rules"] = list(self.rules)
        return d

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: warning: {self.message} [{self.kind}]"


class _TooComplex(Exception):
    pass


def analyse(catalogue: Catalogue, department_code: str | None = None) -> list[Finding]:
    """Findings for every department of the catalogue, or for one, in file and line order."""
    findings: list[Finding] = []
    for code, dept in catalogue.departments.items():
        if department_code is not None and code != department_code:
            continue
        findings.extend(_DepartmentAnalysis(catalogue, dept).run())
    return sorted(findings, key=lambda f: (f.department, f.file, f.line, f.column, KINDS.index(f.kind), f.message))


# --- representatives of each fact --------------------------------------------------------------------

@dataclass(frozen=True)
class _Other:
    """A value standing for every value the rules do not mention."""

    fact: str
    mentioned: tuple

    def __repr__(self) -> str:
        return f"other {self.fact}"


@dataclass(frozen=True)
class _Interval:
    """A number standing for an interval between the numbers the rules mention."""

    value: float
    label: str


def _derive_regexes(node):
    """`matches` becomes a yes/no fact of its own (as the compiled engine does with a derived fact)."""
    if isinstance(node, Cmp):
        if node.op == "matches":
            return Cmp(f"{node.fact} =~ {node.value}", "eq", True)
        return node
    if isinstance(node, All):
        return All(tuple(_derive_regexes(i) for i in node.items))
    if isinstance(node, AnyOf):
        return AnyOf(tuple(_derive_regexes(i) for i in node.items))
    if isinstance(node, Not):
        return Not(_derive_regexes(node.item))
    raise TypeError(node)


def _number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class _Space:
    """The representative values of each fact, for one department."""

    def __init__(self, catalogue: Catalogue, conditions: list):
        self.districts = {d.name.en: d for d in catalogue.jurisdictions.districts}
        self.constants: dict[str, list] = {}
        for c in (c for node in conditions for c in walk(node)):
            values = c.value if c.op == "in" else (c.value,)
            bucket = self.constants.setdefault(c.fact, [])
            for v in values:
                if c.op != "present" and v not in bucket:
                    bucket.append(v)
        taluks = set(self.constants.get("location.taluk", ()))
        self.relevant_districts = [name for name, d in self.districts.items()
                                   if name in self.constants.get("location.district", ()) or taluks & {t.en for t in d.taluks}]

    def prerequisite(self, fact: str, domain: dict) -> str:
        if fact == "subcategory" and "category" not in domain:
            return "category"
        if fact == "location.taluk" and "location.district" not in domain:
            return "location.district"
        return fact

    def values(self, fact: str, domain: dict, gt: GrievanceType) -> tuple:
        mentioned = tuple(self.constants.get(fact, ()))
        if " =~ " in fact:
            base = fact.split(" =~ ")[0]
            possible = (domain[base],) if base in domain else self.values(base, domain, gt)
            return (False,) if all(v is MISSING for v in possible) else (True, False)  # a missing fact matches nothing
        if fact == "category":
            return tuple(c.code for c in gt.categories) + (MISSING,)
        if fact == "subcategory":
            chosen = next((c for c in gt.categories if c.code == domain.get("category")), None)
            return (tuple(s.code for s in chosen.subcategories) if chosen else ()) + (MISSING,)
        if fact == "channel":
            return CHANNELS
        if fact == "location.district":
            others = [n for n in self.districts if n not in self.relevant_districts]
            return tuple(self.relevant_districts) + ((_Other(fact, tuple(self.relevant_districts)),) if others else ())
        if fact == "location.taluk":
            district = domain["location.district"]
            if isinstance(district, _Other):
                return (_Other(fact, ()),)  # a district no rule names: none of its taluks is named either
            names = [t.en for t in self.districts[district].taluks]
            named = tuple(n for n in names if n in mentioned)
            return named + ((_Other(fact, named),) if len(named) < len(names) else ())
        if fact.startswith("form."):
            field = next((f for f in gt.form if f.name == fact[5:]), None)
            if field is None or field.type in ("multiselect", "file"):
                return (MISSING,)  # not asked for this grievance type (lists and files are not facts)
            optional = () if field.required else (MISSING,)
            if field.type == "boolean":
                return (True, False)
            if field.type == "select":
                return tuple(o.value for o in field.options) + optional
            if field.type == "number":
                return self._numbers(fact, mentioned, integers=False) + optional
            return self._free(fact, mentioned) + optional
        if fact in ("location.village", "location.pincode", "location.landmark") or fact.startswith("citizen."):
            numbers = self._numbers(fact, mentioned, integers=fact == "citizen.age") if any(map(_number, mentioned)) else ()
            words = [m for m in mentioned if not _number(m)]
            return numbers + (self._free(fact, words) if words or not numbers else ()) + (MISSING,)
        return self._free(fact, mentioned) + (MISSING,)

    @staticmethod
    def _free(fact, mentioned) -> tuple:
        return tuple(mentioned) + (_Other(fact, tuple(mentioned)),)

    @staticmethod
    def _numbers(fact, mentioned, integers: bool) -> tuple:
        points = sorted({float(m) if isinstance(m, float) else m for m in mentioned if _number(m)})
        if not points:
            return (_Other(fact, ()),)
        out = []
        low = (math.ceil(points[0]) - 1) if integers else points[0] - 1
        out.append(_Interval(low, f"below {points[0]}"))
        for i, p in enumerate(points):
            if not integers or float(p).is_integer():
                out.append(_Interval(p, f"{p}"))
            if i + 1 < len(points):
                q = points[i + 1]
                mid = (math.floor(p) + 1) if integers else (p + q) / 2
                if mid < q and (not integers or mid > p):
                    out.append(_Interval(mid, f"between {p} and {q}"))
        high = (math.floor(points[-1]) + 1) if integers else points[-1] + 1
        out.append(_Interval(high, f"above {points[-1]}"))
        return tuple(out)


def _plain(domain: dict) -> dict:
    """The domain as conditions.truth reads it: stand-in values replaced by ones that behave alike."""
    out = {}
    for fact, v in domain.items():
        if isinstance(v, _Interval):
            out[fact] = v.value
        elif isinstance(v, _Other):
            out[fact] = "\x00other"  # equal to nothing a rule mentions, not a number
        else:
            out[fact] = v
    return out


_LABELS = {"category": "category", "subcategory": "subcategory", "channel": "channel",
           "location.district": "district", "location.taluk": "taluk", "location.village": "village or ward",
           "location.pincode": "pincode", "location.landmark": "landmark", "citizen.age": "the citizen's age",
           "citizen.gender": "the citizen's gender"}


def _label(fact: str) -> str:
    if " =~ " in fact:
        base, pattern = fact.split(" =~ ", 1)
        return f"{_label(base)} matching /{pattern}/"
    if fact in _LABELS:
        return _LABELS[fact]
    if fact.startswith("form."):
        return f"form field '{fact[5:]}'"
    return fact


def _describe_value(fact: str, v) -> str:
    label = _label(fact)
    if v is MISSING:
        return f"{label} not given"
    if " =~ " in fact:
        return label if v else label.replace(" matching ", " not matching ")
    if isinstance(v, _Other):
        if fact == "location.taluk":
            return "" if not v.mentioned else f"a taluk other than {', '.join(map(str, v.mentioned))}"
        if not v.mentioned:
            return f"any {label}"
        return f"{label} other than {', '.join(map(str, v.mentioned))}"
    if isinstance(v, _Interval):
        return f"{label} {v.label}"
    if isinstance(v, bool):
        return f"{label} {'yes' if v else 'no'}"
    return f"{label} {v}"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _describe(domain: dict) -> str:
    parts = [_describe_value(f, v) for f, v in domain.items() if f not in TAXONOMY]
    parts = [p for p in parts if p]
    return ", ".join(parts) if parts else "always"


# --- the analysis of one department ------------------------------------------------------------------------

class _DepartmentAnalysis:
    def __init__(self, catalogue: Catalogue, dept: Department):
        self.catalogue, self.dept = catalogue, dept
        self.rules = dept.routing
        self.conditions = [_derive_regexes(r.condition) for r in self.rules]
        self.space = _Space(catalogue, self.conditions)
        source, errors = parse_bytes(dept.text.encode("utf-8"), dept.source)
        self.source = None if errors else source

    def at(self, path: tuple) -> int:
        return self.source.position(path, prefer_key=path[-1] == "escalation")[0] if self.source is not None else 1

    def finding(self, kind, message, path, rules=()) -> Finding:
        return Finding(kind, self.dept.code, message, self.dept.source, self.at(path), tuple(rules))

    def rule_label(self, index: int) -> str:
        return f"rule {index + 1} '{self.rules[index].name}'"

    def run(self) -> list[Finding]:
        findings = self.chains()
        leaves: dict[str, list] = {}
        try:
            for s_index, service in enumerate(self.dept.services):
                for g_index, gt in enumerate(service.grievances):
                    leaves[gt.code] = (s_index, g_index, gt, self.explore(gt))
        except _TooComplex:
            findings.append(self.finding("gap", f"The routing of {self.dept.code} tests too many facts in combination to analyse "
                                         f"(more than {MAX_LEAVES:,} cases for one grievance type); shadowed rules, overlaps and "
                                         "gaps were not checked.", ("routing",)))
            return findings
        fired = {rule for *_, cells in leaves.values() for _, rule in cells if rule is not None}
        findings += self.shadowed(leaves, fired)
        findings += self.overlaps(leaves, fired)
        findings += self.gaps(leaves)
        return findings

    def base(self, gt: GrievanceType) -> dict:
        return {"department": self.dept.code, "line_department": gt.line_department, "service": gt.service,
                "grievance": gt.code}

    def split_fact(self, node, domain) -> str:
        for c in walk(node):
            if c.fact not in domain:
                return self.space.prerequisite(c.fact, domain)
        raise AssertionError("a condition is undecided although all its facts are fixed")

    def explore(self, gt: GrievanceType) -> list[tuple[dict, int | None]]:
        """The leaves of the first-match walk: (domain, index of the rule that fires there, or None)."""
        out: list = []

        def walk_from(start: int, domain: dict) -> None:
            plain = _plain(domain)
            for k in range(start, len(self.conditions)):
                t = truth(self.conditions[k], plain)
                if t is False:
                    continue
                if t is True:
                    out.append((domain, k))
                    return
                fact = self.split_fact(self.conditions[k], domain)
                for v in self.space.values(fact, domain, gt):
                    walk_from(k, {**domain, fact: v})
                return
            out.append((domain, None))
            if len(out) > MAX_LEAVES:
                raise _TooComplex

        walk_from(0, self.base(gt))
        return out

    # - shadowed -

    def shadowed(self, leaves, fired) -> list[Finding]:
        out = []
        for j, rule in enumerate(self.rules):
            if j in fired:
                continue
            winners = sorted({k for *_, cells in leaves.values() for domain, k in cells
                              if k is not None and k < j and truth(self.conditions[j], _plain(domain)) is not False})
            if winners:
                who = (self.rule_label(winners[0]) + " always matches first" if len(winners) == 1 else
                       ", ".join(self.rule_label(k) for k in winners[:-1]) + " and " + self.rule_label(winners[-1]) +
                       " between them always match first")
                message = (f"{_cap(self.rule_label(j))} can never fire: {who} for every grievance it would match. "
                           "Move it above them, narrow them, or remove it.")
            else:
                message = (f"{_cap(self.rule_label(j))} can never fire: its conditions cannot all hold together for "
                           f"any grievance type of {self.dept.code}.")
            out.append(self.finding("shadowed", message, ("routing", j), [rule.name] + [self.rules[k].name for k in winners]))
        return out

    # - overlap -

    def find_case(self, i: int, want_i: bool, j: int, want_j: bool):
        """A (grievance type, domain) where rule i's condition is `want_i` and rule j's is `want_j`, or None."""
        a, b = self.conditions[i], self.conditions[j]

        def search(domain, gt):
            plain = _plain(domain)
            ta, tb = truth(a, plain), truth(b, plain)
            if ta is (not want_i) or tb is (not want_j):
                return None
            if ta is want_i and tb is want_j:
                return domain
            fact = self.split_fact(a if ta is None else b, domain)
            for v in self.space.values(fact, domain, gt):
                found = search({**domain, fact: v}, gt)
                if found is not None:
                    return found
            return None

        for gt in self.dept.grievance_types():
            found = search(self.base(gt), gt)
            if found is not None:
                return gt, found
        return None

    def contained(self, i: int, j: int) -> bool:
        """Does every grievance that rule i matches also match rule j?"""
        return self.find_case(i, True, j, False) is None

    def overlaps(self, leaves, fired) -> list[Finding]:
        examples: dict[tuple, tuple] = {}
        for _, _, gt, cells in leaves.values():
            for domain, k in cells:
                if k is None:
                    continue
                plain = _plain(domain)
                for j in range(k + 1, len(self.rules)):
                    if j in fired and self.rules[j].assign != self.rules[k].assign and (k, j) not in examples \
                            and truth(self.conditions[j], plain) is not False:
                        examples[(k, j)] = True
        out = []
        for (k, j) in sorted(examples):
            both = self.find_case(k, True, j, True)
            if both is None or self.contained(k, j):
                continue  # no grievance matches both, or rule k is an exception carved out of rule j (specific first)
            gt, domain = both
            rk, rj = self.rules[k], self.rules[j]
            where = _describe(domain)
            message = (f"{_cap(self.rule_label(k))} (to {rk.assign}) and {self.rule_label(j)} (to {rj.assign}) both match "
                       f"some grievances, for example {gt.code}" + ("" if where == "always" else f" with {where}") +
                       f"; {self.rule_label(k)} wins those because it comes first. If {rj.assign} should get them, "
                       "move the rules or narrow the first.")
            out.append(self.finding("overlap", message, ("routing", j), [rk.name, rj.name]))
        return out

    # - gaps -

    def gaps(self, leaves) -> list[Finding]:
        out = []
        for s_index, g_index, gt, cells in leaves.values():
            holes = [domain for domain, k in cells if k is None]
            if not holes:
                continue
            cases = [_describe(d) for d in holes]
            shown = "; ".join(cases[:MAX_CASES_SHOWN])
            more = f"; and {len(cases) - MAX_CASES_SHOWN} more cases" if len(cases) > MAX_CASES_SHOWN else ""
            if len(holes) == len(cells):
                message = f"Grievance type {gt.code} ({gt.name.en}) is routed by no rule in any case"
            else:
                message = f"Grievance type {gt.code} ({gt.name.en}) is routed by no rule when: {shown}{more}"
            out.append(self.finding("gap", message + ". Filing such a grievance fails; add a rule for it or a rule "
                                    "without 'when' at the end of routing.",
                                    ("services", s_index, "grievances", g_index, "code")))
        return out

    # - escalation chains -

    def chains(self) -> list[Finding]:
        out = []
        declared = [(("defaults", "escalation"), f"The default escalation chain of {self.dept.code}", self.dept.escalation, ())]
        for s_index, s in enumerate(self.dept.services):
            if s.escalation:
                declared.append((("services", s_index, "escalation"), f"The escalation chain of service {s.code}", s.escalation, ()))
        for r_index, r in enumerate(self.rules):
            if r.escalation:
                declared.append((("routing", r_index, "escalation"), f"The escalation chain of {self.rule_label(r_index)}",
                                 r.escalation, (r.name,)))
        for path, what, chain, rule_names in declared:
            last = self.dept.posts.get(chain[-1]) if chain else None
            if last is None or last.level == "state":
                continue
            states = [p.code for p in self.dept.posts.values() if p.level == "state"]
            hint = (f" End it with a state-level post such as {states[0]}." if states else
                    f" {self.dept.code} declares no state-level post; add one (jurisdiction: state) and end the chain with it.")
            out.append(self.finding("chain-below-state",
                                    f"{what} ends at {last.code} ({last.name.en}), a {last.level}-level post: a grievance that "
                                    f"lapses there has no one above to escalate to.{hint}", path, rule_names))
        return out


__all__ = ["Finding", "KINDS", "analyse", "MISSING"]
