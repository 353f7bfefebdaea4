"""The rules engine: each department's routing compiled to a durable-rules ruleset, evaluated statelessly.

durable-rules is used through its C extension directly (`durable_rules_engine`), not through
`durable.lang.Host`: a Host starts timer threads that never stop and cannot unregister a ruleset,
while the extension can delete one. Each published version owns its rulesets; when a newer version
replaces it, its rulesets are deleted as soon as no decision is using them, so memory stays flat
across publishes. Case state lives in the database, never in the engine: each decision posts one
event and deletes the engine state it made.
"""
from __future__ import annotations

import itertools
import re
import json
import threading
from dataclasses import dataclass
from typing import Mapping

import durable_rules_engine as _durable

from .catalogue import Catalogue, Department
from .catalogue import Rule
from .conditions import Derived, could_hold, to_durable, walk
from .decision import Decision, decision_for
from .facts import NoRuleMatched, grievance_facts

_MARKER = "_g"  # every event carries it and every rule tests it, so the engine's state object never matches
_NO_MATCH = "none"
_EXPONENT = re.compile(r"[0-9][eE][-+0-9]")
_names = itertools.count(1)


class CompiledRuleset:
    """Routing rules as one durable-rules ruleset. Not shareable across threads without its lock."""

    def __init__(self, dept: Department, routing: list[Rule]):
        self.derived = Derived()
        self.facts_used = sorted({c.fact for rule in routing for c in walk(rule.condition)})
        definition = {}
        for rule in routing:
            expression = to_durable(rule.condition, self.derived)
            pattern = {_MARKER: 1} if expression is None else {"$and": [{_MARKER: 1}, expression]}
            definition[f"r{rule.index}"] = {"pri": rule.index, "all": [{"m": pattern}]}
        # Every event must be consumed: deleting the state of an event no rule took frees memory twice
        # in durable-rules 2.0.28 (a double free seen as "corruption" or a segfault), so a last rule
        # takes whatever the department's rules leave, and stands for "no rule matched".
        definition[_NO_MATCH] = {"pri": len(dept.routing) + 1, "all": [{"m": {_MARKER: 1}}]}
        self.definition = definition
        self.name = f"{dept.code}#{next(_names)}"
        self.handle = _durable.create_ruleset(self.name, json.dumps(definition, ensure_ascii=False))
        self.lock = threading.Lock()
        self.retired = False

    def first_match(self, flat: dict) -> int | None:
        """Index of the first routing rule whose conditions hold; the caller holds `self.lock`."""
        event = {_MARKER: 1, "sid": "0", "id": "e"}
        for name in self.facts_used:  # only what the rules test: a smaller event is a faster one
            if name in flat:
                event[name] = flat[name]
        self.derived.add_to(event)
        result = _durable.assert_event(self.handle, event_json(event))
        try:
            if result[0] != 0:
                raise RuntimeError(f"durable-rules did not take the event (code {result[0]})")
            action = _durable.start_action_for_state(self.handle, result[1])
            message = action[1]  # '{"r12":{"m":{...}}}': the rule name is the first key
            fired = message[2:message.index('"', 2)]
            _durable.complete_and_start_action(self.handle, result[1])
            return None if fired == _NO_MATCH else int(fired[1:])
        finally:
            _durable.delete_state(self.handle, "0")

    def retire(self) -> None:
        with self.lock:
            if not self.retired:
                self.retired = True
                _durable.delete_ruleset(self.handle)


