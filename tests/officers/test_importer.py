"""Officers and postings from CSV: every row checked first, row-by-row errors, all or nothing, take-overs."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from ipgrs.catalog.models import Department, Post, Taluk
from ipgrs.officers import importer
from ipgrs.officers.models import Officer, Posting

HEADER = "department,post,district,taluk,name,mobile,email"


def csv(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join((header,) + rows) + "\n").encode("utf-8")


def counts(session) -> tuple[int, int, int]:
    return (session.scalar(select(func.count()).select_from(Officer)),
            session.scalar(select(func.count()).select_from(Posting)),
            session.scalar(select(func.count()).select_from(Posting).where(Posting.active)))


def holders(session, post_code: str, taluk: str | None = None, district_post: str | None = None) -> list[tuple[str, bool]]:
    query = (select(Officer.name, Posting.additional_charge).join(Posting).join(Post, Post.id == Posting.post_id)
             .join(Department).where(Department.code == "REV", Post.code == post_code, Posting.active))
    if taluk:
        query = query.join(Taluk, Taluk.id == Posting.taluk_id).where(Taluk.name_en == taluk)
    return sorted(session.execute(query).all())


def errors_of(session, data: bytes) -> list[str]:
    with pytest.raises(importer.ImportInvalid) as refused:
        importer.import_officers(session, data)
    return refused.value.errors


def test_a_valid_file_creates_takes_over_and_adds_charges(db_session):
    before = counts(db_session)
    report = importer.import_officers(db_session, csv(
        "REV,TAHSILDAR,Mysuru,Hunsur,Shantha Kumari,98450 12345,shantha@ksrsac.example",
        "REV,AC,Mysuru,,Shantha Kumari,+91 98450 12345,",              # the same person, by mobile: another posting
        "REV,SEC,,,Uma Rao,9845012347,uma@example.org",
    ))
    assert (report.rows, report.officers_created, report.postings_created) == (3, 2, 3)
    assert report.postings_taken_over == 3  # the demo Tahsildar of Hunsur, AC of Mysuru and the Secretary
    assert holders(db_session, "TAHSILDAR", "Hunsur") == [("Shantha Kumari", False)]
    shantha = db_session.scalar(select(Officer).where(Officer.mobile == "+919845012345"))
    assert shantha.email == "shantha@ksrsac.example" and len(shantha.postings) == 2
    officers, postings, active = counts(db_session)
    assert (officers, postings, active) == (before[0] + 2, before[1] + 3, before[2])

    extra = importer.import_officers(db_session, csv(
        "rev,tahsildar,Mysuru,Hunsur,Ravi Hegde,9845012346,,yes", header=HEADER + ",additional_charge"))  # codes in any case
    assert (extra.officers_created, extra.postings_created, extra.postings_taken_over) == (1, 1, 0)
    assert holders(db_session, "TAHSILDAR", "Hunsur") == [("Ravi Hegde", True), ("Shantha Kumari", False)]

    again = importer.import_officers(db_session, csv(
        "REV,TAHSILDAR,Mysuru,Hunsur,Shantha Kumari,9845012345,shantha@ksrsac.example"))
    assert (again.officers_created, again.officers_updated, again.postings_created, again.postings_unchanged) == (0, 0, 0, 1)
    assert again.postings_taken_over == 1  # a substantive posting ends the additional charge
    assert holders(db_session, "TAHSILDAR", "Hunsur") == [("Shantha Kumari", False)]
    renamed = importer.import_officers(db_session, csv("REV,SEC,,,Uma R. Rao,9845012347,"))
    assert renamed.officers_updated == 1 and renamed.postings_unchanged == 1
    assert holders(db_session, "SEC") == [("Uma R. Rao", False)]


def test_the_new_holder_gets_the_grievances_of_the_post(db_session):
    from tests.officers.helpers import rtc_in_hunsur
    from ipgrs.officers.inbox import scope_of

    g = rtc_in_hunsur(db_session)
    importer.import_officers(db_session, csv("REV,TAHSILDAR,Mysuru,Hunsur,Shantha Kumari,9845012345,"))
    newcomer = db_session.scalar(select(Officer).where(Officer.mobile == "+919845012345"))
    assert scope_of(db_session, newcomer, g) == "mine"
    assert scope_of(db_session, g.assigned_officer, g) is None  # the predecessor's posting has ended


ERROR_CASES = [
    ("REV,TAHSILDR,Mysuru,Hunsur,A B,9845012345,", "row 2: post 'TAHSILDR' is not a post of REV; did you mean 'TAHSILDAR'?"),
    ("REVENUE,TAHSILDAR,Mysuru,Hunsur,A B,9845012345,", "row 2: department 'REVENUE' is not a department"),
    ("REV,TAHSILDAR,Mysore,Hunsur,A B,9845012345,", "row 2: district 'Mysore' is not a district of Karnataka; did you mean 'Mysuru'?"),
    ("REV,TAHSILDAR,Mysuru,Hunsuru,A B,9845012345,", "row 2: taluk 'Hunsuru' is not a taluk of Mysuru; did you mean 'Hunsur'?"),
    ("REV,TAHSILDAR,Mysuru,,A B,9845012345,", "row 2: post TAHSILDAR is a taluk-level post: give the district and the taluk."),
    ("REV,DC,Mysuru,Hunsur,A B,9845012345,", "row 2: post DC is a district-level post: give the district and leave the taluk empty."),
    ("REV,SEC,Mysuru,,A B,9845012345,", "row 2: post SEC is a state-level post: leave the district and the taluk empty."),
    ("REV,TAHSILDAR,,Hunsur,A B,9845012345,", "row 2: taluk 'Hunsur' is given without its district"),
    ("REV,TAHSILDAR,Mysuru,Hunsur,A B,12345,", "row 2: mobile '12345': Enter a"),
    ("REV,TAHSILDAR,Mysuru,Hunsur,A B,9845012345,not-an-email", "row 2: email 'not-an-email' is not an email address"),
    ("REV,TAHSILDAR,Mysuru,Hunsur,,9845012345,", "row 2: name is empty"),
]


@pytest.mark.parametrize("row, message", ERROR_CASES, ids=[m.split(": ", 1)[1][:30] for _, m in ERROR_CASES])
def test_each_error_names_its_row(db_session, row, message):
    errors = errors_of(db_session, csv(row))
    assert any(e.startswith(message) for e in errors), errors


def test_duplicates_and_header_problems(db_session):
    row = "REV,TAHSILDAR,Mysuru,Hunsur,A B,9845012345,"
    assert errors_of(db_session, csv(row, row)) == ["row 3: repeats row 2 (the same officer and posting)."]
    clash = errors_of(db_session, csv(row, "REV,TAHSILDAR,Mysuru,Hunsur,C D,9845012399,"))
    assert clash == ["row 3: TAHSILDAR for Hunsur, Mysuru is already given to row 2; write additional_charge=yes on one of them."]
    same_mobile = errors_of(db_session, csv(row, "REV,AC,Mysuru,,Someone Else,9845012345,"))
    assert same_mobile[0].startswith("row 3: mobile +919845012345 is also row 2's, for A B")
    assert errors_of(db_session, csv(row, header="department,post,district,name,mobile,email")) == [
        "row 1: missing column 'taluk'; the header is: department, post, district, taluk, name, mobile, email (and optionally additional_charge)."]
    unknown = errors_of(db_session, csv(row + ",x", header=HEADER + ",adittional_charge"))
    assert unknown == ["row 1: unknown column 'adittional_charge'; did you mean 'additional_charge'?"]
    charge = errors_of(db_session, csv(row + ",perhaps", header=HEADER + ",additional_charge"))
    assert charge == ["row 2: additional_charge 'perhaps': write yes or no"]
    assert errors_of(db_session, csv()) == ["The file has no rows below the header."]
    assert errors_of(db_session, "कुछ".encode("utf-16")) == ["The file is not UTF-8 text: save it from the spreadsheet as 'CSV UTF-8'."]


def test_nothing_is_written_unless_every_row_is_valid(db_session):
    before = counts(db_session)
    errors = errors_of(db_session, csv(
        "REV,TAHSILDAR,Mysuru,Hunsur,Shantha Kumari,9845012345,",
        "REV,AC,Mysuru,,Ravi Hegde,9845012346,",
        "REV,TAHSILDR,Mysuru,Hunsur,Uma Rao,9845012347,",
        "REV,SEC,Mysuru,,Uma Rao,9845012347,",
    ))
    assert [e.split(":")[0] for e in errors] == ["row 4", "row 5"]
    assert counts(db_session) == before
    assert holders(db_session, "TAHSILDAR", "Hunsur") != [("Shantha Kumari", False)]


def test_a_spreadsheet_export_with_bom_kannada_and_blank_lines(db_session):
    data = "\ufeff" + HEADER + "\nREV,TAHSILDAR,Mysuru,Hunsur,ಶಾಂತಾ ಕುಮಾರಿ,9845012345,\n,,,,,,\n"
    report = importer.import_officers(db_session, data.encode("utf-8"))
    assert report.rows == 1 and holders(db_session, "TAHSILDAR", "Hunsur") == [("ಶಾಂತಾ ಕುಮಾರಿ", False)]


def test_the_cli_command(app, db_session, tmp_path):
    from ipgrs.cli import main

    good = tmp_path / "officers.csv"
    good.write_bytes(csv("REV,TAHSILDAR,Mysuru,Hunsur,Shantha Kumari,9845012345,"))
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv("REV,TAHSILDR,Mysuru,Hunsur,Shantha Kumari,9845012345,"))
    runner = app.test_cli_runner()
    refused = runner.invoke(main, ["officers", "import", str(bad)])
    assert refused.exit_code == 1
    assert "row 2: post 'TAHSILDR' is not a post of REV; did you mean 'TAHSILDAR'?" in refused.output
    done = runner.invoke(main, ["officers", "import", str(good)])
    assert done.exit_code == 0, done.output
    assert "officers 1 created, 0 updated; postings 1 created" in done.output
    assert holders(db_session, "TAHSILDAR", "Hunsur") == [("Shantha Kumari", False)]
