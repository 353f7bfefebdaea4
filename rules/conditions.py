"""The condition language of routing rules: parsed once, then evaluated in Python or compiled to durable-rules.

Both evaluators share these semantics: a comparison on a missing fact is false (so its `not` is true);
numeric comparisons are false for values that are not numbers; `matches` uses Python regular
expressions. durable-rules has its own regex dialect and no negated match, so each `matches` is
computed in Python into a derived boolean fact that the compiled rule tests; likewise each fact used
in a numeric comparison gets a derived copy that exists only when the value is a number.
"""
from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, field
from typing import Callable, Iterable

OPERATORS = ("eq", "ne", "gt", "gte", "lt", "lte", "in", "matches", "present")
NUMERIC = ("gt", "gte", "lt", "lte")
Scalar = (str, int, float, bool)


@dataclass(frozen=True)
class Cmp:
    fact: str
    op: str
    value: object


@dataclass(frozen=True)
class All:
    items: tuple = ()


@dataclass(frozen=True)
class AnyOf:
    items: tuple = ()


@dataclass(frozen=True)
class Not:
    item: object


MATCH_EVERYTHING = All(())


@functools.lru_cache(maxsize=4096)
def regex(pattern: str) -> re.Pattern:
    return re.compile(pattern)


class FactCheck:
    """What the parser needs to know about the facts: supplied by the catalogue, which knows the department."""

    def check(self, fact: str, value, path: tuple) -> str | None:  # an error message or None
        return None

    def known_fact(self, fact: str) -> str | None:
        return None


def parse(when, check: FactCheck, report: Callable[[tuple, str], None], path: tuple = ()) -> object:
    """Parse a `when:` block; errors go to `report(path, message)` and parsing carries on."""
    if when is None:
        return MATCH_EVERYTHING
    if not isinstance(when, dict):
        report(path, f"expected a mapping of conditions (fact: value), got {type(when).__name__}")
        return MATCH_EVERYTHING
    if not when:
        report(path, "an empty 'when' matches everything; leave 'when' out instead")
        return MATCH_EVERYTHING
    items = []
    for key, value in when.items():
        sub = path + (key,)
        if key in ("all", "any"):
            if not isinstance(value, list) or not value:
                report(sub, f"'{key}' takes a non-empty list of conditions")
                continue
            parts = tuple(parse(v, check, report, sub + (i,)) for i, v in enumerate(value))
            items.append(All(parts) if key == "all" else AnyOf(parts))
        elif key == "not":
            items.append(Not(parse(value, check, report, sub)))
        else:
            problem = check.known_fact(str(key))
            if problem:
                report(sub, problem)
                continue
            items.append(_fact_condition(str(key), value, check, report, sub))
    return items[0] if len(items) == 1 else All(tuple(items))


def _fact_condition(fact, value, check: FactCheck, report, path):
    if isinstance(value, list):
        return _cmp(fact, "in", value, check, report, path)
    if isinstance(value, dict):
        if not value:
            report(path, "an empty mapping is not a condition; give a value or an operator such as {gte: 60}")
            return MATCH_EVERYTHING
        parts = []
        for op, operand in value.items():
            if op not in OPERATORS:
                from .errors import did_you_mean
                report(path + (op,), f"'{op}' is not an operator; use one of {', '.join(OPERATORS)}{did_you_mean(op, OPERATORS)}")
                continue
            parts.append(_cmp(fact, op, operand, check, report, path + (op,)))
        return parts[0] if len(parts) == 1 else All(tuple(parts))
    return _cmp(fact, "eq", value, check, report, path)


# durable-rules keeps numbers as C longs and doubles: infinities and NaN do not compile, and whole numbers
# beyond 64 bits would be compared wrongly there, so a condition may not use them.
_LONG = 2 ** 63


def _odd_number(value) -> str | None:
    if isinstance(value, float) and not math.isfinite(value):
        return f"{value} is not a number a rule can compare with"
    if isinstance(value, int) and not isinstance(value, bool) and not -_LONG <= value < _LONG:
        return "the number is too large; numbers in conditions lie between -9223372036854775808 and 9223372036854775807"
    return None


def _cmp(fact, op, value, check: FactCheck, report, path):
    for i, v in enumerate(value if isinstance(value, list) else [value]):
        problem = _odd_number(v)
        if problem:
            report(path + ((i,) if isinstance(value, list) else ()), problem)
            return MATCH_EVERYTHING
    if op == "in":
        if not isinstance(value, list) or not value:
            report(path, "expected a non-empty list of values")
            return MATCH_EVERYTHING
        bad = [v for v in value if not isinstance(v, Scalar)]
        if bad:
            report(path, f"list values must be plain values, got {bad[0]!r}")
            return MATCH_EVERYTHING
        for i, v in enumerate(value):
            problem = check.check(fact, v, path)
            if problem:
                report(path + (i,), problem)
        return Cmp(fact, "in", tuple(value))
    if op in NUMERIC:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            report(path, f"'{op}' compares with a number, got {value!r}")
            return MATCH_EVERYTHING
        return Cmp(fact, op, value)
    if op == "matches":
        if not isinstance(value, str):
            report(path, f"'matches' takes a regular expression in quotes, got {value!r}")
            return MATCH_EVERYTHING
        try:
            regex(value)
        except re.error as exc:
            report(path, f"not a valid regular expression: {exc}")
            return MATCH_EVERYTHING
        return Cmp(fact, op, value)
    if op == "present":
        if not isinstance(value, bool):
            report(path, f"'present' takes true or false, got {value!r}")
            return MATCH_EVERYTHING
        return Cmp(fact, op, value)
    if not isinstance(value, Scalar):
        report(path, f"expected a plain value to compare with, got {type(value).__name__}")
        return MATCH_EVERYTHING
    problem = check.check(fact, value, path)
    if problem:
        report(path, problem)
    return Cmp(fact, op, value)


