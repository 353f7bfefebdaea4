"""CSV and XLSX downloads: the figures and lists as shown, formulas neutralised, mobile numbers only for officers."""
from __future__ import annotations

import csv
import io
from urllib.parse import urlencode

import openpyxl
from sqlalchemy import select

from ipgrs.catalog.models import Department
from ipgrs.dashboards import exports
from tests.dashboards.helpers import JANUARY
from tests.officers.helpers import officer_login
from tests.portal.helpers import staff_login

Q = "?" + urlencode(JANUARY)


def read_csv(data: bytes) -> list[list[str]]:
    assert data.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def read_xlsx(data: bytes) -> list[list]:
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_neutralise_prefixes_every_formula_start_and_leaves_numbers():
    rows = [["=HYPERLINK(\"http://evil\")", "+91 98450", "-2+3", "@SUM(A1)", "\tx", "plain", 7, -3, 2.5]]
    text = read_csv(exports.to_csv(["a"] * 9, rows))
    assert text[1] == ["'=HYPERLINK(\"http://evil\")", "'+91 98450", "'-2+3", "'@SUM(A1)", "'\tx", "plain", "7", "-3", "2.5"]
    sheet = read_xlsx(exports.to_xlsx(["a"] * 9, rows))
    assert sheet[1] == ["'=HYPERLINK(\"http://evil\")", "'+91 98450", "'-2+3", "'@SUM(A1)", "'\tx", "plain", 7, -3, 2.5]


def test_dashboard_tables_download_as_csv_and_xlsx(client, db_session, six):
    staff_login(client, "monitor", "monitor")
    response = client.get("/dashboards/export/channels.csv" + Q)
    assert response.status_code == 200 and response.headers["Content-Disposition"] == 'attachment; filename="channels.csv"'
    assert read_csv(response.data) == [["Channel", "Received", "Share %"], ["Web portal", "3", "50.0"],
                                       ["CPGRAMS", "2", "33.3"], ["Helpline 1902", "1", "16.7"]]
    response = client.get("/dashboards/export/pendency_district.xlsx" + Q)
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    assert read_xlsx(response.data) == [["District", "Received", "Pending", "Overdue"], ["Bengaluru Urban", 4, 3, 1],
                                        ["Mysuru", 2, 1, 1]]
    assert client.get("/dashboards/export/nothing.csv").status_code == 404


def test_a_formula_in_a_name_is_neutralised_in_downloads(client, db_session, six):
    revenue = db_session.scalar(select(Department).where(Department.code == "REV"))
    revenue.name_en = "=cmd|' /C calc'!A0"
    db_session.commit()
    staff_login(client, "monitor", "monitor")
    rows = read_csv(client.get("/dashboards/export/pendency_department.csv" + Q).data)
    assert rows[1][0] == "'=cmd|' /C calc'!A0"
    sheet = read_xlsx(client.get("/dashboards/grievances.xlsx" + Q).data)
    assert {row[2] for row in sheet[1:]} == {"'=cmd|' /C calc'!A0"}


def test_lists_carry_mobile_numbers_only_for_officers(client, db_session, six):
    mobiles = {g.citizen.mobile for g in six.values()}
    staff_login(client, "monitor", "monitor")
    for kind in ("csv", "xlsx"):
        data = client.get(f"/dashboards/grievances.{kind}" + Q).data
        rows = read_csv(data) if kind == "csv" else read_xlsx(data)
        assert len(rows) == 7 and "Citizen's mobile" not in rows[0]
        flat = " ".join(str(v) for row in rows for v in row)
        assert not any(m in flat or m[3:] in flat for m in mobiles)
        assert {row[0] for row in rows[1:]} == {g.number for g in six.values()}
    officer_login(client, "tahsildar")
    rows = read_csv(client.get("/dashboards/grievances.csv" + Q).data)
    assert rows[0][-1] == "Citizen's mobile"
    # "+91…" starts like a formula, so it is prefixed too
    assert {row[-1] for row in rows[1:]} == {"'" + six["B"].citizen.mobile, "'" + six["F"].citizen.mobile}