class CompiledDepartment:
    """A department's routing, partitioned by service.

    Every grievance has a service, so a rule whose conditions cannot hold for a service (it names
    another one) can be left out of that service's ruleset without changing which rule fires first.
    durable-rules' time per event grows with the rules in a ruleset, and its memory with the number
    of rulesets (about 80 KB each before any rule), so services are packed, in order, into rulesets
    of at most RULES_PER_RULESET applicable rules: few rulesets, each small.
    """

    RULES_PER_RULESET = 8

    def __init__(self, dept: Department):
        self.department = dept
        self.rulesets: dict[str, CompiledRuleset] = {}
        groups: list[tuple[list[str], set[int]]] = []
        for service in dept.services:
            known = {"department": dept.code, "line_department": service.line_department, "service": service.code,
                     "grievance": tuple(g.code for g in service.grievances)}
            applicable = {r.index for r in dept.routing if could_hold(r.condition, known)}
            if groups and len(groups[-1][1] | applicable) <= self.RULES_PER_RULESET:
                groups[-1][0].append(service.code)
                groups[-1][1].update(applicable)
            else:
                groups.append(([service.code], set(applicable)))
        for services, indexes in groups:
            ruleset = CompiledRuleset(dept, [r for r in dept.routing if r.index in indexes])
            for code in services:
                self.rulesets[code] = ruleset

    def retire(self) -> None:
        for ruleset in set(self.rulesets.values()):
            ruleset.retire()


def _number(value) -> str:
    text = repr(value)
    if isinstance(value, float) and "e" in text and "." not in text.split("e")[0]:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}.0e{exponent}"  # durable-rules' parser needs a '.' before an exponent
    return text


def event_json(event: dict) -> str:
    """JSON for one flat event. Floats are written so durable-rules parses them (it rejects `1e-05`)."""
    text = json.dumps(event, ensure_ascii=False)
    if _EXPONENT.search(text) is None:  # the usual case; a match inside a string only costs the slow path
        return text
    parts = []
    for key, value in event.items():
        if isinstance(value, bool) or value is None:
            encoded = json.dumps(value)
        elif isinstance(value, (int, float)):
            encoded = _number(value)
        else:
            encoded = json.dumps(value, ensure_ascii=False)
        parts.append(f"{json.dumps(key, ensure_ascii=False)}:{encoded}")
    return "{" + ",".join(parts) + "}"


@dataclass(frozen=True)
class _Version:
    catalogue: Catalogue
    compiled: Mapping[str, CompiledDepartment]


class Engine:
    """Decides grievances under the current published catalogue; `publish` swaps catalogues atomically."""

    def __init__(self, catalogue: Catalogue | None = None):
        self._current: _Version | None = None
        self._publish_lock = threading.Lock()
        if catalogue is not None:
            self.publish(catalogue)

    @property
    def version(self) -> str | None:
        current = self._current
        return current.catalogue.version if current else None

    @property
    def catalogue(self) -> Catalogue | None:
        current = self._current
        return current.catalogue if current else None

    def publish(self, catalogue: Catalogue) -> str:
        """Compile every department, then switch in one assignment: deciders see the old version or the new, never a mix."""
        with self._publish_lock:
            previous = self._current
            if previous is not None and previous.catalogue.version == catalogue.version:
                self._current = _Version(catalogue, previous.compiled)
                return catalogue.version
            compiled = {}
            try:
                for code, dept in catalogue.departments.items():
                    compiled[code] = CompiledDepartment(dept)
            except BaseException:
                for c in compiled.values():
                    c.retire()
                raise
            self._current = _Version(catalogue, compiled)
            if previous is not None:
                for c in previous.compiled.values():
                    c.retire()  # waits for any decision still running on it
            return catalogue.version

    def decide(self, facts: Mapping) -> Decision:
        """Facts: {"grievance": code, "channel": ..., "location": {...}, "citizen": {...}, "form": {...}, ...}."""
        while True:
            current = self._current
            if current is None:
                raise RuntimeError("no catalogue has been published to the rules engine")
            gt, flat = grievance_facts(current.catalogue, facts)
            compiled = current.compiled[gt.department]
            ruleset = compiled.rulesets[gt.service]
            with ruleset.lock:
                if ruleset.retired:
                    continue  # a publish replaced this version while we waited; decide under the new one
                index = ruleset.first_match(flat)
            dept = compiled.department
            if index is None:
                raise NoRuleMatched(f"no routing rule of {dept.code} matches grievance type {gt.code}")
            return decision_for(current.catalogue.version, dept, gt, dept.routing[index])

    def close(self) -> None:
        with self._publish_lock:
            if self._current is not None:
                for c in self._current.compiled.values():
                    c.retire()
                self._current = None
