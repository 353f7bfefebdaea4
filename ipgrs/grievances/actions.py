"""What officers, citizens and the system do to a grievance: one function per action, one transaction and one
audit event each. Views, the API, the CLI and Celery tasks all call these."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

import rules

from .. import clock
from ..catalog.models import Department
from ..catalog.models import GrievanceType as GrievanceTypeRow
from ..citizens.models import Citizen
from ..i18n import tr
from ..notifications import services as notifications
from ..officers import services as officers
from ..officers.models import Officer, Posting
from ..plugins import emit
from . import attachments, workflow
from .calendar import WorkingCalendar
from .models import Grievance, GrievanceAttachment, GrievanceEvent
from .workflow import TransitionRefused

_IST = ZoneInfo("Asia/Kolkata")
NOTE_MAX = 4000


class Conflict(TransitionRefused):
    """Someone else changed the grievance first (HTTP 409)."""


class NotAllowed(Exception):
    """This person may not act on this grievance (HTTP 404 for officers of other posts: nothing to see)."""


class ActionInvalid(Exception):
    """Bad input for an action: {field: [sentences]} (HTTP 400)."""

    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Actor:
    kind: str                       # officer | citizen | system
    label: str                      # designation and office, "Citizen", "ipgrs"
    officer: Officer | None = None
    citizen: Citizen | None = None
    user_id: int | None = None

    @property
    def id(self) -> int | None:
        return self.officer.id if self.officer else self.citizen.id if self.citizen else None


SYSTEM = Actor("system", "ipgrs")


def _calendar() -> WorkingCalendar:
    return WorkingCalendar.from_config(current_app.config["IPGRS_CONFIG_DIR"])


def _setting(name, default):
    return current_app.config.get(name, default)


def holds_post_for(session: Session, officer: Officer, g: Grievance) -> bool:
    """True when the officer holds the grievance's current post for its jurisdiction (substantive or additional charge)."""
    post = g.assigned_post
    if not officer.active:
        return False
    query = select(Posting.id).where(Posting.officer_id == officer.id, Posting.post_id == post.id, Posting.active)
    if post.level == "taluk":
        query = query.where(Posting.taluk_id == g.taluk_id)
    elif post.level == "district":
        query = query.where(Posting.district_id == g.district_id)
    return session.scalar(query.limit(1)) is not None


def _begin(session: Session, g: Grievance, action: str, actor: Actor, expected_version: int | None):
    transition = workflow.TRANSITIONS.get(action)
    if transition is None:
        raise TransitionRefused(tr("'{action}' is not an action on a grievance.", action=action))
    # Who may act is checked before what the state allows, so a stranger learns nothing of the grievance.
    if transition.actor == workflow.OFFICER:
        if actor.officer is None or not holds_post_for(session, actor.officer, g):
            raise NotAllowed(tr("Only the officer holding the grievance's post can do that."))
    elif transition.actor == workflow.CITIZEN:
        if actor.citizen is None or actor.citizen.id != g.citizen_id:
            raise NotAllowed(tr("Only the citizen who filed the grievance can do that."))
    workflow.check(action, g.status)
    try:
        stale = expected_version is not None and int(expected_version) != g.row_version
    except (TypeError, ValueError):
        raise ActionInvalid({"expected_version": [tr("Expected version: a whole number, as given with the grievance.")]}) from None
    if stale:
        raise Conflict(tr("This grievance was changed by someone else after you opened it. Reload it to see what changed."))
    return transition


def _event(session, g, actor: Actor, kind: str, from_status: str, note: str | None = None, visible: bool = True, data=None):
    event = GrievanceEvent(grievance_id=g.id, at=clock.now(), actor_kind=actor.kind, actor_id=actor.id,
                           actor_label=actor.label, kind=kind, from_status=from_status, to_status=g.status,
                           note=note, visible_to_citizen=visible, data=data or {})
    session.add(event)
    session.info.setdefault(_EMIT, []).append(event)
    return event


