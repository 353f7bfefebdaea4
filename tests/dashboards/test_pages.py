"""The dashboard pages by role: who sees what, the drill-down from a figure, and the refusals."""
from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest

from ipgrs.dashboards import scope
from tests.dashboards.conftest import make_nodal_login
from tests.dashboards.helpers import JANUARY
from tests.officers.helpers import officer_login
from tests.portal.helpers import staff_login

Q = "?" + urlencode(JANUARY)


def kpi(html: bytes, name: str) -> str:
    return re.search(rf'id="kpi-{name}">([^<]*)<', html.decode()).group(1)


def test_the_state_monitor_sees_the_whole_state_and_drills_down(client, six):
    staff_login(client, "monitor", "monitor")
    page = client.get("/dashboards/" + Q)
    assert page.status_code == 200, page.data[:300]
    html = page.data.decode()
    assert "All of Karnataka" in html and 'id="as-of"' in html and "Figures as of" in html
    assert (kpi(page.data, "received"), kpi(page.data, "pending"), kpi(page.data, "overdue")) == ("6", "4", "2")
    assert kpi(page.data, "cpgrams") == "33.3%"
    assert "vendor/chart.js/chart.umd.min.js" in html and 'id="chart-pendency_district"' in html
    link = re.search(r'<a href="([^"]*district=BLU[^"]*)">Bengaluru Urban</a>', html).group(1).replace("&amp;", "&")
    listing = client.get(link)
    assert listing.status_code == 200
    assert re.search(r'id="list-total">(\d+)<', listing.data.decode()).group(1) == "3"   # A, B and F are pending there
    numbers = set(re.findall(r"KA-\d{4}-\d{8}", listing.data.decode()))
    assert numbers == {six["A"].number, six["B"].number, six["F"].number}


def test_kannada_dashboard(client, six):
    staff_login(client, "monitor", "monitor")
    html = client.get("/dashboards/" + Q + "&lang=kn").data.decode()
    assert "ಕುಂದುಕೊರತೆ ಡ್ಯಾಶ್‌ಬೋರ್ಡ್" in html and "ಇಲಾಖಾವಾರು ಬಾಕಿ" in html and "ಬೆಂಗಳೂರು ನಗರ" in html


def test_an_officer_sees_only_the_grievances_at_their_posts(client, db_session, six):
    officer_login(client, "tahsildar")       # Tahsildar of Anekal: B and F
    page = client.get("/dashboards/" + Q)
    assert page.status_code == 200 and "Grievances at your posts" in page.data.decode()
    assert (kpi(page.data, "received"), kpi(page.data, "pending"), kpi(page.data, "overdue")) == ("2", "2", "1")
    listing = client.get("/dashboards/grievances" + Q).data.decode()
    assert set(re.findall(r"KA-\d{4}-\d{8}", listing)) == {six["B"].number, six["F"].number}
    officer_login(client, "tahsildar_hunsur")  # C and E
    assert kpi(client.get("/dashboards/" + Q).data, "received") == "2"
    listing = client.get("/dashboards/grievances" + Q).data.decode()
    assert set(re.findall(r"KA-\d{4}-\d{8}", listing)) == {six["C"].number, six["E"].number}


def test_a_nodal_officer_sees_their_department(client, db_session, six):
    officer = make_nodal_login(db_session)    # the DC of Mysuru, as Revenue's nodal officer
    assert scope.for_officer(db_session, officer, nodal=True).kind == scope.DEPARTMENT
    officer_login(client, "nodal_rev")
    page = client.get("/dashboards/" + Q)
    assert page.status_code == 200 and "Your departments" in page.data.decode()
    assert kpi(page.data, "received") == "6"
    energy = make_nodal_login(db_session, "nodal_energy", department="ENERGY", post=_energy_district_post(db_session))
    assert energy is not None
    officer_login(client, "nodal_energy")
    assert kpi(client.get("/dashboards/" + Q).data, "received") == "0"
    assert "KA-" not in client.get("/dashboards/grievances" + Q).data.decode()


def _energy_district_post(session) -> str:
    from sqlalchemy import select

    from ipgrs.catalog.models import Department, Post
    return session.scalar(select(Post.code).join(Department).where(Department.code == "ENERGY", Post.level == "district").limit(1))


def test_admin_sees_all(client, six):
    staff_login(client, "admin", "admin")
    page = client.get("/dashboards/" + Q)
    assert page.status_code == 200 and kpi(page.data, "received") == "6"


@pytest.mark.parametrize("path", ["/dashboards/", "/dashboards/grievances", "/dashboards/export/channels.csv",
                                  "/dashboards/grievances.csv"])
def test_operators_citizens_and_the_public_are_refused(client, six, path):
    anonymous = client.get(path)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    staff_login(client, "operator", "operator")
    refused = client.get(path)
    assert refused.status_code in (302, 403) and b"KA-" not in refused.data
    if refused.status_code == 302:
        assert "/dashboards" not in refused.headers["Location"]


def test_an_officer_role_without_an_officer_record_is_refused(client, db_session, six):
    from flask import current_app

    sm = current_app.appbuilder.sm
    sm.add_user("orphan", "No", "Officer", "orphan@demo.ipgrs.invalid", sm.find_role("Officer"), password="orphan")
    staff_login(client, "orphan", "orphan")
    page = client.get("/dashboards/")
    assert page.status_code == 403 and b"not linked to an officer" in page.data


def test_bad_filters_name_their_field(client, six):
    staff_login(client, "monitor", "monitor")
    page = client.get("/dashboards/?from=yesterday&channel=FAX")
    assert page.status_code == 400
    assert b'id="filter-from-error"' in page.data and b'id="filter-channel-error"' in page.data
    assert "Filed from: a date as YYYY-MM-DD." in page.data.decode()
    page = client.get("/dashboards/?from=2026-01-20&to=2026-01-10&lang=kn").data.decode()
    assert "ಸಲ್ಲಿಸಿದ ದಿನಾಂಕದವರೆಗೆ: ಸಲ್ಲಿಸಿದ ದಿನಾಂಕದಿಂದ ದಿನಾಂಕದಂದು ಅಥವಾ ನಂತರ ಇರಬೇಕು." in page  # the errors in Kannada too


def test_a_nodal_login_assigned_a_department_sees_it_without_being_an_officer(app, client, db_session, six):
    from ipgrs.demo import seed
    from tests.configuration.helpers import nodal_officer

    seed()
    nodal_officer(db_session, app, "nodal_unassigned")
    staff_login(client, "nodal_unassigned", "nodal_unassigned")
    assert client.get("/dashboards/" + Q).status_code == 403   # a nodal login with no department yet
    nodal_officer(db_session, app, "nodal_rev_only", "REV")
    officer_login(client, "nodal_rev_only")
    page = client.get("/dashboards/" + Q)
    assert page.status_code == 200 and kpi(page.data, "received") == "6"
    listing = client.get("/dashboards/grievances" + Q).data.decode()
    assert set(re.findall(r"KA-\d{4}-\d{8}", listing)) == {g.number for g in six.values()}
