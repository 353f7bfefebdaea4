"""The grievance state machine: every allowed transition, who may make it, and what it does to the clock.

Drawn in docs/grievance-lifecycle.md. Anything not listed here is refused with a 409 and a sentence.
"""
from __future__ import annotations

from dataclasses import dataclass

# States
OPEN = "open"                          # assigned to an officer, not yet taken up
ACCEPTED = "accepted"                  # the officer is working on it
AWAITING_CITIZEN = "awaiting_citizen"  # information requested from the citizen: the clock is paused
RESOLVED = "resolved"                  # action taken report given; waiting for the citizen's feedback
REJECTED = "rejected"                  # refused with a reason from the configured list
REOPENED = "reopened"                  # the citizen was not satisfied: an appeal at the next level
CLOSED = "closed"                      # final

ACTIVE = (OPEN, ACCEPTED, REOPENED)    # the clock runs; the escalation sweep watches these
STATES = (OPEN, ACCEPTED, AWAITING_CITIZEN, RESOLVED, REJECTED, REOPENED, CLOSED)

OFFICER, CITIZEN, SYSTEM = "officer", "citizen", "system"

REJECTION_REASONS = {
    "duplicate": "Duplicate of another grievance",
    "sub_judice": "The matter is sub judice (before a court)",
    "not_a_grievance": "Not a grievance (a suggestion, query or request)",
    "insufficient_information": "Insufficient information, and the citizen did not provide it",
}
MAX_TRANSFERS = 3


@dataclass(frozen=True)
class Transition:
    action: str
    sources: tuple
    target: str | None          # None: the status does not change
    actor: str
    clock: str                  # what happens to the due date
    label: str


TRANSITIONS = {t.action: t for t in (
    Transition("accept", (OPEN, REOPENED), ACCEPTED, OFFICER, "runs on", "Accepted"),
    Transition("note", (OPEN, ACCEPTED, AWAITING_CITIZEN, REOPENED), None, OFFICER, "unchanged", "Note added"),
    Transition("request_info", (OPEN, ACCEPTED, REOPENED), AWAITING_CITIZEN, OFFICER, "pauses", "Information requested from the citizen"),
    Transition("citizen_reply", (AWAITING_CITIZEN,), ACCEPTED, CITIZEN, "resumes, extended by the working days paused", "Citizen replied"),
    Transition("interim_reply", (OPEN, ACCEPTED, REOPENED), ACCEPTED, OFFICER, "runs on", "Interim reply"),
    Transition("transfer", (OPEN, ACCEPTED, REOPENED), OPEN, OFFICER, "restarts at L1 of the new decision", "Transferred"),
    Transition("resolve", (OPEN, ACCEPTED, REOPENED), RESOLVED, OFFICER, "stops", "Resolved with an action taken report"),
    Transition("reject", (OPEN, ACCEPTED, REOPENED), REJECTED, OFFICER, "stops", "Rejected"),
    Transition("escalate", ACTIVE, None, SYSTEM, "restarts with the next level's timeline", "Escalated: timeline lapsed"),
    Transition("feedback_satisfied", (RESOLVED, REJECTED), CLOSED, CITIZEN, "stopped", "Closed: citizen satisfied"),
    Transition("feedback_not_satisfied", (RESOLVED, REJECTED), REOPENED, CITIZEN, "restarts with the next level's timeline", "Reopened on appeal"),
    Transition("auto_close", (RESOLVED, REJECTED), CLOSED, SYSTEM, "stopped", "Closed: no feedback within the window"),
)}


class TransitionRefused(Exception):
    """The action is not allowed now (HTTP 409); the message says why, for the officer or citizen."""


def check(action: str, status: str) -> Transition:
    transition = TRANSITIONS.get(action)
    if transition is None:
        raise TransitionRefused(f"'{action}' is not an action on a grievance.")
    if status not in transition.sources:
        allowed = ", ".join(transition.sources)
        raise TransitionRefused(f"Cannot {action.replace('_', ' ')} a grievance that is {status.replace('_', ' ')}; "
                                f"only one that is {allowed.replace('_', ' ')}.")
    return transition
