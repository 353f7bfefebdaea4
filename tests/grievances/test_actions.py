"""The state machine through the actions: allowed transitions, the clock, the audit trail, 409s and appeals."""
from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select

from ipgrs import clock
from ipgrs.grievances import actions, services, workflow
from ipgrs.grievances.actions import Actor
from ipgrs.grievances.models import Grievance, GrievanceEvent
from tests.factories import make_citizen, png_bytes, rtc_filing, upload


def officer_of(g) -> Actor:
    return Actor("officer", f"{g.assigned_post.name_en}, test", officer=g.assigned_officer)


@pytest.fixture
def grievance(db_session):
    citizen = make_citizen(db_session, district="Mysuru", taluk="Hunsur", pincode="571105")
    return services.file_grievance(db_session, citizen, rtc_filing())


def kinds(session, g) -> list[str]:
    return [e.kind for e in session.scalars(select(GrievanceEvent).where(GrievanceEvent.grievance_id == g.id).order_by(GrievanceEvent.id))]


def test_accept_request_info_reply_resolve_and_close(db_session, grievance):
    g, officer = grievance, officer_of(grievance)
    actions.accept(db_session, g, officer, expected_version=g.row_version)
    assert g.status == workflow.ACCEPTED
    due_before = g.due_at
    actions.request_info(db_session, g, officer, "Please upload the application acknowledgement.")
    assert g.status == workflow.AWAITING_CITIZEN and g.paused_at is not None
    with clock.travel(timedelta(days=7)):
        actions.citizen_reply(db_session, g, g.citizen, "Uploaded the acknowledgement.", uploads=[upload("ack.png", png_bytes())])
    assert g.status == workflow.ACCEPTED and g.paused_at is None
    assert g.due_at > due_before  # the working days spent waiting are given back
    actions.resolve(db_session, g, officer, "RTC issued on 12-11-2026; copy attached.", uploads=[upload("rtc.png", png_bytes())])
    assert g.status == workflow.RESOLVED and g.resolved_by_officer_id == officer.officer.id
    actions.feedback(db_session, g, g.citizen, 5, True)
    assert g.status == workflow.CLOSED and g.rating == 5 and g.satisfied
    assert kinds(db_session, g) == ["filed", "assigned", "accepted", "information_requested", "citizen_replied", "resolved", "closed"]
    assert {a.original_name for a in g.attachments} == {"ack.png", "rtc.png"}


def test_not_satisfied_reopens_as_an_appeal_at_the_next_level(db_session, grievance):
    g, officer = grievance, officer_of(grievance)
    level, chain = g.level, g.decision["escalation"]
    actions.resolve(db_session, g, officer, "Done.")
    actions.feedback(db_session, g, g.citizen, 1, False, "Nothing was done.")
    assert g.status == workflow.REOPENED and g.reopen_count == 1
    assert g.level == level + 1 and g.assigned_post.code == chain[level]
    assert g.assigned_officer is not None and g.assigned_officer.id != officer.officer.id
    with pytest.raises(actions.ActionInvalid):
        actions.feedback(db_session, g, g.citizen, 9, False, "x")


def test_appeal_window_and_reopen_limit(db_session, grievance, app):
    g = grievance
    actions.resolve(db_session, g, officer_of(g), "Done.")
    with clock.travel(timedelta(days=app.config["APPEAL_WINDOW_DAYS"] + 1)):
        with pytest.raises(workflow.TransitionRefused, match="window to appeal has passed"):
            actions.feedback(db_session, g, g.citizen, 2, False, "late")
    actions.feedback(db_session, g, g.citizen, 2, False, "not done")  # within the window: reopened
    for _ in range(app.config["MAX_REOPENS"] - 1):
        actions.resolve(db_session, g, officer_of(g), "Done again.")
        actions.feedback(db_session, g, g.citizen, 2, False, "still not done")
    assert g.reopen_count == app.config["MAX_REOPENS"]
    actions.resolve(db_session, g, officer_of(g), "Done at last.")
    with pytest.raises(workflow.TransitionRefused, match="most times allowed"):
        actions.feedback(db_session, g, g.citizen, 2, False, "again")


