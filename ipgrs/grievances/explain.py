"""Why a grievance was routed where it is: the version that decided, the rule that fired, the facts it matched.

Built from what the grievance stores (its decision with the facts filing or the last transfer decided on,
and the ruleset version) and from that version's catalogue, so the answer stays true after later
publishes. For officers and administrators only: it shows the rules, not the citizen's contact details.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy.orm import Session

import rules
from rules import conditions as cond
from rules.facts import flatten

from ..catalog import services as catalog_services
from .models import Grievance

_CACHE_SIZE = 4
_cache: OrderedDict = OrderedDict()   # version id -> catalogue built from its snapshot
_lock = threading.Lock()

_OPS = {"eq": "is", "ne": "is not", "gt": ">", "gte": "≥", "lt": "<", "lte": "≤", "in": "is one of", "matches": "matches"}


def _catalogue_of(version, current: rules.Catalogue | None) -> rules.Catalogue | None:
    if current is not None and current.version == version.content_hash:
        return current
    with _lock:
        if version.id in _cache:
            _cache.move_to_end(version.id)
            return _cache[version.id]
    try:
        catalogue = catalog_services.catalogue_from_snapshot(version.snapshot)
    except rules.ConfigInvalid:
        return None
    with _lock:
        _cache[version.id] = catalogue
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return catalogue


def condition_text(node) -> str:
    """A condition as a sentence fragment, e.g. "service is RTC and location.district is Bengaluru Urban"."""
    if isinstance(node, cond.Cmp):
        if node.op == "present":
            return f"{node.fact} is {'given' if node.value else 'not given'}"
        value = ", ".join(map(str, node.value)) if node.op == "in" else (f"/{node.value}/" if node.op == "matches" else node.value)
        return f"{node.fact} {_OPS[node.op]} {value}"
    if isinstance(node, cond.All):
        if not node.items:
            return "always (no conditions)"
        return " and ".join(_grouped(i) for i in node.items)
    if isinstance(node, cond.AnyOf):
        return " or ".join(_grouped(i) for i in node.items)
    if isinstance(node, cond.Not):
        return f"not ({condition_text(node.item)})"
    raise TypeError(node)


def _grouped(node) -> str:
    text = condition_text(node)
    return f"({text})" if isinstance(node, (cond.All, cond.AnyOf)) and len(node.items) > 1 else text


def _matched(node, flat: dict) -> list[dict]:
    out = []
    for c in cond.walk(node):
        entry = {"fact": c.fact, "test": condition_text(c), "value": flat.get(c.fact), "given": c.fact in flat,
                 "holds": cond.holds(c, flat)}
        if entry not in out:
            out.append(entry)
    return out


def explain(session: Session, grievance: Grievance, current: rules.Catalogue | None = None) -> dict:
    """The explanation of the grievance's current routing, as JSON-ready data.

    `current` is this process's published catalogue, used when the grievance was decided by it (no rebuild)."""
    decision = grievance.decision or {}
    version = grievance.ruleset_version
    out = {
        "version": {"id": version.id, "content_hash": version.content_hash, "published_at": version.published_at.isoformat(),
                    "published_by": version.published_by, "message": version.message},
        "decision": {"post": decision.get("post"), "escalation": list(decision.get("escalation") or []),
                     "timeline_days": list(decision.get("timeline_days") or []), "priority": decision.get("priority"),
                     "start_level": decision.get("start_level", 1)},
        "explanation": list(decision.get("explanation") or []),
        "rules_fired": [], "rules_not_matched": [],
    }
    names = list(decision.get("rules_fired") or [])
    catalogue = _catalogue_of(version, current)
    dept = catalogue.departments.get(grievance.department.code) if catalogue is not None else None
    facts = decision.get("facts") or {}
    flat = flatten(facts)
    gt = catalogue.grievance_types.get(flat.get("grievance")) if catalogue is not None else None
    if gt is not None:
        flat.update(department=gt.department, line_department=gt.line_department, service=gt.service)
    by_name = {r.name: r for r in dept.routing} if dept is not None else {}
    for name in names:
        rule = by_name.get(name)
        if rule is None:
            out["rules_fired"].append({"name": name, "number": None, "assign": decision.get("post"), "when": None, "matched": []})
            continue
        out["rules_fired"].append({"name": rule.name, "number": rule.index + 1, "assign": rule.assign,
                                   "when": condition_text(rule.condition), "matched": _matched(rule.condition, flat)})
        for earlier in dept.routing[:rule.index]:
            failed = [m for m in _matched(earlier.condition, flat) if not m["holds"]]
            out["rules_not_matched"].append({"name": earlier.name, "number": earlier.index + 1, "assign": earlier.assign,
                                             "when": condition_text(earlier.condition), "failed": failed})
    return out
