"""Grievances from CPGRAMS: pulled page by page since a stored cursor or pushed with an HMAC signature, mapped to
local grievance types by YAML, filed through the platform's filing service and routed by the rules; never twice."""
from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select

from ipgrs import clock
from ipgrs.citizens.models import Citizen
from ipgrs.grievances.models import Grievance
from plugins.cpgrams import mapping, services
from plugins.cpgrams.models import CpgramsCursor, CpgramsGrievance, CpgramsMapping, CpgramsOutbox
from plugins.cpgrams.push import sign
from tests.plugins.cpgrams.conftest import FAST
from tests.portal.helpers import csrf_from, staff_login


def cpgrams_grievances(session) -> list[Grievance]:
    return session.scalars(select(Grievance).where(Grievance.channel == "CPGRAMS").order_by(Grievance.id)).all()


def states(session) -> dict:
    return dict(session.execute(select(CpgramsGrievance.state, func.count()).group_by(CpgramsGrievance.state)).all())


def test_pull_files_mapped_grievances_routed_by_the_rules(db_session, cpgrams):
    cpgrams.add(4)  # RTC Anekal, bill Hunsur, MGNREGA Hunsur, forest (not mapped)
    result = services.pull(db_session)
    assert result["error"] is None and result["received"] == 4 and result["pages"] == 2
    assert result["filed"] == 3 and result["triage"] == 1
    filed = cpgrams_grievances(db_session)
    assert [g.grievance_type.code for g in filed] == ["REV_RTC_NOT_ISSUED", "ENERGY_EXCESS_BILL", "RDPR_NREGA_WAGE_DELAY"]
    rtc = filed[0]
    assert rtc.assigned_post.code == "SPL_TAHSILDAR" and rtc.taluk.name_en == "Anekal"  # the rules routed it
    assert rtc.citizen.mobile == "+919800000001" and rtc.citizen.name == "Citizen 1"
    link = db_session.scalars(select(CpgramsGrievance).where(CpgramsGrievance.grievance_id == rtc.id)).one()
    assert link.registration_number == "DARPG/E/2026/0000001" and link.state == "filed"
    ack = db_session.scalars(select(CpgramsOutbox).where(CpgramsOutbox.grievance_id == rtc.id)).one()
    assert ack.kind == "acknowledged" and ack.payload["state_reference"] == rtc.number
    assert db_session.get(CpgramsCursor, "pull").cursor == "4"


def test_the_same_registration_number_never_makes_a_second_grievance(db_session, cpgrams):
    cpgrams.add(3)
    services.pull(db_session)
    cpgrams.set_fault("duplicates")  # every item twice, the previous page's last item again
    db_session.execute(CpgramsCursor.__table__.update().values(cursor=None))  # and read the whole feed again
    db_session.commit()
    again = services.pull(db_session)
    assert again["received"] == 0 and again["duplicates"] >= 6
    # the same grievance pushed as well
    record = cpgrams.grievances[0]
    services.receive(db_session, [record, record], "push")
    db_session.commit()
    assert len(cpgrams_grievances(db_session)) == 3 and states(db_session) == {"filed": 3}
    citizens = db_session.scalar(select(func.count()).select_from(Citizen).where(Citizen.mobile.like("+9198000000%")))
    assert citizens == 3


@pytest.mark.parametrize("mode", ["500", "malformed", "timeout"])
def test_a_failing_page_leaves_the_cursor_and_the_next_pull_resumes(db_session, cpgrams, mode):
    cpgrams.add(5)
    cpgrams.set_fault(mode, count=1, scope="pull", delay=1.0)  # timeout: 1 s against the client's 0.5 s
    started = time.monotonic()
    first = services.pull(db_session)
    assert first["pages"] == 0 and first["error"] and first["received"] == 0
    assert time.monotonic() - started < 5
    assert db_session.get(CpgramsCursor, "pull") is None
    second = services.pull(db_session)
    assert second["error"] is None and second["received"] == 5
    assert len(cpgrams_grievances(db_session)) == 4  # the fourth sample has no mapping: triage