_EMIT = "ipgrs.grievances.events_to_emit"


def _emit_events(session):
    """Plugins hear of each action's events in its transaction, just before the commit (docs/plugins.md)."""
    events = session.info.pop(_EMIT, [])
    if not events:
        return
    session.flush()
    for event in events:
        data = {"kind": event.kind, "from_status": event.from_status, "to_status": event.to_status,
                "event_id": event.id, "visible_to_citizen": event.visible_to_citizen}
        emit(session, "grievance.status_changed", event.grievance_id, **data)
        if event.to_status == workflow.CLOSED and event.from_status != workflow.CLOSED:
            emit(session, "grievance.closed", event.grievance_id, **data)


def _notify_citizen(session, g: Grievance, event_kind: str):
    from ..portal.i18n import STATUS

    citizen = g.citizen
    en, kn = STATUS.get(g.status, (g.status, g.status))
    notifications.queue(session, channel="sms", recipient=citizen.mobile, template="grievance_status",
                        language=citizen.language, key=f"grievance:{g.number}:{event_kind}:{g.row_version}:sms",
                        context={"number": g.number, "status": kn if citizen.language == "kn" else en})


def _notify_resolution(session, g: Grievance, event_kind: str):
    """The status SMS, with a signed link to rate the redressal or appeal without logging in."""
    from .feedback_links import link_for

    citizen = g.citizen
    notifications.queue(session, channel="sms", recipient=citizen.mobile, template="grievance_resolved",
                        language=citizen.language, key=f"grievance:{g.number}:{event_kind}:{g.row_version}:sms",
                        context={"number": g.number, "link": link_for(g)})


def _notify_officer(session, g: Grievance, reason: str):
    officer = g.assigned_officer
    if officer is None:
        return
    context = {"number": g.number, "grievance_type": g.grievance_type.name_en,
               "due_date": g.due_at.astimezone(_IST).strftime("%d-%m-%Y")}
    for channel, recipient in (("sms", officer.mobile), ("email", officer.email)):
        if recipient:
            notifications.queue(session, channel=channel, recipient=recipient, template="officer_assigned", language="en",
                                key=f"grievance:{g.number}:{reason}:{g.row_version}:{officer.id}:{channel}", context=context)


def _commit(session: Session):
    _emit_events(session)
    notifications.dispatch_after_commit(session)
    session.commit()


def _text(value, field: str, label: str, required: bool = True, limit: int = NOTE_MAX) -> str | None:
    if value is not None and not isinstance(value, (str, int, float)):
        raise ActionInvalid({field: [tr("{label}: expected text.", label=label)]})
    text = str(value if value is not None else "").strip()
    if required and not text:
        raise ActionInvalid({field: [tr("{label}: this field is required.", label=label)]})
    if len(text) > limit:
        raise ActionInvalid({field: [tr("{label}: at most {limit} characters.", label=label, limit=limit)]})
    return text or None


def _store_uploads(uploads, g, event, session):
    if not uploads:
        return []
    existing = len(g.attachments)
    try:
        checked = attachments.check_uploads(list(uploads))
        if existing + len(checked) > current_app.config.get("ATTACHMENT_MAX_FILES", 5) * 2:
            raise attachments.AttachmentRejected(tr("Too many documents on this grievance already."))
    except attachments.AttachmentRejected as exc:
        raise ActionInvalid({"attachments": [str(exc)]}) from None
    stored = [attachments.store(c) for c in checked]
    for item in stored:
        session.add(GrievanceAttachment(grievance=g, event_id=event.id, stored_name=item.stored_name,
                                        original_name=item.original_name, content_type=item.content_type,
                                        size=item.size, sha256=item.sha256, uploaded_at=clock.now()))
    return stored


def _run(session, work):
    """Runs `work()`; on any failure rolls back and removes documents it stored."""
    stored: list = []
    try:
        result = work(stored)
        _commit(session)
        return result
    except BaseException as exc:
        session.info.pop(_EMIT, None)
        session.rollback()
        for item in stored:
            attachments.remove(item.stored_name)
        if isinstance(exc, StaleDataError):  # the row version moved under us: another officer's action won
            raise Conflict(tr("Someone else acted on this grievance at the same moment. Reload it to see what changed.")) from None
        raise


