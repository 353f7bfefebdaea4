"""A routing decision, and how a matched rule becomes one (shared by the durable-rules and the plain evaluator)."""
from __future__ import annotations

from dataclasses import asdict, dataclass

from .catalogue import Department, GrievanceType, Rule


@dataclass(frozen=True)
class Decision:
    version: str
    department: str
    grievance: str
    post: str                 # the post that receives the grievance (L1 of its chain)
    escalation: tuple         # posts from L1 upwards
    timeline_days: tuple      # working days per level, aligned with `escalation`
    priority: str
    rules_fired: tuple        # names of the routing rules that decided
    explanation: tuple        # one line per part of the decision: which rule or declaration set it
    start_level: int = 1      # the level the grievance starts at (a rule may start it above L1)

    def as_dict(self) -> dict:
        d = asdict(self)
        for k in ("escalation", "timeline_days", "rules_fired", "explanation"):
            d[k] = list(d[k])
        return d


_cache: dict = {}


def decision_for(version: str, dept: Department, gt: GrievanceType, rule: Rule) -> Decision:
    """Decisions are immutable and depend only on these four, so each is built once per version."""
    key = (version, dept.content_hash, gt.code, rule.index)
    decision = _cache.get(key)
    if decision is None:
        if len(_cache) > 100_000:
            _cache.clear()  # a new version's decisions replace the old ones'
        decision = _cache[key] = _build(version, dept, gt, rule)
    return decision


def _build(version: str, dept: Department, gt: GrievanceType, rule: Rule) -> Decision:
    service = dept.service(gt.service)
    if rule.escalation:
        matrix, chain_source = rule.escalation, f"rule '{rule.name}'"
    elif service.escalation:
        matrix, chain_source = service.escalation, f"service {service.code}"
    else:
        matrix, chain_source = dept.escalation, f"department {dept.code} default"
    if rule.assign in matrix:
        chain = matrix[matrix.index(rule.assign):]
    else:
        chain = (rule.assign,) + tuple(p for p in matrix[1:] if p != rule.assign)
    timeline, timeline_source = dept.timeline, f"department {dept.code} default"
    for candidate, label in ((service.timeline, f"service {service.code}"), (gt.timeline, f"grievance type {gt.code}"),
                             (rule.timeline, f"rule '{rule.name}'")):
        if candidate is not None:
            timeline, timeline_source = candidate.over(timeline), label
    days = timeline.for_levels(len(chain))
    priority = rule.priority or "normal"
    start_level = min(rule.start_level, len(chain))
    return Decision(
        version=version, department=dept.code, grievance=gt.code, post=rule.assign, escalation=tuple(chain),
        timeline_days=days, priority=priority, rules_fired=(rule.name,),
        explanation=(
            f"routed to {rule.assign} by rule {rule.index + 1} '{rule.name}'",
            f"escalation {' → '.join(chain)} from {chain_source}",
            f"timeline {days[0]} working days at L1 from {timeline_source}",
            f"priority {priority}" + (f" from rule '{rule.name}'" if rule.priority else ""),
        ) + ((f"starts at L{start_level} ({chain[start_level - 1]}) by rule '{rule.name}'",) if start_level > 1 else ()),
        start_level=start_level,
    )
