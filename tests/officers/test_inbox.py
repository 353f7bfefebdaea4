"""The inbox query layer: who sees which grievance (mine, supervision, nothing), filters, counts, order, pages."""
from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event, select

from ipgrs import clock
from ipgrs.catalog.models import Department, Post
from ipgrs.grievances import workflow
from ipgrs.officers import inbox
from ipgrs.officers.inbox import InboxFilters, grievances_for, scope_of
from ipgrs.officers.models import Officer, Posting
from tests.officers.helpers import mutation_in_anekal, officer_of, rtc_in_anekal, rtc_in_hunsur


@pytest.fixture
def demo_officers(app, db_session):
    from ipgrs.demo import seed

    seed()
    return {name: officer_of(db_session, name) for name in
            ("spl_tahsildar", "tahsildar", "ac_blr", "dc_blr", "rev_secretary", "tahsildar_hunsur")}


def numbers(rows) -> list[str]:
    return [r.grievance.number for r in rows]


def holder(session, dept: str, post: str, district: str | None = None) -> Officer:
    query = (select(Officer).join(Posting).join(Post, Post.id == Posting.post_id).join(Department)
             .where(Department.code == dept, Post.code == post, Posting.active))
    if district:
        from ipgrs.catalog.models import District
        query = query.join(District, District.id == Posting.district_id).where(District.name_en == district)
    return session.scalars(query.limit(1)).first()


def move_to_level(session, g, level: int):
    """What an escalation does to the grievance's place in its chain (the sweep itself is tested elsewhere)."""
    code = g.decision["escalation"][level - 1]
    g.level = level
    g.assigned_post = session.scalar(select(Post).join(Department).where(Department.code == "REV", Post.code == code))
    session.commit()


def test_the_post_holder_sees_it_as_mine_and_the_chain_above_as_supervision(db_session, demo_officers):
    g = rtc_in_anekal(db_session)
    o = demo_officers
    assert g.assigned_post.code == "SPL_TAHSILDAR"
    assert scope_of(db_session, o["spl_tahsildar"], g) == "mine"
    for supervisor in ("ac_blr", "dc_blr", "rev_secretary"):
        assert scope_of(db_session, o[supervisor], g) == "supervision", supervisor
    # The Tahsildar of Anekal is not in this grievance's chain; Hunsur is another taluk.
    assert scope_of(db_session, o["tahsildar"], g) is None
    assert scope_of(db_session, o["tahsildar_hunsur"], g) is None
    rows, total, _ = grievances_for(db_session, o["ac_blr"])
    assert total == 1 and [r.scope for r in rows] == ["supervision"]


def test_district_and_department_bound_supervision(db_session, demo_officers):
    g = rtc_in_anekal(db_session)
    mysuru_dc = holder(db_session, "REV", "DC", "Mysuru")
    assert scope_of(db_session, mysuru_dc, g) is None  # a DC supervises the taluks of their own district only
    other_department = holder(db_session, "FCS", next(iter(
        p.code for p in db_session.scalars(select(Post).join(Department).where(Department.code == "FCS", Post.level == "district")))),
        "Bengaluru Urban")
    assert scope_of(db_session, other_department, g) is None
    hunsur = rtc_in_hunsur(db_session)
    assert scope_of(db_session, demo_officers["tahsildar_hunsur"], hunsur) == "mine"
    assert scope_of(db_session, demo_officers["dc_blr"], hunsur) is None
    assert scope_of(db_session, mysuru_dc, hunsur) == "supervision"


def test_supervision_is_only_of_levels_below_and_of_pending_grievances(db_session, demo_officers):
    o = demo_officers
    g = rtc_in_anekal(db_session)
    move_to_level(db_session, g, 2)  # now with the Assistant Commissioner
    assert scope_of(db_session, o["ac_blr"], g) == "mine"
    assert scope_of(db_session, o["dc_blr"], g) == "supervision"
    assert scope_of(db_session, o["spl_tahsildar"], g) is None  # below the grievance now: nothing to see
    g.status = workflow.RESOLVED
    db_session.commit()
    assert scope_of(db_session, o["dc_blr"], g) is None  # supervision is of pending grievances
    assert scope_of(db_session, o["ac_blr"], g) == "mine"


def test_an_additional_charge_brings_the_posts_grievances(db_session, demo_officers):
    g = mutation_in_anekal(db_session)
    hunsur_tahsildar = demo_officers["tahsildar_hunsur"]
    assert scope_of(db_session, hunsur_tahsildar, g) is None
    db_session.add(Posting(officer_id=hunsur_tahsildar.id, post_id=g.assigned_post_id, district_id=g.district_id,
                           taluk_id=g.taluk_id, additional_charge=True, active=True))
    db_session.commit()
    assert scope_of(db_session, hunsur_tahsildar, g) == "mine"