# --- officer actions -------------------------------------------------------------------------------

def accept(session: Session, g: Grievance, actor: Actor, expected_version=None) -> Grievance:
    def work(_):
        _begin(session, g, "accept", actor, expected_version)
        before, g.status = g.status, workflow.ACCEPTED
        _event(session, g, actor, "accepted", before, "The officer has taken up the grievance.")
        session.flush()
        _notify_citizen(session, g, "accepted")
    _run(session, work)
    return g


def add_note(session: Session, g: Grievance, actor: Actor, note, visible_to_citizen: bool, expected_version=None) -> Grievance:
    def work(_):
        _begin(session, g, "note", actor, expected_version)
        text = _text(note, "note", tr("Note"))
        _event(session, g, actor, "note", g.status, text, visible=bool(visible_to_citizen))
        g.updated_at = clock.now()  # bumps the row version: a note is a change others should see
    _run(session, work)
    return g


def request_info(session: Session, g: Grievance, actor: Actor, question, expected_version=None) -> Grievance:
    def work(_):
        _begin(session, g, "request_info", actor, expected_version)
        text = _text(question, "question", tr("Information needed"))
        before, g.status, g.paused_at = g.status, workflow.AWAITING_CITIZEN, clock.now()
        _event(session, g, actor, "information_requested", before, text)
        session.flush()
        _notify_citizen(session, g, "information_requested")
    _run(session, work)
    return g


def interim_reply(session: Session, g: Grievance, actor: Actor, note, expected_date, expected_version=None) -> Grievance:
    def work(_):
        _begin(session, g, "interim_reply", actor, expected_version)
        text = _text(note, "note", tr("Interim reply"))
        try:
            when = expected_date if isinstance(expected_date, date) else date.fromisoformat(str(expected_date or ""))
        except ValueError:
            raise ActionInvalid({"expected_date": [tr("Expected date: give a date as YYYY-MM-DD.")]}) from None
        if when < clock.now().astimezone(_IST).date():
            raise ActionInvalid({"expected_date": [tr("Expected date: must not be in the past.")]})
        before, g.status = g.status, workflow.ACCEPTED
        _event(session, g, actor, "interim_reply", before, f"{text} (expected by {when.strftime('%d-%m-%Y')})",
               data={"expected_date": when.isoformat()})
        session.flush()
        _notify_citizen(session, g, "interim_reply")
    _run(session, work)
    return g


def resolve(session: Session, g: Grievance, actor: Actor, report, uploads=(), expected_version=None) -> Grievance:
    def work(stored):
        _begin(session, g, "resolve", actor, expected_version)
        text = _text(report, "report", tr("Action taken report"))
        now = clock.now()
        before, g.status, g.resolved_at = g.status, workflow.RESOLVED, now
        g.resolved_by_officer_id, g.resolved_post_id = actor.officer.id, g.assigned_post_id
        event = _event(session, g, actor, "resolved", before, text)
        session.flush()
        stored.extend(_store_uploads(uploads, g, event, session))
        _notify_resolution(session, g, "resolved")
    _run(session, work)
    return g


def reject(session: Session, g: Grievance, actor: Actor, reason, note, expected_version=None) -> Grievance:
    def work(_):
        _begin(session, g, "reject", actor, expected_version)
        if not isinstance(reason, str) or reason not in workflow.REJECTION_REASONS:
            raise ActionInvalid({"reason": [tr("Reason: choose one of {reasons}. A grievance that belongs to another office "
                                               "is transferred, not rejected.",
                                               reasons="; ".join(tr(r) for r in workflow.REJECTION_REASONS.values()))]})
        text = _text(note, "note", tr("Explanation to the citizen"))
        now = clock.now()
        before, g.status, g.resolved_at = g.status, workflow.REJECTED, now
        g.resolved_by_officer_id, g.resolved_post_id = actor.officer.id, g.assigned_post_id
        _event(session, g, actor, "rejected", before, f"{workflow.REJECTION_REASONS[reason]}. {text}", data={"reason": reason})
        session.flush()
        _notify_resolution(session, g, "rejected")
    _run(session, work)
    return g


