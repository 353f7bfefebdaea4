"""Status changes, interim replies and action-taken reports of CPGRAMS grievances go back through a transactional
outbox: written with the change, delivered in order with backoff, dead-lettered with a retry button, idempotent."""
from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from ipgrs import clock
from ipgrs.grievances import actions, escalation
from ipgrs.grievances.models import Grievance
from plugins.cpgrams import services
from plugins.cpgrams.models import CpgramsOutbox
from tests.portal.helpers import csrf_from, staff_login


def officer(g):
    return actions.Actor("officer", "Special Tahsildar, Anekal", officer=g.assigned_officer)


def pulled_rtc(session, sim) -> Grievance:
    sim.add(1)
    services.pull(session)
    return session.scalars(select(Grievance).where(Grievance.channel == "CPGRAMS")).one()


def outbox(session, g=None) -> list[CpgramsOutbox]:
    query = select(CpgramsOutbox).order_by(CpgramsOutbox.id)
    if g is not None:
        query = query.where(CpgramsOutbox.grievance_id == g.id)
    return session.scalars(query).all()


def test_redressal_goes_back_to_cpgrams_in_order_with_the_atr(db_session, cpgrams):
    g = pulled_rtc(db_session, cpgrams)
    actions.accept(db_session, g, officer(g))
    actions.add_note(db_session, g, officer(g), "internal: check the Bhoomi record", visible_to_citizen=False)
    actions.interim_reply(db_session, g, officer(g), "Field verification is scheduled.", date.today() + timedelta(days=5))
    actions.resolve(db_session, g, officer(g), "The RTC has been issued and uploaded to Bhoomi.")
    kinds = [m.kind for m in outbox(db_session, g)]
    assert kinds == ["acknowledged", "accepted", "interim_reply", "resolved"]  # the internal note stays here
    assert {m.status for m in outbox(db_session, g)} == {"pending"}
    assert services.deliver_due(db_session) == {"sent": 4}
    number = "DARPG/E/2026/0000001"
    remote = cpgrams.status[number]
    assert remote["status"] == "DISPOSED"
    assert remote["action_taken_report"]["report"] == "The RTC has been issued and uploaded to Bhoomi."
    assert [cpgrams.updates[k]["event"] for k in remote["history"]] == kinds
    assert all(cpgrams.updates[k]["state_reference"] == g.number for k in remote["history"])


def test_the_outbox_row_is_written_with_the_change_or_not_at_all(db_session, cpgrams):
    g = pulled_rtc(db_session, cpgrams)
    before = len(outbox(db_session, g))
    with pytest.raises(actions.Conflict):
        actions.accept(db_session, g, officer(g), expected_version=g.row_version - 1)
    assert len(outbox(db_session, g)) == before  # the refused action wrote nothing, not even the message
    actions.accept(db_session, g, officer(g), expected_version=g.row_version)
    assert len(outbox(db_session, g)) == before + 1


def test_failures_back_off_then_dead_letter_and_the_admin_retries(client, db_session, cpgrams, app, monkeypatch):
    monkeypatch.setitem(app.config, "CPGRAMS_RETRY_BASE_SECONDS", "60")
    monkeypatch.setitem(app.config, "CPGRAMS_RETRY_MAX_SECONDS", "600")
    g = pulled_rtc(db_session, cpgrams)
    cpgrams.set_fault("500", scope="update")
    ack = outbox(db_session, g)[0]
    assert services.deliver_due(db_session) == {"failed": 1}
    db_session.refresh(ack)
    assert ack.attempts == 1 and (ack.next_attempt_at - clock.now()).total_seconds() == pytest.approx(60, abs=5)
    assert services.deliver_due(db_session) == {}  # not due yet
    with clock.travel(timedelta(seconds=61)):
        assert services.deliver_due(db_session) == {"failed": 1}
        db_session.refresh(ack)
        assert (ack.next_attempt_at - clock.now()).total_seconds() == pytest.approx(120, abs=5)  # doubled
    with clock.travel(timedelta(seconds=400)):
        assert services.deliver_due(db_session) == {"dead": 1}  # CPGRAMS_MAX_ATTEMPTS = 3
    db_session.refresh(ack)
    assert ack.status == "dead" and ack.last_error == "CPGRAMS answered HTTP 500"
    staff_login(client, "admin", "admin")
    page = client.get("/admin/cpgrams/")
    html = page.get_data(as_text=True)
    assert 'id="cpgrams-dead"' in html and ack.key in html and "Retry" in html
    cpgrams.set_fault(None)
    response = client.post(f"/admin/cpgrams/outbox/{ack.id}/retry", data={"csrf_token": csrf_from(page.data)})
    assert response.status_code == 302
    db_session.commit()  # ends the test session's savepoint, which the request's commit was nested in
    db_session.refresh(ack)
    assert ack.status == "pending" and ack.attempts == 0
    assert services.deliver_due(db_session) == {"sent": 1}
    assert 'id="no-dead"' in client.get("/admin/cpgrams/").get_data(as_text=True)