def walk(node) -> Iterable[Cmp]:
    if isinstance(node, Cmp):
        yield node
    elif isinstance(node, (All, AnyOf)):
        for item in node.items:
            yield from walk(item)
    elif isinstance(node, Not):
        yield from walk(node.item)


# --- evaluation in Python (the reference the durable-rules path is checked against) -------------

def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def holds(node, facts: dict) -> bool:
    if isinstance(node, Cmp):
        present = node.fact in facts
        if node.op == "present":
            return present == node.value
        if not present:
            return False
        v = facts[node.fact]
        op = node.op
        if op == "eq":
            return _same(v, node.value)
        if op == "ne":
            return not _same(v, node.value)
        if op == "in":
            return any(_same(v, x) for x in node.value)
        if op == "matches":
            return isinstance(v, str) and regex(node.value).search(v) is not None
        if not _is_number(v):
            return False
        return {"gt": v > node.value, "gte": v >= node.value, "lt": v < node.value, "lte": v <= node.value}[op]
    if isinstance(node, All):
        return all(holds(i, facts) for i in node.items)
    if isinstance(node, AnyOf):
        return any(holds(i, facts) for i in node.items)
    if isinstance(node, Not):
        return not holds(node.item, facts)
    raise TypeError(node)


def _same(a, b) -> bool:
    # JSON (and so durable-rules) keeps true distinct from 1; Python would not.
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return a == b


class _Missing:
    """A domain value meaning "the fact is not given" (a missing fact is not the same as any value)."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()


def could_hold(node, domains: dict) -> bool:
    """Three-valued check: can `node` hold when each fact in `domains` takes one of its listed values
    (a single value or a tuple of possible values; MISSING for "not given") and every other fact may be anything?"""
    return _tri(node, domains) is not False


def truth(node, domains: dict) -> bool | None:
    """The three-valued answer behind could_hold: True (holds for every choice), False (for none), None (depends)."""
    return _tri(node, domains)


def _tri(node, domains):
    if isinstance(node, Cmp):
        if node.fact not in domains:
            return None
        values = domains[node.fact]
        if not isinstance(values, tuple):
            values = (values,)
        results = {holds(node, {} if v is MISSING else {node.fact: v}) for v in values}
        return results.pop() if len(results) == 1 else None
    if isinstance(node, All):
        values = [_tri(i, domains) for i in node.items]
        return False if False in values else (True if all(v is True for v in values) else None)
    if isinstance(node, AnyOf):
        values = [_tri(i, domains) for i in node.items]
        return True if True in values else (False if values and all(v is False for v in values) else None)
    if isinstance(node, Not):
        v = _tri(node.item, domains)
        return None if v is None else not v
    raise TypeError(node)


# --- compilation to durable-rules' JSON ruleset form ---------------------------------------------

@dataclass
class Derived:
    """Facts computed in Python before an event is posted to durable-rules."""

    regexes: dict = field(default_factory=dict)   # derived key -> (fact, pattern)
    numbers: dict = field(default_factory=dict)   # derived key -> fact

    def regex_key(self, fact: str, pattern: str) -> str:
        for key, spec in self.regexes.items():
            if spec == (fact, pattern):
                return key
        key = f"re#{len(self.regexes)}"
        self.regexes[key] = (fact, pattern)
        return key

    def number_key(self, fact: str) -> str:
        key = f"num#{fact}"
        self.numbers[key] = fact
        return key

    def add_to(self, event: dict) -> None:
        for key, (fact, pattern) in self.regexes.items():
            v = event.get(fact)
            event[key] = isinstance(v, str) and regex(pattern).search(v) is not None
        for key, fact in self.numbers.items():
            v = event.get(fact)
            if _is_number(v):
                event[key] = v


def _ex(fact):
    return {"$ex": {fact: 1}}


def _nex(fact):
    return {"$nex": {fact: 1}}


def _and(parts):
    return parts[0] if len(parts) == 1 else {"$and": parts}


def _or(parts):
    return parts[0] if len(parts) == 1 else {"$or": parts}


_NEGATED = {"gt": "lte", "gte": "lt", "lt": "gte", "lte": "gt"}


def to_durable(node, derived: Derived, positive: bool = True):
    """A durable-rules expression for `node` (or its negation), or None for "always true"."""
    if isinstance(node, Not):
        return to_durable(node.item, derived, not positive)
    if isinstance(node, (All, AnyOf)):
        conjunctive = isinstance(node, All) == positive
        if not node.items:
            return None if conjunctive else {"$nex": {"_g": 1}}  # empty any: never true
        parts = [to_durable(i, derived, positive) for i in node.items]
        if conjunctive:
            parts = [p for p in parts if p is not None]
            return _and(parts) if parts else None
        if any(p is None for p in parts):
            return None
        return _or(parts)
    assert isinstance(node, Cmp)
    fact, op, value = node.fact, node.op, node.value
    if op == "present":
        return _ex(fact) if value == positive else _nex(fact)
    if op == "eq":
        return {fact: value} if positive else _or([_nex(fact), {"$neq": {fact: value}}])
    if op == "ne":
        return _and([_ex(fact), {"$neq": {fact: value}}]) if positive else {fact: value}
    if op == "in":
        if positive:
            return _or([{fact: v} for v in value])
        return _or([_nex(fact), _and([{"$neq": {fact: v}} for v in value])])
    if op == "matches":
        return {derived.regex_key(fact, value): positive}
    key = derived.number_key(fact)
    if positive:
        return {f"${op}": {key: value}}
    return _or([_nex(key), {f"${_NEGATED[op]}": {key: value}}])