def transfer(session: Session, g: Grievance, actor: Actor, reason, grievance_type: str | None = None,
             district: str | None = None, taluk: str | None = None, expected_version=None) -> Grievance:
    """Misrouted: re-decide with the rules for the new grievance type (possibly another department) or place."""
    def work(_):
        _begin(session, g, "transfer", actor, expected_version)
        text = _text(reason, "reason", tr("Reason for the transfer"))
        if g.transfer_count >= workflow.MAX_TRANSFERS:
            raise TransitionRefused(tr("This grievance has been transferred {count} times, the most allowed. "
                                       "Act on it or ask the nodal officer.", count=workflow.MAX_TRANSFERS))
        runtime = current_app.extensions["ipgrs.rules"]
        runtime.refresh(session)
        facts = dict(g.decision.get("facts") or {})
        facts["location"] = dict(facts.get("location") or {})
        errors = {}
        if grievance_type:
            if grievance_type not in runtime.catalogue.grievance_types:
                errors["grievance_type"] = [tr("Grievance type: '{code}' is not a grievance type we know.", code=grievance_type[:60])]
            facts["grievance"], facts["category"], facts["subcategory"] = grievance_type, None, None
        if district or taluk:
            d = runtime.catalogue.jurisdictions.district(district or "")
            if d is None:
                errors["district"] = [tr("District: '{name}' is not a district of Karnataka.", name=(district or "")[:60])]
            elif taluk and taluk not in {t.en for t in d.taluks}:
                errors["taluk"] = [tr("Taluk: '{name}' is not a taluk of {district}.", name=taluk[:60], district=d.name.en)]
            facts["location"].update(district=district, taluk=taluk)
        if not grievance_type and not (district or taluk):
            errors["grievance_type"] = [tr("Transfer to: choose the right grievance type or place.")]
        if errors:
            raise ActionInvalid(errors)
        try:
            decision = runtime.decide(facts)
        except rules.NoRuleMatched:
            raise ActionInvalid({"grievance_type": [tr("Transfer to: no routing rule takes this grievance there.")]}) from None
        before = g.status
        gt = runtime.catalogue.grievance_types[facts["grievance"]]
        g.grievance_type_id = session.scalar(select(GrievanceTypeRow.id).where(GrievanceTypeRow.code == gt.code))
        g.department_id = session.scalar(select(Department.id).where(Department.code == gt.department))
        place = officers.resolve_place(session, facts["location"].get("district"), facts["location"].get("taluk"))
        g.district_id = place.district.id if place.district else None
        g.taluk_id = place.taluk.id if place.taluk else None
        _assign(session, g, decision, place, decision.start_level, runtime.version_id_for(decision), facts)
        g.status, g.transfer_count = workflow.OPEN, g.transfer_count + 1
        _event(session, g, actor, "transferred", before, text,
               data={"to_post": g.assigned_post.code, "to_department": gt.department, "rules_fired": list(decision.rules_fired)})
        session.flush()
        _notify_officer(session, g, "transferred")
        _notify_citizen(session, g, "transferred")
    _run(session, work)
    return g


def _assign(session, g: Grievance, decision, place, level: int, version_id: int, facts: dict):
    g.ruleset_version_id = version_id
    g.decision = {**decision.as_dict(), "facts": facts}
    g.priority = decision.priority
    g.vacancy_note = None
    _hand_over(g, officers.assign(session, decision.department, decision.escalation, place, start_level=level), clock.now())
    g.paused_at = None