def test_filters_and_counts(db_session, demo_officers):
    dc = demo_officers["dc_blr"]
    rtc = [rtc_in_anekal(db_session) for _ in range(3)]
    mutation = mutation_in_anekal(db_session)
    rtc[0].status = workflow.ACCEPTED
    rtc[1].due_at = clock.now() - timedelta(days=3)        # overdue
    rtc[2].due_at = clock.now() + timedelta(hours=30)      # due within 2 days
    mutation.status, mutation.channel = workflow.AWAITING_CITIZEN, "HELPLINE_1902"
    db_session.commit()

    rows, total, counts = grievances_for(db_session, dc)
    assert total == 4 and {r.scope for r in rows} == {"supervision"}
    assert counts["status"] == {"open": 2, "accepted": 1, "awaiting_citizen": 1}
    assert counts["sla"] == {"overdue": 1, "due_in_2_days": 1, "on_time": 1, "paused": 1}
    assert counts["channel"] == {"WEB": 3, "HELPLINE_1902": 1} and counts["department"] == {"REV": 4}

    def only(**kw):
        return sorted(numbers(grievances_for(db_session, dc, InboxFilters(**kw))[0]))

    assert only(sla="overdue") == [rtc[1].number]
    assert only(sla="due_in_2_days") == [rtc[2].number]
    assert only(sla="paused") == [mutation.number]  # a paused clock is never overdue
    assert only(status=("accepted",)) == [rtc[0].number]
    assert only(channel="HELPLINE_1902") == [mutation.number]
    assert only(service="MUTATION") == [mutation.number]
    assert only(department="REV", service="RTC") == sorted(g.number for g in rtc)
    assert only(department="FCS") == []
    assert len(only(district="Bengaluru Urban", taluk="Anekal")) == 4
    assert only(district="Mysuru") == [] and only(taluk="Hunsur") == []
    assert only(scope="mine") == [] and len(only(scope="supervision")) == 4

    # Counts of one facet apply every other filter but not their own.
    _, total, counts = grievances_for(db_session, dc, InboxFilters(status=("open",)))
    assert total == 2
    assert counts["status"] == {"open": 2, "accepted": 1, "awaiting_citizen": 1}
    assert counts["sla"] == {"overdue": 1, "due_in_2_days": 1}


def test_sorted_by_due_date_and_paginated(db_session, demo_officers):
    spl = demo_officers["spl_tahsildar"]
    filed = [rtc_in_anekal(db_session) for _ in range(5)]
    for days, g in zip((5, 1, 4, 2, 3), filed):
        g.due_at = clock.now() + timedelta(days=days)
    db_session.commit()
    by_due = [g.number for _, g in sorted(zip((5, 1, 4, 2, 3), filed))]
    first, total, _ = grievances_for(db_session, spl, InboxFilters(page_size=2))
    second, _, _ = grievances_for(db_session, spl, InboxFilters(page_size=2, page=2))
    third, _, _ = grievances_for(db_session, spl, InboxFilters(page_size=2, page=3))
    assert total == 5 and numbers(first + second + third) == by_due
    assert len(third) == 1 and inbox.page_count(total, InboxFilters(page_size=2)) == 3
    latest_first, _, _ = grievances_for(db_session, spl, InboxFilters(sort="-due"))
    assert numbers(latest_first) == by_due[::-1]
    newest, _, _ = grievances_for(db_session, spl, InboxFilters(sort="-filed"))
    assert numbers(newest) == [g.number for g in filed][::-1]


def test_the_inbox_is_a_fixed_number_of_queries_whatever_its_size(app, db_session, demo_officers):
    from ipgrs.extensions import db

    spl = demo_officers["spl_tahsildar"]
    statements = []

    def count(*_args, **_kw):
        statements.append(1)

    engine = db.engine
    rtc_in_anekal(db_session)
    event.listen(engine, "before_cursor_execute", count)
    try:
        grievances_for(db_session, spl, InboxFilters(page_size=3))
        few = len(statements)
        event.remove(engine, "before_cursor_execute", count)
        for _ in range(6):
            rtc_in_anekal(db_session)
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        rows, total, _ = grievances_for(db_session, spl, InboxFilters(page_size=3))
        assert total == 7 and len(rows) == 3   # one page loaded, the rest only counted
        assert len(statements) == few
    finally:
        if event.contains(engine, "before_cursor_execute", count):
            event.remove(engine, "before_cursor_execute", count)


def test_filter_values_are_checked():
    with pytest.raises(inbox.FiltersInvalid) as bad:
        InboxFilters.from_args({"status": "lost", "sla": "late", "page_size": "101", "page": "0", "sort": "name", "scope": "all"})
    assert set(bad.value.errors) == {"status", "sla", "page_size", "page", "sort", "scope"}
    assert "from 1 to 100" in bad.value.errors["page_size"][0]
    filters = InboxFilters.from_args({"status": "pending,resolved", "page_size": "100"})
    assert filters.status == inbox.PENDING + ("resolved",) and filters.page_size == 100
    assert InboxFilters.from_args({}, default_status=("pending",)).status == inbox.PENDING
    assert InboxFilters.from_args({"status": "all"}, default_status=("pending",)).status == ()


def test_sla_countdown_sentences(db_session):
    g = rtc_in_hunsur(db_session)
    # Due at noon in Bengaluru: the sentences count calendar days in IST, whatever time of day the test runs.
    g.due_at = g.due_at.astimezone(ZoneInfo("Asia/Kolkata")).replace(hour=12, minute=0, second=0, microsecond=0)
    now = g.due_at - timedelta(days=3)
    assert inbox.sla_text(g, now=now) == "due in 3 days"
    assert inbox.sla_text(g, now=g.due_at - timedelta(days=1)) == "due tomorrow"
    assert inbox.sla_text(g, now=g.due_at - timedelta(hours=1)) == "due today"
    assert inbox.sla_text(g, now=g.due_at + timedelta(days=2)) == "overdue by 2 days"
    assert inbox.sla_of(g, now=g.due_at + timedelta(minutes=1)) == "overdue"
    g.status = workflow.AWAITING_CITIZEN
    assert inbox.sla_of(g, now=g.due_at + timedelta(days=9)) == "paused"
    assert inbox.sla_text(g, now=g.due_at + timedelta(days=9)) == "paused: awaiting the citizen"
