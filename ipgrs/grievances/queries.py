"""Read models of grievances for pages and the API: what a citizen may see, and who may read a document."""
from __future__ import annotations

from flask import has_request_context
from flask_login import current_user

from .models import Grievance, GrievanceAttachment


def grievance_view(g: Grievance, with_events: bool = False) -> dict:
    """A citizen's view: designation and office of the officer, never the officer's name or phone."""
    post = g.assigned_post
    office = g.taluk.name_en if post.level == "taluk" and g.taluk else g.district.name_en if post.level == "district" and g.district else "Karnataka"
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


def can_read_attachment(item: GrievanceAttachment, citizen) -> bool:
    """The citizen who filed it, the officer it is assigned to, and administrators."""
    g = item.grievance
    if citizen is not None and g.citizen_id == citizen.id:
        return True
    if not has_request_context() or not getattr(current_user, "is_authenticated", False):
        return False
    if any(role.name == "Admin" for role in current_user.roles):
        return True
    officer = g.assigned_officer
    return officer is not None and officer.user_id == current_user.id