def test_a_later_message_waits_for_an_earlier_one(db_session, cpgrams):
    g = pulled_rtc(db_session, cpgrams)
    actions.accept(db_session, g, officer(g))
    cpgrams.set_fault("timeout", count=1, scope="update", delay=1.0)
    assert services.deliver_due(db_session) == {"failed": 1, "waiting": 1}
    assert services.deliver_due(db_session) == {"sent": 2}
    number = "DARPG/E/2026/0000001"
    assert [cpgrams.updates[k]["event"] for k in cpgrams.status[number]["history"]] == ["acknowledged", "accepted"]


def test_delivery_is_idempotent_on_the_message_key(db_session, cpgrams):
    g = pulled_rtc(db_session, cpgrams)
    ack = outbox(db_session, g)[0]
    assert services.deliver(db_session, ack.id) == "sent"
    db_session.execute(CpgramsOutbox.__table__.update().where(CpgramsOutbox.id == ack.id).values(status="pending"))
    db_session.commit()  # as if the worker died after sending and before recording it
    assert services.deliver(db_session, ack.id) == "sent"
    assert cpgrams.update_log == [ack.key, ack.key] and list(cpgrams.updates) == [ack.key]


def test_escalation_and_auto_close_are_reported(db_session, cpgrams):
    g = pulled_rtc(db_session, cpgrams)
    with clock.travel(timedelta(days=60)):
        escalation.sweep(db_session)
    db_session.refresh(g)
    assert g.level == 2
    escalated = [m for m in outbox(db_session, g) if m.kind == "escalated"]
    assert len(escalated) == 1 and "level 2" in escalated[0].payload["remarks"]
    with clock.travel(timedelta(days=60)):
        actions.resolve(db_session, g, actions.Actor("officer", "AC", officer=g.assigned_officer), "Issued.")
    with clock.travel(timedelta(days=90)):
        assert escalation.auto_close(db_session) >= 1
    closed = [m for m in outbox(db_session, g) if m.kind == "closed"]
    assert len(closed) == 1 and closed[0].payload["status"] == "CLOSED"
    with clock.travel(timedelta(days=90)):  # the messages were written at the travelled times
        assert services.deliver_due(db_session)["sent"] == len(outbox(db_session, g)) == 4
    assert cpgrams.status["DARPG/E/2026/0000001"]["status"] == "CLOSED"


def test_reconcile_requeues_what_differs(db_session, cpgrams):
    g = pulled_rtc(db_session, cpgrams)
    actions.resolve(db_session, g, officer(g), "Issued on 20-11-2026.")
    db_session.execute(CpgramsOutbox.__table__.update().values(status="dead", attempts=3))  # lost to a long outage
    db_session.commit()
    day = timedelta(days=1)
    report = services.reconcile(db_session, clock.now() - day, clock.now() + day)
    assert report == [{"registration_number": "DARPG/E/2026/0000001", "local": "DISPOSED", "remote": "UNDER_PROCESS",
                       "action": "re-queued"}]
    assert db_session.scalar(select(func.count()).select_from(CpgramsOutbox).where(CpgramsOutbox.status == "dead")) == 0
    services.deliver_due(db_session)
    assert cpgrams.status["DARPG/E/2026/0000001"]["status"] == "DISPOSED"
    assert services.reconcile(db_session, clock.now() - day, clock.now() + day) == []  # nothing differs any more
