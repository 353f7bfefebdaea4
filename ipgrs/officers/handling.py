"""An officer handling a grievance: who the logged-in officer is, what they may do now, and the one call into
`grievances.actions` for each action from submitted fields — shared by the officer's pages and API."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..grievances import actions, workflow
from ..grievances.models import Grievance
from . import inbox
from .models import Officer

# The officer's actions, in the order the page offers them.
OFFICER_ACTIONS = tuple(name for name, t in workflow.TRANSITIONS.items() if t.actor == workflow.OFFICER)
ACTION_TITLES = {"accept": "Accept", "note": "Add a note", "request_info": "Request information from the citizen",
                 "interim_reply": "Interim reply", "transfer": "Transfer", "resolve": "Resolve with an action taken report",
                 "reject": "Reject"}
_TRUE = {"1", "true", "yes", "on", "y"}


class NotAnOfficer(Exception):
    """The login is not linked to an active officer (HTTP 403)."""


@dataclass(frozen=True)
class Outcome:
    grievance: Grievance
    message: str


def officer_for_user(session: Session, user_id: int | None) -> Officer:
    officer = session.scalar(select(Officer).where(Officer.user_id == user_id, Officer.active)) if user_id else None
    if officer is None:
        raise NotAnOfficer("Your login is not linked to an officer. Ask the administrator to link it under Officers.")
    return officer


def find(session: Session, officer: Officer, number: str) -> tuple[Grievance, str]:
    """The grievance and the officer's scope on it; NotAllowed (a 404) when it does not exist or is not theirs to see."""
    g = session.scalar(select(Grievance).where(Grievance.number == str(number or "")[:20]))
    scope = inbox.scope_of(session, officer, g) if g is not None else None
    if scope is None:
        raise actions.NotAllowed("No grievance with that ID is in your inbox.")
    return g, scope


def office_of(g: Grievance) -> str:
    post = g.assigned_post
    if post.level == "taluk" and g.taluk is not None:
        return g.taluk.name_en
    if post.level == "district" and g.district is not None:
        return g.district.name_en
    return "Karnataka"


def actor_for(officer: Officer, g: Grievance, user_id: int | None) -> actions.Actor:
    """The officer acts as the holder of the grievance's current post: "Special Tahsildar, Anekal"."""
    return actions.Actor(kind="officer", label=f"{g.assigned_post.name_en}, {office_of(g)}"[:200], officer=officer, user_id=user_id)


def available_actions(g: Grievance, scope: str) -> list[str]:
    """The actions the page offers: those the state machine allows now, for the officer holding the post."""
    if scope != inbox.MINE:
        return []
    return [name for name in OFFICER_ACTIONS if g.status in workflow.TRANSITIONS[name].sources]


def expected_version(value) -> int:
    text = str(value if value is not None else "").strip()
    if not text.isdigit():
        raise actions.ActionInvalid({"expected_version": [
            "Expected version: missing. Reload the grievance and submit the form again."]})
    return int(text)


def _flag(value) -> bool:
    return value is True or str(value or "").strip().lower() in _TRUE


def perform(session: Session, g: Grievance, actor: actions.Actor, action: str, fields: dict, uploads=()) -> Outcome:
    """Runs one officer action. Raises what `grievances.actions` raises: TransitionRefused/Conflict (409),
    NotAllowed (404/403), ActionInvalid (400)."""
    if action not in OFFICER_ACTIONS:
        raise actions.NotAllowed(f"'{str(action)[:40]}' is not an action an officer can take.")
    version = expected_version(fields.get("expected_version"))

    def get(name):  # JSON may send numbers or lists where text is expected: the actions see text
        value = fields.get(name)
        return None if value is None or isinstance(value, bool) else str(value)

    if action == "accept":
        actions.accept(session, g, actor, expected_version=version)
    elif action == "note":
        actions.add_note(session, g, actor, get("note"), _flag(fields.get("visible_to_citizen")), expected_version=version)
    elif action == "request_info":
        actions.request_info(session, g, actor, get("question"), expected_version=version)
    elif action == "interim_reply":
        actions.interim_reply(session, g, actor, get("note"), get("expected_date"), expected_version=version)
    elif action == "transfer":
        actions.transfer(session, g, actor, get("reason"), grievance_type=(get("grievance_type") or "").strip() or None,
                         district=(get("district") or "").strip() or None, taluk=(get("taluk") or "").strip() or None,
                         expected_version=version)
    elif action == "resolve":
        actions.resolve(session, g, actor, get("report"), uploads=list(uploads), expected_version=version)
    elif action == "reject":
        actions.reject(session, g, actor, get("reason"), get("note"), expected_version=version)
    return Outcome(g, workflow.TRANSITIONS[action].label + ".")