@pytest.mark.parametrize("action, kwargs", [
    ("accept", {}), ("request_info", {"question": "?"}), ("resolve", {"report": "r"}),
    ("reject", {"reason": "duplicate", "note": "n"}),
])
def test_closed_grievances_refuse_officer_actions_with_a_sentence(db_session, grievance, action, kwargs):
    g = grievance
    actions.resolve(db_session, g, officer_of(g), "Done.")
    actions.feedback(db_session, g, g.citizen, 4, True)
    with pytest.raises(workflow.TransitionRefused) as info:
        getattr(actions, action)(db_session, g, officer_of(g), **kwargs)
    assert "closed" in str(info.value)


def test_reject_needs_a_configured_reason(db_session, grievance):
    g = grievance
    with pytest.raises(actions.ActionInvalid) as info:
        actions.reject(db_session, g, officer_of(g), "does_not_pertain", "Not ours.")
    assert "transferred, not rejected" in info.value.errors["reason"][0]
    actions.reject(db_session, g, officer_of(g), "sub_judice", "The land is before the civil court.")
    assert g.status == workflow.REJECTED


def test_the_refusals_are_in_the_officers_language(app, db_session, grievance):
    g = grievance
    with app.test_request_context("/?lang=kn"):
        with pytest.raises(actions.ActionInvalid) as info:
            actions.reject(db_session, g, officer_of(g), "does_not_pertain", "Not ours.")
        (message,) = info.value.errors["reason"]
        assert message.startswith("ಕಾರಣ: ಇವುಗಳಲ್ಲಿ ಒಂದನ್ನು ಆರಿಸಿ") and "ಬೇರೊಂದು ಕುಂದುಕೊರತೆಯ ಪುನರಾವರ್ತನೆ" in message
        with pytest.raises(actions.ActionInvalid) as info:
            actions.resolve(db_session, g, officer_of(g), "", [])
        assert info.value.errors["report"] == ["ಕೈಗೊಂಡ ಕ್ರಮದ ವರದಿ: ಈ ಕ್ಷೇತ್ರ ಕಡ್ಡಾಯ."]


def test_other_officers_and_citizens_may_not_act(db_session, grievance):
    g = grievance
    other = make_citizen(db_session)
    with pytest.raises(actions.NotAllowed):
        actions.accept(db_session, g, Actor("officer", "x", officer=_some_other_officer(db_session, g)))
    actions.request_info(db_session, g, officer_of(g), "Which survey number?")
    with pytest.raises(actions.NotAllowed):
        actions.citizen_reply(db_session, g, other, "not mine")


def _some_other_officer(session, g):
    from ipgrs.officers.models import Officer
    return session.scalar(select(Officer).where(Officer.id != g.assigned_officer_id).limit(1))


def test_stale_version_is_a_conflict(db_session, grievance):
    g = grievance
    seen = g.row_version
    actions.add_note(db_session, g, officer_of(g), "Called the village accountant.", visible_to_citizen=False)
    with pytest.raises(actions.Conflict, match="changed by someone else"):
        actions.accept(db_session, g, officer_of(g), expected_version=seen)


def test_transfer_redecides_and_is_limited_to_three(db_session, grievance):
    g = grievance
    actions.transfer(db_session, g, officer_of(g), "Belongs to the Bengaluru Urban land records office.",
                     district="Bengaluru Urban", taluk="Anekal")
    assert g.assigned_post.code == "SPL_TAHSILDAR" and g.transfer_count == 1 and g.status == workflow.OPEN
    assert g.decision["rules_fired"] == ["Bengaluru Urban land records go to the special tahsildar"]
    actions.transfer(db_session, g, officer_of(g), "It is about a pension, not the RTC.", grievance_type="REV_PENSION_NOT_CREDITED")
    assert g.grievance_type.code == "REV_PENSION_NOT_CREDITED" and g.transfer_count == 2
    with pytest.raises(actions.ActionInvalid):
        actions.transfer(db_session, g, officer_of(g), "x", grievance_type="NOPE")
    actions.transfer(db_session, g, officer_of(g), "Back to Mysuru.", district="Mysuru", taluk="Hunsur")
    with pytest.raises(workflow.TransitionRefused, match="transferred 3 times"):
        actions.transfer(db_session, g, officer_of(g), "again", district="Mysuru", taluk="Hunsur")


