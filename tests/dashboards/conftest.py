"""Fixtures for the dashboards: the six hand-made grievances, the rollup refreshed at NOW, and logins per role."""
from __future__ import annotations

import pytest
from flask import current_app
from sqlalchemy import select

from ipgrs.catalog.models import Department, District, Post
from ipgrs.dashboards import rollups, transparency
from ipgrs.officers.models import Officer, Posting
from tests.dashboards.helpers import NOW, six_grievances


@pytest.fixture
def six(db_session):
    transparency.clear_cache()
    grievances = six_grievances(db_session)
    rollups.refresh(db_session, now=NOW)
    yield grievances
    transparency.clear_cache()


def make_nodal_login(session, username="nodal_rev", department="REV", district="Mysuru", post="DC") -> Officer:
    """A login with the Nodal Officer role for the officer holding `post` of `department` in `district`."""
    from ipgrs.demo import seed

    seed()
    sm = current_app.appbuilder.sm
    officer = session.scalar(select(Officer).join(Posting).join(Post, Post.id == Posting.post_id)
                             .join(Department, Department.id == Post.department_id)
                             .join(District, District.id == Posting.district_id)
                             .where(Department.code == department, Post.code == post, District.name_en == district,
                                    Posting.active).limit(1))
    user = sm.find_user(username=username) or sm.add_user(username, "Nodal", "Officer", f"{username}@demo.ipgrs.invalid",
                                                          sm.find_role("Nodal Officer"), password=username)
    officer.user_id = user.id
    session.commit()
    return officer
