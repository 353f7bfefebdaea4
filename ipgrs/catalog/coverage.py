"""Officer coverage: for each post of a department and each district, whether an officer holds it there.

A post nobody holds for a place is a vacancy: grievances routed to it pass up the escalation chain
(officers.services.assign). The matrix shows where that will happen before it does. A state-level post
is held once for all districts, a district-level post once per district, a taluk-level post once per
taluk (a district cell then counts its taluks). Only active postings of active officers count.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

import rules

from ..officers.models import Officer, Posting
from . import models as m


@dataclass(frozen=True)
class Cell:
    post: str
    district: str
    covered: int          # places of this district where the post is held (1 place for state/district posts)
    total: int            # places of this district the post must be held for
    missing: tuple = ()   # taluks without an officer (taluk-level posts)

    @property
    def complete(self) -> bool:
        return self.covered >= self.total

    def to_dict(self) -> dict:
        return {"post": self.post, "district": self.district, "covered": self.covered, "total": self.total,
                "missing": list(self.missing)}


@dataclass
class CoverageMatrix:
    department: str
    posts: list = field(default_factory=list)       # [(code, level)] in the order the department declares them
    districts: list = field(default_factory=list)   # district names
    cells: dict = field(default_factory=dict)       # (post code, district name) -> Cell

    def cell(self, post: str, district: str) -> Cell:
        return self.cells[(post, district)]

    def gaps(self) -> list[Cell]:
        return [c for c in self.cells.values() if not c.complete]

    def to_dict(self) -> dict:
        return {"department": self.department, "posts": [{"code": c, "level": lvl} for c, lvl in self.posts],
                "districts": list(self.districts),
                "rows": [{"post": code, "level": level, "cells": [self.cells[(code, d)].to_dict() for d in self.districts]}
                         for code, level in self.posts]}

    def lines(self) -> list[str]:
        """One sentence per post that is not held everywhere."""
        out = []
        for code, level in self.posts:
            cells = [self.cells[(code, d)] for d in self.districts]
            empty = [c.district for c in cells if c.covered == 0]
            partial = [c for c in cells if 0 < c.covered < c.total]
            if not empty and not partial:
                continue
            if level == "state":
                out.append(f"{self.department} {code} (state): no officer holds it")
                continue
            parts = []
            if empty:
                shown = ", ".join(empty[:6]) + (f" and {len(empty) - 6} more" if len(empty) > 6 else "")
                parts.append(f"no officer in {len(empty)} of {len(cells)} districts ({shown})")
            for c in partial[:6]:
                parts.append(f"{c.district}: {c.covered} of {c.total} taluks (none in {', '.join(c.missing[:4])}"
                             + (" …" if len(c.missing) > 4 else "") + ")")
            if len(partial) > 6:
                parts.append(f"and {len(partial) - 6} more districts partly held")
            out.append(f"{self.department} {code} ({level}): " + "; ".join(parts))
        return out


def coverage(session: Session, catalogue: rules.Catalogue, department_code: str) -> CoverageMatrix:
    """The post × district matrix of `department_code` as declared in `catalogue` (a draft or the published one)."""
    dept = catalogue.departments[department_code]
    districts = catalogue.jurisdictions.districts
    matrix = CoverageMatrix(department_code, [(p.code, p.level) for p in dept.posts.values()], [d.name.en for d in districts])
    held = session.execute(
        select(m.Post.code, m.District.name_en, m.Taluk.name_en)
        .select_from(Posting).join(Officer, Posting.officer_id == Officer.id)
        .join(m.Post, Posting.post_id == m.Post.id).join(m.Department, m.Post.department_id == m.Department.id)
        .outerjoin(m.Taluk, Posting.taluk_id == m.Taluk.id)
        .outerjoin(m.District, Posting.district_id == m.District.id)
        .where(m.Department.code == department_code, Posting.active, Officer.active)).all()
    state_held = {post for post, _, _ in held}
    district_held = {(post, district) for post, district, _ in held if district}
    taluk_held = {(post, district, taluk) for post, district, taluk in held if district and taluk}
    for code, level in matrix.posts:
        for d in districts:
            name = d.name.en
            if level == "state":
                cell = Cell(code, name, int(code in state_held), 1)
            elif level == "district":
                cell = Cell(code, name, int((code, name) in district_held), 1)
            else:
                missing = tuple(t.en for t in d.taluks if (code, name, t.en) not in taluk_held)
                cell = Cell(code, name, len(d.taluks) - len(missing), len(d.taluks), missing)
            matrix.cells[(code, name)] = cell
    return matrix
