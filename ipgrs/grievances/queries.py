"""Read models of grievances for pages and the API: what a citizen may see, and who may read a document."""
from __future__ import annotations

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session, joinedload, selectinload

from ..catalog.models import GrievanceType
from .models import Grievance, GrievanceAttachment

# What grievance_view reads, loaded with the grievance instead of one lazy query per relationship.
VIEW_LOADS = (joinedload(Grievance.assigned_post), joinedload(Grievance.district), joinedload(Grievance.taluk),
              joinedload(Grievance.department), joinedload(Grievance.grievance_type).joinedload(GrievanceType.service),
              selectinload(Grievance.attachments))


def loaded_for_view(session: Session, grievance: Grievance) -> Grievance:
    """`grievance` (expired by the commit that stored it) reloaded with VIEW_LOADS: two queries for the filing's
    answer instead of eight."""
    identity = inspect(grievance).identity[0]
    return session.scalars(select(Grievance).options(*VIEW_LOADS).where(Grievance.id == identity)).one()


def grievance_view(g: Grievance, with_events: bool = False) -> dict:
    """A citizen's view: designation and office of the officer, never the officer's name or phone."""
    post = g.assigned_post
    place = g.taluk if post.level == "taluk" and g.taluk else g.district if post.level in ("taluk", "district") and g.district else None
    office = {"en": place.name_en, "kn": place.name_kn} if place else {"en": "Karnataka", "kn": "ಕರ್ನಾಟಕ"}
    gt = g.grievance_type
    view = {
        "number": g.number, "status": g.status, "priority": g.priority, "channel": g.channel,
        "grievance_type": {"code": gt.code, "name": {"en": gt.name_en, "kn": gt.name_kn}},
        "service": {"code": gt.service.code, "name": {"en": gt.service.name_en, "kn": gt.service.name_kn}},
        "department": {"code": g.department.code, "name": {"en": g.department.name_en, "kn": g.department.name_kn}},
        "category": g.category, "subcategory": g.subcategory,
        "description": g.description, "form": g.form_data,
        "location": {"district": g.district.name_en if g.district else None, "taluk": g.taluk.name_en if g.taluk else None,
                     "locality": g.locality, "landmark": g.landmark, "pincode": g.pincode},
        "level": g.level,
        "with": {"designation": {"en": post.name_en, "kn": post.name_kn}, "office": office},
        "due_at": g.due_at.isoformat(), "filed_at": g.created_at.isoformat(),
        "attachments": [{"id": a.id, "name": a.original_name, "content_type": a.content_type, "size": a.size} for a in g.attachments],
    }
    if with_events:
        view["events"] = [{"at": e.at.isoformat(), "kind": e.kind, "by": e.actor_label, "status": e.to_status, "note": e.note}
                          for e in g.events if e.visible_to_citizen]
    return view


def of_citizen(session: Session, citizen_id: int, limit: int = 100) -> list[Grievance]:
    """A citizen's grievances, newest first, for the administrator's profile page."""
    return list(session.scalars(select(Grievance).options(joinedload(Grievance.grievance_type), joinedload(Grievance.department))
                                .where(Grievance.citizen_id == citizen_id)
                                .order_by(Grievance.created_at.desc(), Grievance.id.desc()).limit(limit)))


def can_read_attachment(item: GrievanceAttachment, citizen) -> bool:
    """The citizen who filed it, the officer it is assigned to, and administrators."""
    g = item.grievance
    if citizen is not None and g.citizen_id == citizen.id:
        return True
    if not has_request_context() or not getattr(current_user, "is_authenticated", False):
        return False
    if any(role.name == "Admin" for role in current_user.roles):
        return True
    from ..extensions import db
    from ..officers import handling, inbox

    try:
        officer = handling.officer_for_user(db.session, current_user.id)
    except handling.NotAnOfficer:  # an operator or another staff login that is not an officer
        return False
    return inbox.scope_of(db.session, officer, g) is not None