def test_a_fault_in_the_middle_keeps_the_pages_before_it(db_session, cpgrams):
    cpgrams.add(6)
    services.pull(db_session)
    cpgrams.add(6)
    original = cpgrams._take_fault
    calls = []

    def second_page_fails(scope):
        calls.append(scope)
        return "500" if len(calls) == 2 else original(scope)

    cpgrams._take_fault = second_page_fails
    result = services.pull(db_session)
    assert result["pages"] == 1 and result["received"] == 2 and result["error"] == "CPGRAMS answered HTTP 500"
    assert db_session.get(CpgramsCursor, "pull").cursor == "8"
    cpgrams._take_fault = original
    assert services.pull(db_session)["received"] == 4
    assert db_session.scalar(select(func.count()).select_from(CpgramsGrievance)) == 12


def test_slow_and_out_of_order_pages_and_a_late_arrival(db_session, cpgrams):
    cpgrams.add(4)
    cpgrams.set_fault("slow", delay=0.2)
    assert services.pull(db_session)["received"] == 4
    cpgrams.set_fault("out_of_order")
    cpgrams.add(5, date_of_receipt="2026-01-01T00:00:00+00:00")  # filed long ago, delivered late
    result = services.pull(db_session)
    assert result["received"] == 5 and result["error"] is None
    assert db_session.scalar(select(func.count()).select_from(CpgramsGrievance)) == 9


def test_cpgrams_down_then_up(db_session, cpgrams):
    cpgrams.add(2)
    cpgrams.set_fault("down")
    result = services.pull(db_session)
    assert result["error"] == "ConnectError calling CPGRAMS" and result["pages"] == 0
    cpgrams.restart()
    assert services.pull(db_session)["received"] == 2


def test_unmapped_grievances_wait_in_triage_and_the_mapping_can_be_extended(db_session, cpgrams):
    cpgrams.add(4)
    services.pull(db_session)
    waiting = db_session.scalars(select(CpgramsGrievance).where(CpgramsGrievance.state == "triage")).one()
    assert "No mapping for organisation 'KA-FOREST' category 'ELEPHANT'" in waiting.reason
    services.triage(db_session, waiting.id, "REV_DM_CROP_LOSS_RELIEF", add_mapping=True, by="nodal1")
    db_session.refresh(waiting)
    assert waiting.state == "filed" and db_session.get(Grievance, waiting.grievance_id).grievance_type.code == "REV_DM_CROP_LOSS_RELIEF"
    added = db_session.scalars(select(CpgramsMapping)).one()
    assert (added.organisation_code, added.category_code, added.added_by) == ("KA-FOREST", "ELEPHANT", "nodal1")
    assert "KA-FOREST" in mapping.as_yaml([added])
    cpgrams.add(4)  # the eighth is another KA-FOREST/ELEPHANT: filed on its own now
    assert services.pull(db_session)["triage"] == 0
    assert states(db_session) == {"filed": 8}


def test_triage_screen(client, db_session, cpgrams):
    cpgrams.add(4)
    services.pull(db_session)
    waiting = db_session.scalars(select(CpgramsGrievance).where(CpgramsGrievance.state == "triage")).one()
    staff_login(client, "admin", "admin")
    queue = client.get("/admin/cpgrams/triage")
    assert queue.status_code == 200 and waiting.registration_number in queue.get_data(as_text=True)
    form = client.get(f"/admin/cpgrams/triage/{waiting.id}")
    assert form.status_code == 200
    refused = client.post(f"/admin/cpgrams/triage/{waiting.id}", data={"csrf_token": csrf_from(form.data), "grievance_type": "NOPE"})
    assert "is not a grievance type we know" in refused.get_data(as_text=True)
    done = client.post(f"/admin/cpgrams/triage/{waiting.id}", data={
        "csrf_token": csrf_from(form.data), "grievance_type": "REV_DM_CROP_LOSS_RELIEF", "add_mapping": "1"})
    assert done.status_code == 302
    db_session.refresh(waiting)
    assert waiting.state == "filed"
    assert "KA-FOREST" in client.get("/admin/cpgrams/mapping").get_data(as_text=True)


