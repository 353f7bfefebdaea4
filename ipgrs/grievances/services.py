"""Filing a grievance: validate, decide, assign, time, record and notify — all in one transaction."""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

import rules

from .. import clock, forms
from ..i18n import tr
from ..catalog.models import Department
from ..catalog.models import GrievanceType as GrievanceTypeRow
from ..citizens.models import Citizen
from ..citizens.schemas import LocationSchema
from ..citizens.services import flatten_errors
from ..notifications import services as notifications
from ..officers import services as officers
from ..plugins import emit
from . import attachments
from .calendar import WorkingCalendar
from .models import CHANNELS, Grievance, GrievanceAttachment, GrievanceEvent

log = logging.getLogger(__name__)

DESCRIPTION_MIN, DESCRIPTION_MAX = 10, 4000
_IST = ZoneInfo("Asia/Kolkata")


class FilingInvalid(Exception):
    """Bad input: {field: [sentences]}. Nothing was stored."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


@dataclass
class FilingRequest:
    grievance_type: str
    description: str
    category: str | None = None
    subcategory: str | None = None
    form: dict = field(default_factory=dict)
    location: dict = field(default_factory=lambda: {"where": "current"})
    uploads: list = field(default_factory=list)   # [(form field name or None, werkzeug FileStorage)]
    channel: str = "WEB"
    operator_user_id: int | None = None
    operator_label: str | None = None
    verified_in_person: bool = False
    # Its number in the system it came from (a CPGRAMS registration number), for a plugin that brought it in:
    # given to "grievance.filed" subscribers; such a grievance did not see our form, so its fields are optional.
    reference: str | None = None
    client_key: str | None = None  # the app's Idempotency-Key (file_once)


def _runtime():
    return current_app.extensions["ipgrs.rules"]


def calendar() -> WorkingCalendar:
    return WorkingCalendar.from_config(current_app.config["IPGRS_CONFIG_DIR"])


def _jsonable(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def _validate(session: Session, citizen: Citizen, request: FilingRequest, catalogue: rules.Catalogue):
    errors: dict[str, list[str]] = {}
    gt = catalogue.grievance_types.get(request.grievance_type)
    if gt is None:
        raise FilingInvalid({"grievance_type": [tr("Grievance type: '{code}' is not a grievance type we know.", code=str(request.grievance_type)[:60])]})
    category = (request.category or "").strip() or None
    subcategory = (request.subcategory or "").strip() or None
    if gt.categories:
        chosen = next((c for c in gt.categories if c.code == category), None)
        if category and chosen is None:
            errors["category"] = [tr("Category: '{code}' is not a category of this grievance.", code=category[:60])]
        if subcategory and (chosen is None or subcategory not in {s.code for s in chosen.subcategories}):
            errors["subcategory"] = [tr("Subcategory: '{code}' is not a subcategory of the chosen category.", code=subcategory[:60])]
    elif category or subcategory:
        errors["category"] = [tr("Category: this grievance has no categories.")]
    description = (request.description or "").strip()
    if not (DESCRIPTION_MIN <= len(description) <= DESCRIPTION_MAX):
        errors["description"] = [tr("Description: describe the grievance in {min} to {max} characters.", min=DESCRIPTION_MIN, max=DESCRIPTION_MAX)]
    if request.channel not in CHANNELS:
        errors["channel"] = [f"Channel: '{str(request.channel)[:40]}' is not a channel."]

    form_data = dict(request.form)
    file_fields = {name for name, _ in request.uploads if name}
    declared_files = {f.name for f in gt.form if f.type == "file"}
    allowed = declared_files | ({"scan"} if request.verified_in_person else set())  # the desk's scanned paper
    for name in file_fields - allowed:
        errors.setdefault("attachments", []).append(tr("Attachments: '{name}' is not a document this form asks for.", name=name[:40]))
    form_data["_files"] = sorted(file_fields & declared_files)
    clean_form, form_errors = forms.validate(gt, form_data)
    if request.reference:  # only the values another system gave are checked; missing ones are not an error
        form_errors = {n: m for n, m in form_errors.items() if form_data.get(n) not in (None, "", [], ())}
    for name, messages in form_errors.items():
        errors[f"form.{name}"] = list(messages)

    try:
        location = LocationSchema(context_jurisdictions=catalogue.jurisdictions).load(request.location or {})
    except Exception as exc:  # marshmallow.ValidationError
        location = None
        for name, messages in flatten_errors(getattr(exc, "messages", {"_schema": [str(exc)]})).items():
            errors[f"location.{name}"] = messages
    if location is not None and location["where"] == "current":
        if not citizen.profile_complete:
            errors["location.where"] = [tr("Location: your profile has no address yet; fill in your profile or give the place of the grievance.")]
        else:
            location.update(district=citizen.district, taluk=citizen.taluk, locality=citizen.locality, pincode=citizen.pincode)

    checked = []
    try:
        checked = attachments.check_uploads([upload for _, upload in request.uploads])
    except attachments.AttachmentRejected as exc:
        errors.setdefault("attachments", []).append(str(exc))
    if errors:
        raise FilingInvalid(errors)
    return gt, category, subcategory, description, clean_form, location, checked


def file_grievance(session: Session, citizen: Citizen, request: FilingRequest) -> Grievance:
    """Files a grievance for `citizen`. Raises FilingInvalid (nothing stored) on bad input."""
    runtime = _runtime()
    runtime.refresh(session)
    catalogue = runtime.catalogue
    gt, category, subcategory, description, clean_form, location, checked = _validate(session, citizen, request, catalogue)
    now = clock.now()
    facts = {
        "grievance": gt.code, "category": category, "subcategory": subcategory, "channel": request.channel,
        "location": {"district": location.get("district"), "taluk": location.get("taluk"),
                     "village": location.get("locality"), "pincode": location.get("pincode"),
                     "landmark": location.get("landmark")},
        "citizen": {"age": citizen.age_on(now.date()), "gender": citizen.gender},
        "form": _jsonable(clean_form),
    }
    try:
        decision = runtime.decide(facts)
    except rules.NoRuleMatched:
        log.error("no routing rule matched grievance type %s", gt.code)
        raise FilingInvalid({"grievance_type": [tr("Grievance type: this grievance cannot be routed right now; "
                                                   "please call the 1902 helpline. The department has been told.")]}) from None

    stored = []
    try:
        for item in checked:
            stored.append(attachments.store(item))
        grievance = _record(session, citizen, request, gt, category, subcategory, description, clean_form, location,
                            decision, facts, stored, now)
        session.commit()
    except BaseException:
        session.rollback()
        for item in stored:
            attachments.remove(item.stored_name)
        raise
    return grievance


def file_once(session: Session, citizen: Citizen, request: FilingRequest) -> tuple[Grievance, bool]:
    """Files unless this citizen already filed with the request's client key: (grievance, whether it is new).

    A phone that lost the answer sends the same filing again with the same key; it gets the grievance it filed,
    and the citizen gets one grievance and one SMS, even when the two requests race (the unique index decides)."""
    if not request.client_key:
        return file_grievance(session, citizen, request), True
    earlier = _filed_with_key(session, citizen.id, request.client_key)
    if earlier is not None:
        return earlier, False
    try:
        return file_grievance(session, citizen, request), True
    except IntegrityError:
        earlier = _filed_with_key(session, citizen.id, request.client_key)
        if earlier is None:
            raise
        return earlier, False


def _filed_with_key(session: Session, citizen_id: int, key: str) -> Grievance | None:
    return session.scalar(select(Grievance).where(Grievance.citizen_id == citizen_id, Grievance.client_key == key))


def _record(session, citizen, request, gt, category, subcategory, description, clean_form, location, decision, facts, stored, now):
    runtime = _runtime()
    gt_row = session.scalar(select(GrievanceTypeRow).where(GrievanceTypeRow.code == gt.code))
    department = session.scalar(select(Department).where(Department.code == gt.department))
    place = officers.resolve_place(session, location.get("district"), location.get("taluk"))
    assignment = officers.assign(session, gt.department, decision.escalation, place, start_level=decision.start_level)
    days = decision.timeline_days[assignment.level - 1]
    due_at = calendar().add_working_days(now, days)
    grievance = Grievance(
        citizen_id=citizen.id, grievance_type_id=gt_row.id, department_id=department.id,
        category=category, subcategory=subcategory, description=description, form_data=_jsonable(clean_form),
        district_id=place.district.id if place.district else None, taluk_id=place.taluk.id if place.taluk else None,
        locality=location.get("locality"), landmark=location.get("landmark"), pincode=location.get("pincode"),
        latitude=location.get("latitude"), longitude=location.get("longitude"),
        channel=request.channel, operator_user_id=request.operator_user_id, verified_in_person=request.verified_in_person,
        status="open", priority=decision.priority, ruleset_version_id=runtime.version_id_for(decision),
        decision={**decision.as_dict(), "facts": facts}, level=assignment.level,
        assigned_post_id=assignment.post.id, assigned_officer_id=assignment.officer.id if assignment.officer else None,
        vacancy_note=("Vacant, skipped: " + "; ".join(assignment.vacancies))[:500] if assignment.vacancies else None,
        due_at=due_at, created_at=now, updated_at=now, client_key=request.client_key,
    )
    session.add(grievance)
    session.flush()
    grievance.number = f"KA-{now.year}-{grievance.id:08d}"
    by_operator = request.operator_user_id is not None
    filed = GrievanceEvent(
        grievance_id=grievance.id, at=now, actor_kind="operator" if by_operator else "citizen",
        actor_id=request.operator_user_id if by_operator else citizen.id,
        actor_label=request.operator_label or ("Operator" if by_operator else "Citizen"),
        kind="filed", to_status="open", note=None,
        data={"channel": request.channel, "verified_in_person": request.verified_in_person})
    session.add(filed)
    session.flush()
    for item, (field_name, _) in zip(stored, request.uploads):
        session.add(GrievanceAttachment(grievance_id=grievance.id, event_id=filed.id, field=field_name,
                                        stored_name=item.stored_name, original_name=item.original_name,
                                        content_type=item.content_type, size=item.size, sha256=item.sha256, uploaded_at=now))
    post_label = f"{assignment.post.name_en}"
    session.add(GrievanceEvent(
        grievance_id=grievance.id, at=now, actor_kind="system", actor_label="ipgrs routing",
        kind="assigned", from_status="open", to_status="open",
        note=f"Assigned to {post_label} (level {assignment.level}) by rule '{decision.rules_fired[0]}'.",
        data={"post": assignment.post.code, "level": assignment.level, "vacancies": list(assignment.vacancies),
              "rules_fired": list(decision.rules_fired), "ruleset_version_id": grievance.ruleset_version_id}))
    due_text = due_at.astimezone(_IST).strftime("%d-%m-%Y")
    notifications.queue(session, channel="sms", recipient=citizen.mobile, template="grievance_filed",
                        language=citizen.language, key=f"grievance:{grievance.number}:filed:sms",
                        context={"number": grievance.number, "department": department.name_kn if citizen.language == "kn" else department.name_en,
                                 "due_date": due_text})
    officer = assignment.officer
    if officer is not None:
        context = {"number": grievance.number, "grievance_type": gt.name.en, "due_date": due_text}
        if officer.mobile:
            notifications.queue(session, channel="sms", recipient=officer.mobile, template="officer_assigned", language="en",
                                key=f"grievance:{grievance.number}:assigned:{officer.id}:sms", context=context)
        if officer.email:
            notifications.queue(session, channel="email", recipient=officer.email, template="officer_assigned", language="en",
                                key=f"grievance:{grievance.number}:assigned:{officer.id}:email", context=context)
    notifications.dispatch_after_commit(session)
    emit(session, "grievance.filed", grievance.id, channel=request.channel, reference=request.reference)
    return grievance

