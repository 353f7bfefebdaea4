"""The plain-Python first-match evaluator: the baseline the durable-rules engine is measured and checked against."""
from __future__ import annotations

from typing import Mapping

from .catalogue import Catalogue
from .conditions import holds
from .decision import Decision, decision_for
from .facts import NoRuleMatched, grievance_facts


def decide(catalogue: Catalogue, facts: Mapping) -> Decision:
    gt, flat = grievance_facts(catalogue, facts)
    dept = catalogue.departments[gt.department]
    for rule in dept.routing:
        if holds(rule.condition, flat):
            return decision_for(catalogue.version, dept, gt, rule)
    raise NoRuleMatched(f"no routing rule of {dept.code} matches grievance type {gt.code}")
