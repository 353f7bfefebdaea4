"""Finding who holds a post for a place, walking up the escalation chain past vacancies."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..catalog.models import Department, District, Post, Taluk
from .models import Officer, Posting


@dataclass(frozen=True)
class Place:
    district: District | None
    taluk: Taluk | None


@dataclass(frozen=True)
class Assignment:
    post: Post
    officer: Officer | None
    level: int                  # 1-based position in the escalation chain
    vacancies: tuple            # ("TAHSILDAR (Anekal, Bengaluru Urban)", ...) skipped because nobody holds them


def resolve_place(session: Session, district_name: str | None, taluk_name: str | None) -> Place:
    district = session.scalar(select(District).where(District.name_en == district_name)) if district_name else None
    taluk = None
    if district is not None and taluk_name:
        taluk = session.scalar(select(Taluk).where(Taluk.district_id == district.id, Taluk.name_en == taluk_name))
    return Place(district, taluk)


def holder(session: Session, post: Post, place: Place) -> Officer | None:
    """The officer holding `post` for `place` (a substantive posting before an additional charge)."""
    query = select(Officer).join(Posting).where(Posting.post_id == post.id, Posting.active, Officer.active)
    if post.level == "taluk":
        if place.taluk is None:
            return None
        query = query.where(Posting.taluk_id == place.taluk.id)
    elif post.level == "district":
        if place.district is None:
            return None
        query = query.where(Posting.district_id == place.district.id)
    return session.scalars(query.order_by(Posting.additional_charge, Posting.id).limit(1)).first()


def assign(session: Session, department_code: str, chain: tuple[str, ...], place: Place, start_level: int = 1) -> Assignment:
    """The first post from `start_level` up the chain that somebody holds for the place. When every post
    is vacant, the grievance stays with the last post of the chain, unassigned, and is visible as such."""
    posts = {p.code: p for p in session.scalars(select(Post).join(Department).where(Department.code == department_code))}
    vacancies = []
    for level in range(start_level, len(chain) + 1):
        post = posts[chain[level - 1]]
        officer = holder(session, post, place)
        if officer is not None:
            return Assignment(post, officer, level, tuple(vacancies))
        vacancies.append(f"{post.code} ({_where(post, place)})")
    last = posts[chain[-1]]
    return Assignment(last, None, len(chain), tuple(vacancies))


def _where(post: Post, place: Place) -> str:
    if post.level == "taluk" and place.taluk is not None:
        return f"{place.taluk.name_en}, {place.district.name_en}"
    if post.level in ("taluk", "district") and place.district is not None:
        return place.district.name_en
    return "Karnataka"
