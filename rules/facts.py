"""Grievance facts as the rules see them: nested mappings flattened to dotted names, taxonomy filled in."""
from __future__ import annotations

import math
from typing import Mapping


class UnknownGrievanceType(LookupError):
    pass


class NoRuleMatched(LookupError):
    pass


def flatten(facts: Mapping, prefix: str = "", out: dict | None = None) -> dict:
    out = {} if out is None else out
    for key, value in facts.items():
        name = prefix + key if prefix else key
        kind = type(value)
        if kind is str or kind is int:  # the common case, without the generic checks below
            if value != "":
                out[name] = value
        elif kind is dict or isinstance(value, Mapping):
            flatten(value, name + ".", out)
        elif value is None or value == "":
            continue  # an empty answer is a missing fact
        elif isinstance(value, float) and not math.isfinite(value):
            continue  # not a number anyone wrote; both evaluators treat it as missing
        elif isinstance(value, (list, tuple)):
            continue  # multiselect answers are not testable yet; leaving them out keeps both evaluators equal
        else:
            out[name] = value
    return out


def grievance_facts(catalogue, facts: Mapping):
    """Returns (grievance type, flat facts) with department, line department and service set from the catalogue."""
    flat = flatten(facts)
    code = flat.get("grievance")
    gt = catalogue.grievance_types.get(code)
    if gt is None:
        raise UnknownGrievanceType(f"unknown grievance type {code!r}")
    flat["department"], flat["line_department"], flat["service"] = gt.department, gt.line_department, gt.service
    return gt, flat