def _hand_over(g: Grievance, assignment, now: datetime) -> None:
    """The grievance goes to the assignment's post and officer, with that level's timeline from now."""
    g.level = assignment.level
    g.assigned_post_id, g.assigned_post = assignment.post.id, assignment.post
    g.assigned_officer_id, g.assigned_officer = (assignment.officer.id if assignment.officer else None), assignment.officer
    if assignment.vacancies:
        g.vacancy_note = ("Vacant, skipped: " + "; ".join(assignment.vacancies))[:500]
    g.due_at = _calendar().add_working_days(now, g.decision["timeline_days"][g.level - 1])


# --- citizen actions -------------------------------------------------------------------------------

def citizen_reply(session: Session, g: Grievance, citizen: Citizen, answer, uploads=()) -> Grievance:
    actor = Actor("citizen", "Citizen", citizen=citizen)

    def work(stored):
        _begin(session, g, "citizen_reply", actor, None)
        text = _text(answer, "answer", tr("Your answer"))
        now = clock.now()
        g.due_at = _calendar().pause_adjusted_due(g.due_at, g.paused_at or now, now)
        before, g.status, g.paused_at = g.status, workflow.ACCEPTED, None
        event = _event(session, g, actor, "citizen_replied", before, text)
        session.flush()
        stored.extend(_store_uploads(uploads, g, event, session))
        _notify_officer(session, g, "citizen_replied")
    _run(session, work)
    return g


def feedback(session: Session, g: Grievance, citizen: Citizen, rating, satisfied, comment=None) -> Grievance:
    """Satisfied: closed. Not satisfied, within the window and under the reopening limit: reopened as an
    appeal at the next level of the chain."""
    actor = Actor("citizen", "Citizen", citizen=citizen)

    def work(_):
        try:
            stars = int(rating)
        except (TypeError, ValueError):
            stars = 0
        if not 1 <= stars <= 5:
            raise ActionInvalid({"rating": [tr("Rating: choose 1 to 5 stars.")]})
        if satisfied not in (True, False):
            raise ActionInvalid({"satisfied": [tr("Satisfied: answer yes or no.")]})
        text = _text(comment, "comment", tr("Comment"), required=not satisfied)
        action = "feedback_satisfied" if satisfied else "feedback_not_satisfied"
        _begin(session, g, action, actor, None)
        now = clock.now()
        g.rating, g.satisfied, g.feedback_at = stars, satisfied, now
        before = g.status
        if satisfied:
            g.status, g.closed_at = workflow.CLOSED, now
            _event(session, g, actor, "closed", before, text, data={"rating": stars, "satisfied": True})
            session.flush()
            _notify_citizen(session, g, "closed")
            return
        window = int(_setting("APPEAL_WINDOW_DAYS", 30))
        if g.resolved_at is not None and (now - g.resolved_at).days > window:
            raise TransitionRefused(tr("The {days}-day window to appeal has passed. You can file a new grievance.", days=window))
        if g.reopen_count >= int(_setting("MAX_REOPENS", 2)):
            raise TransitionRefused(tr("This grievance has already been reopened the most times allowed. You can file a new grievance."))
        g.status, g.reopen_count, g.resolved_at = workflow.REOPENED, g.reopen_count + 1, None
        _escalate(session, g, now, reason="appeal")
        _event(session, g, actor, "reopened", before, text, data={"rating": stars, "satisfied": False, "level": g.level})
        session.flush()
        _notify_officer(session, g, "appeal")
        _notify_citizen(session, g, "reopened")
    _run(session, work)
    return g


def _escalate(session, g: Grievance, now: datetime, reason: str) -> bool:
    """Moves the grievance to the next level of its chain. False when it is already at the last level:
    then it is flagged critical for the department secretary."""
    chain = g.decision["escalation"]
    if g.level >= len(chain):
        g.critical = True
        return False
    place = officers.Place(g.district, g.taluk)
    _hand_over(g, officers.assign(session, g.decision["department"], tuple(chain), place, start_level=g.level + 1), now)
    g.escalation_count += 1
    return True