def _push(client, body: bytes, secret=FAST["CPGRAMS_PUSH_SECRET"], timestamp=None, signature=None):
    timestamp = str(int(clock.now().timestamp()) if timestamp is None else timestamp)
    return client.post("/plugins/cpgrams/push", data=body, content_type="application/json", headers={
        "X-Cpgrams-Timestamp": timestamp, "X-Cpgrams-Signature": signature or sign(secret, timestamp, body)})


def test_push_is_signed_and_replays_are_refused(client, db_session, cpgrams):
    record = cpgrams.add(1)[0]
    body = json.dumps({"grievances": [record]}).encode()
    timestamp = str(int(clock.now().timestamp()))
    accepted = _push(client, body, timestamp=timestamp)
    assert accepted.status_code == 202 and accepted.json == {"received": 1, "duplicates": 0, "invalid": 0}
    assert len(cpgrams_grievances(db_session)) == 1
    replay = _push(client, body, timestamp=timestamp)
    assert replay.status_code == 409 and "replay" in replay.json["message"]
    resent = _push(client, body, timestamp=str(int(timestamp) + 1))  # CPGRAMS sending it again: a duplicate, not a replay
    assert resent.status_code == 202 and resent.json["duplicates"] == 1
    assert _push(client, body, secret="wrong-secret").status_code == 401
    stale = _push(client, body, timestamp=int(clock.now().timestamp()) - 3600)
    assert stale.status_code == 401 and "window" in stale.json["message"]
    assert _push(client, b"{not json", timestamp=int(timestamp) + 2).status_code == 400
    assert len(cpgrams_grievances(db_session)) == 1


def test_push_is_closed_without_a_secret(client, db_session, cpgrams, app, monkeypatch):
    monkeypatch.setitem(app.config, "CPGRAMS_PUSH_SECRET", "")
    response = _push(client, b"{}")
    assert response.status_code == 503 and response.json["message"]


def test_the_mapping_file_is_checked_with_lines(tmp_path, shipped_catalogue):
    good = mapping.load_file("config/plugins/cpgrams.yaml", shipped_catalogue.grievance_types)
    assert good.grievance_type("KA-REV", "RTC") == "REV_RTC_NOT_ISSUED"
    assert good.grievance_type("KA-ENERGY", "ANYTHING") == "ENERGY_POWER_OUTAGE"  # the organisation's default
    assert good.grievance_type("KA-REV", "NOPE") is None
    bad = tmp_path / "plugins" / "cpgrams.yaml"
    bad.parent.mkdir()
    bad.write_text("organisations:\n  - code: KA-REV\n    categories:\n      - {code: RTC, grievance_type: REV_RTC_NOT_ISSUD}\n"
                   "      - {code: X, grievance_typ: REV_RTC_NOT_ISSUED}\n")
    with pytest.raises(mapping.ConfigInvalid) as caught:
        mapping.load_file(bad, shipped_catalogue.grievance_types)
    messages = [str(e) for e in caught.value.errors]
    assert any(m.startswith("plugins/cpgrams.yaml:5:") and "'grievance_typ' is not a valid key here; did you mean 'grievance_type'?" in m
               for m in messages), messages
    assert any("required key 'grievance_type' not provided" in m for m in messages), messages


def test_the_nodal_officer_may_triage_and_an_officer_may_not(app, client, db_session, cpgrams):
    sm = app.appbuilder.sm
    staff_login(client, "admin", "admin")  # seeds the demo logins
    sm.add_user("nodal_rev", "Nodal", "Officer", "nodal@demo.ipgrs.invalid", sm.find_role("Nodal Officer"), password="nodal_rev")
    db_session.commit()
    client.get("/logout/")
    staff_login(client, "nodal_rev", "nodal_rev")
    assert client.get("/admin/cpgrams/triage").status_code == 200
    assert client.get("/admin/cpgrams/mapping").status_code == 200
    client.get("/logout/")
    staff_login(client, "spl_tahsildar", "spl_tahsildar")
    refused = client.get("/admin/cpgrams/triage")
    assert refused.status_code in (302, 403) and "triage-empty" not in refused.get_data(as_text=True)
