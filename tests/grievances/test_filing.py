"""Filing: one transaction that numbers, decides, assigns, times, records and notifies — or stores nothing."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from ipgrs import clock
from ipgrs.catalog.models import Post
from ipgrs.grievances import services
from ipgrs.grievances.models import Grievance, GrievanceAttachment, GrievanceEvent
from ipgrs.notifications.models import Notification
from ipgrs.officers.models import Posting
from tests.factories import make_citizen, png_bytes, rtc_filing, upload


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def test_filing_numbers_decides_assigns_and_notifies(db_session, app):
    citizen = make_citizen(db_session)
    g = services.file_grievance(db_session, citizen, rtc_filing())
    assert re.fullmatch(rf"KA-{clock.now().year}-\d{{8}}", g.number)
    assert g.status == "open" and g.channel == "WEB"
    # Bengaluru Urban land records go to the special tahsildar (rule 1 of rev.yaml)
    assert g.assigned_post.code == "SPL_TAHSILDAR" and g.level == 1
    assert g.decision["rules_fired"] == ["Bengaluru Urban land records go to the special tahsildar"]
    assert g.decision["escalation"][0] == "SPL_TAHSILDAR"
    assert g.ruleset_version_id == app.extensions["ipgrs.rules"].version_id
    assert g.assigned_officer is not None and g.assigned_officer.name
    assert g.taluk.name_en == "Anekal" and g.district.name_en == "Bengaluru Urban"
    assert g.form_data == {"survey_number": "123/2A", "village_name": "Chandapura"}
    assert g.due_at > clock.now() + timedelta(days=g.decision["timeline_days"][0])  # working days exceed calendar days
    kinds = [e.kind for e in db_session.scalars(select(GrievanceEvent).where(GrievanceEvent.grievance_id == g.id))]
    assert kinds == ["filed", "assigned"]
    sms = db_session.scalar(select(Notification).where(Notification.key == f"grievance:{g.number}:filed:sms"))
    assert sms is not None and g.number in sms.body and sms.recipient == citizen.mobile
    assert db_session.scalar(select(func.count()).select_from(Notification)
                             .where(Notification.key.like(f"grievance:{g.number}:assigned:%"))) >= 1


def test_profile_facts_reach_the_rules(db_session):
    from datetime import date

    senior = make_citizen(db_session, date_of_birth=date(1950, 1, 1), district="Mysuru", taluk="Hunsur", pincode="571105")
    g = services.file_grievance(db_session, senior, rtc_filing(
        grievance_type="REV_PENSION_NOT_CREDITED", category=None, subcategory=None,
        form={"pension_id": "OAP/2020/1234", "months_not_received": 3, "mode_of_payment": "BANK"}))
    assert g.assigned_post.code == "DC" and g.priority == "high"
    assert g.decision["facts"]["citizen"]["age"] >= 70


def test_a_vacant_post_passes_the_grievance_up_the_chain(db_session):
    citizen = make_citizen(db_session, district="Mysuru", taluk="Hunsur", pincode="571105")
    tahsildar = db_session.scalar(select(Post).where(Post.code == "TAHSILDAR", Post.department.has(code="REV")))
    db_session.execute(update(Posting).where(Posting.post_id == tahsildar.id).values(active=False))
    db_session.commit()
    g = services.file_grievance(db_session, citizen, rtc_filing())
    assert g.decision["escalation"][0] == "TAHSILDAR"
    assert g.level == 2 and g.assigned_post.code == g.decision["escalation"][1]
    assert "TAHSILDAR (Hunsur, Mysuru)" in g.vacancy_note
    assert g.assigned_officer is not None


@pytest.mark.parametrize("change, field, message", [
    (dict(grievance_type="NO_SUCH_TYPE"), "grievance_type", "is not a grievance type we know"),
    (dict(category="NOPE"), "category", "is not a category of this grievance"),
    (dict(subcategory="NOPE"), "subcategory", "is not a subcategory"),
    (dict(description="short"), "description", "Description: describe the grievance in 10 to 4000 characters"),
    (dict(form={"survey_number": "12; DROP TABLE", "village_name": "X"}), "form.survey_number", "Survey number"),
    (dict(form={"village_name": "X"}), "form.survey_number", "required"),
    (dict(location={"where": "other", "district": "Atlantis", "taluk": "X"}), "location.district", "is not a district of Karnataka"),
    (dict(location={"where": "other", "district": "Mysuru", "taluk": "Anekal"}), "location.taluk", "is not a taluk of Mysuru"),
    (dict(location={"where": "other", "district": "Mysuru", "taluk": "Hunsur", "latitude": 40, "longitude": 77}), "location.latitude", "Latitude"),
    (dict(channel="PIGEON"), "channel", "is not a channel"),
])
def test_bad_input_names_the_field_and_stores_nothing(db_session, change, field, message):
    citizen = make_citizen(db_session)
    before = (count(db_session, Grievance), count(db_session, GrievanceEvent), count(db_session, Notification))
    with pytest.raises(services.FilingInvalid) as info:
        services.file_grievance(db_session, citizen, rtc_filing(**change))
    assert field in info.value.errors, info.value.errors
    assert any(message in m for m in info.value.errors[field]), info.value.errors[field]
    assert (count(db_session, Grievance), count(db_session, GrievanceEvent), count(db_session, Notification)) == before


def test_attachments_are_stored_and_a_disguised_executable_stores_nothing(db_session, app, tmp_path):
    from ipgrs.grievances import attachments

    citizen = make_citizen(db_session)
    g = services.file_grievance(db_session, citizen, rtc_filing(uploads=[(None, upload("../../etc/passwd.png", png_bytes()))]))
    [item] = g.attachments
    assert item.content_type == "image/png" and "/" not in item.original_name and ".." not in item.original_name
    assert attachments.open_stored(item.stored_name).read_bytes() == png_bytes()
    files_before = _stored_files(app)
    rows_before = count(db_session, GrievanceAttachment), count(db_session, Grievance)
    with pytest.raises(services.FilingInvalid) as info:
        services.file_grievance(db_session, citizen, rtc_filing(uploads=[
            (None, upload("photo.png", png_bytes())), (None, upload("report.pdf", b"MZ\x90\x00" + b"\x00" * 200))]))
    assert "attachments" in info.value.errors and "report.pdf" in info.value.errors["attachments"][0]
    assert (count(db_session, GrievanceAttachment), count(db_session, Grievance)) == rows_before
    assert _stored_files(app) == files_before


def test_a_failure_after_files_are_written_removes_them(db_session, app, monkeypatch):
    citizen = make_citizen(db_session)
    before_files, before_rows = _stored_files(app), count(db_session, Grievance)

    def explode(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "_record", explode)
    with pytest.raises(RuntimeError):
        services.file_grievance(db_session, citizen, rtc_filing(uploads=[(None, upload("a.png", png_bytes()))]))
    assert _stored_files(app) == before_files
    assert count(db_session, Grievance) == before_rows


def _stored_files(app) -> set:
    from pathlib import Path

    root = Path(app.config["ATTACHMENT_DIR"])
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def test_numbers_are_unique_under_concurrent_filing(app):
    """Twenty filings from eight threads, each in its own session: twenty distinct numbers."""
    from concurrent.futures import ThreadPoolExecutor

    from ipgrs.extensions import db

    with app.app_context():
        citizen_id = make_citizen(db.session).id
        db.session.remove()

    def file_one(_):
        with app.app_context():
            from ipgrs.citizens.models import Citizen
            try:
                citizen = db.session.get(Citizen, citizen_id)
                return services.file_grievance(db.session, citizen, rtc_filing()).number
            finally:
                db.session.remove()

    with ThreadPoolExecutor(8) as pool:
        numbers = list(pool.map(file_one, range(20)))
    assert len(set(numbers)) == 20
    with app.app_context():
        stored = db.session.scalars(select(Grievance.number).where(Grievance.citizen_id == citizen_id)).all()
        _delete_citizen_and_grievances(db.session, citizen_id)  # this test committed for real; leave nothing behind
        db.session.remove()
    assert sorted(stored) == sorted(numbers)


def _delete_citizen_and_grievances(session, citizen_id):
    from sqlalchemy import delete

    from ipgrs.citizens.models import Citizen

    ids = select(Grievance.id).where(Grievance.citizen_id == citizen_id)
    numbers = session.scalars(select(Grievance.number).where(Grievance.citizen_id == citizen_id)).all()
    for number in numbers:
        session.execute(delete(Notification).where(Notification.key.like(f"grievance:{number}:%")))
    session.execute(delete(GrievanceAttachment).where(GrievanceAttachment.grievance_id.in_(ids)))
    session.execute(delete(GrievanceEvent).where(GrievanceEvent.grievance_id.in_(ids)))
    session.execute(delete(Grievance).where(Grievance.citizen_id == citizen_id))
    session.execute(delete(Citizen).where(Citizen.id == citizen_id))
    session.commit()
