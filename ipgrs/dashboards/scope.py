"""Who sees which grievances on the dashboards, from the login's roles and postings.

- Admin and State Monitor (Chief Secretary, CMO): the whole state.
- Nodal Officer: the departments the administrator assigned them (Security › Nodal officers, the same assignment
  that lets them edit those departments' rules), and those of the posts they hold. A nodal login need not be an
  officer.
- Officer: the grievances whose current post is one they hold, within that posting's jurisdiction — the inbox's
  "mine" (ipgrs/officers/inbox.py). Supervision of lower levels is the inbox's business, not the dashboards'.
- Anyone else (operators, citizens, the public) is refused.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import and_, false, or_, select, true
from sqlalchemy.orm import Session

from ..catalog.models import Post
from ..officers.models import Officer, Posting

STATE, DEPARTMENT, POSTS = "state", "department", "posts"
STATE_ROLES = ("Admin", "State Monitor")
NODAL_ROLE, OFFICER_ROLE = "Nodal Officer", "Officer"


class NotAllowed(Exception):
    """This login may not see dashboards (HTTP 403). `key` names its sentence in dashboards.i18n.TEXT."""

    def __init__(self, key: str):
        from .i18n import t
        super().__init__(t(key))
        self.key = key


@dataclass(frozen=True)
class Scope:
    kind: str                                        # state | department | posts
    department_ids: frozenset = frozenset()          # kind department
    postings: tuple = ()                             # kind posts: (post_id, level, district_id, taluk_id)
    label: str = "Karnataka"
    officer_id: int | None = None
    extra: dict = field(default_factory=dict)

    @property
    def sees_mobiles(self) -> bool:
        """Exports carry citizens' mobile numbers only for officers, whose scope is the grievances at the posts they
        hold: they call the citizens (citizens.privacy, docs/security.md "Personal data")."""
        return self.kind == POSTS

    def condition(self, source):
        """A SQL condition on a source with department_id, post_id, district_id and taluk_id columns."""
        c = source.c
        if self.kind == STATE:
            return true()
        if self.kind == DEPARTMENT:
            return c.department_id.in_(sorted(self.department_ids)) if self.department_ids else false()
        parts = []
        for post_id, level, district_id, taluk_id in self.postings:
            if level == "taluk":
                parts.append(and_(c.post_id == post_id, c.taluk_id == taluk_id))
            elif level == "district":
                parts.append(and_(c.post_id == post_id, c.district_id == district_id))
            else:
                parts.append(c.post_id == post_id)
        return or_(*parts) if parts else false()


def state() -> Scope:
    return Scope(STATE)


def _postings(session: Session, officer_id: int):
    return session.execute(
        select(Posting.post_id, Post.level, Posting.district_id, Posting.taluk_id, Post.department_id)
        .join(Post, Post.id == Posting.post_id).where(Posting.officer_id == officer_id, Posting.active)).all()


def nodal_department_ids(session: Session, user_id: int | None, officer_id: int | None = None) -> frozenset:
    """The departments a nodal officer answers for: assigned to the login, or of a post the officer holds."""
    from ..configuration.models import NodalAssignment

    ids = set(session.scalars(select(NodalAssignment.department_id).where(NodalAssignment.user_id == user_id))) if user_id else set()
    if officer_id is not None:
        ids.update(r.department_id for r in _postings(session, officer_id))
    return frozenset(ids)


def for_officer(session: Session, officer: Officer, nodal: bool = False) -> Scope:
    rows = _postings(session, officer.id) if officer.active else []
    if nodal:
        departments = nodal_department_ids(session, officer.user_id, officer.id if officer.active else None)
        return Scope(DEPARTMENT, department_ids=departments, officer_id=officer.id, label=officer.name)
    return Scope(POSTS, postings=tuple((r.post_id, r.level, r.district_id, r.taluk_id) for r in rows),
                 officer_id=officer.id, label=officer.name)


def for_user(session: Session, user) -> Scope:
    """The widest scope the login's roles give. Raises NotAllowed."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise NotAllowed("login_needed")
    roles = {r.name for r in getattr(user, "roles", [])}
    if roles & set(STATE_ROLES):
        return state()
    if roles & {NODAL_ROLE, OFFICER_ROLE}:
        officer = session.scalar(select(Officer).where(Officer.user_id == user.id))
        if officer is not None:
            return for_officer(session, officer, nodal=NODAL_ROLE in roles)
        if NODAL_ROLE in roles:  # a nodal login that is not an officer: its assigned departments
            departments = nodal_department_ids(session, user.id)
            if departments:
                name = " ".join(p for p in (getattr(user, "first_name", ""), getattr(user, "last_name", "")) if p)
                return Scope(DEPARTMENT, department_ids=departments, label=name or user.username)
        raise NotAllowed("not_linked")
    raise NotAllowed("roles_only")