@pytest.mark.parametrize("app", ["postgresql"], indirect=True)  # SQLite has one writer at a time: no race to lose
def test_two_officers_at_once_exactly_one_wins(app):
    """Two sessions load the same version and act; the optimistic lock lets one commit and refuses the other."""
    from ipgrs.extensions import db

    with app.app_context():
        citizen = make_citizen(db.session, district="Mysuru", taluk="Hunsur", pincode="571105")
        number = services.file_grievance(db.session, citizen, rtc_filing()).number
        db.session.remove()
    barrier, results = threading.Barrier(2), []

    def act(action):
        with app.app_context():
            try:
                g = db.session.scalar(select(Grievance).where(Grievance.number == number))
                officer = officer_of(g)
                barrier.wait()
                if action == "accept":
                    actions.accept(db.session, g, officer)
                else:
                    actions.resolve(db.session, g, officer, "Done.")
                results.append(("ok", action))
            except actions.Conflict as exc:
                results.append(("conflict", str(exc)))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=act, args=(a,)) for a in ("accept", "resolve")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r[0] for r in results) == ["conflict", "ok"], results
    with app.app_context():
        g = db.session.scalar(select(Grievance).where(Grievance.number == number))
        won = [r[1] for r in results if r[0] == "ok"][0]
        status, acted = g.status, len([e for e in g.events if e.kind in ("accepted", "resolved")])
        from tests.grievances.test_filing import _delete_citizen_and_grievances
        _delete_citizen_and_grievances(db.session, g.citizen_id)  # committed for real: leave nothing behind
        db.session.remove()
    assert status == {"accept": workflow.ACCEPTED, "resolve": workflow.RESOLVED}[won]
    assert acted == 1


def test_the_audit_trail_is_append_only(db_session, grievance):
    event = db_session.scalar(select(GrievanceEvent).where(GrievanceEvent.grievance_id == grievance.id).limit(1))
    event.note = "rewritten history"
    with pytest.raises(PermissionError, match="never updated or deleted"):
        db_session.flush()
    db_session.rollback()
    db_session.delete(db_session.merge(event))
    with pytest.raises(PermissionError):
        db_session.flush()
    db_session.rollback()


def test_a_clock_file_moves_time_for_a_running_server(tmp_path):
    from ipgrs import clock

    path = tmp_path / "clock"
    clock.configure(str(path))
    try:
        before = clock.now()
        path.write_text(str(3 * 86400))
        assert timedelta(days=2, hours=23) < clock.now() - before < timedelta(days=3, minutes=1)
        path.write_text("not a number")
        assert clock.now() - before < timedelta(minutes=1)
    finally:
        clock.configure(None)


@pytest.mark.parametrize("bad", [["a", "list"], {"an": "object"}])
def test_non_text_input_is_a_field_error_not_a_crash(db_session, grievance, bad):
    with pytest.raises(actions.ActionInvalid):
        actions.add_note(db_session, grievance, officer_of(grievance), bad, visible_to_citizen=True)
    with pytest.raises(actions.ActionInvalid):
        actions.reject(db_session, grievance, officer_of(grievance), bad, "x")


def test_a_stranger_learns_nothing_of_the_state(db_session, grievance):
    actions.resolve(db_session, grievance, officer_of(grievance), "Done.")
    stranger = Actor("officer", "x", officer=_some_other_officer(db_session, grievance))
    with pytest.raises(actions.NotAllowed):
        actions.accept(db_session, grievance, stranger)  # not the 409 that would reveal "resolved"
