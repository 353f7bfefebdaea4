"""The coverage matrix: post × district, from active postings of active officers."""
from __future__ import annotations

from sqlalchemy import select, update

from ipgrs.catalog.coverage import coverage
from ipgrs.catalog.models import District, Post, Taluk
from ipgrs.officers.models import Posting


def test_the_seeded_officers_hold_every_post_everywhere(db_session, shipped_catalogue):
    matrix = coverage(db_session, shipped_catalogue, "REV")
    assert matrix.gaps() == [] and matrix.lines() == []
    assert len(matrix.districts) == 31 and ("TAHSILDAR", "taluk") in matrix.posts
    cell = matrix.cell("TAHSILDAR", "Mysuru")
    assert cell.complete and cell.covered == cell.total > 1


def test_vacant_posts_show_in_the_matrix(db_session, shipped_catalogue):
    def post(code):
        return db_session.scalar(select(Post).where(Post.code == code, Post.department.has(code="REV")))

    mysuru = db_session.scalar(select(District).where(District.name_en == "Mysuru"))
    hunsur = db_session.scalar(select(Taluk).where(Taluk.name_en == "Hunsur", Taluk.district_id == mysuru.id))
    db_session.execute(update(Posting).where(Posting.post_id == post("TAHSILDAR").id, Posting.taluk_id == hunsur.id).values(active=False))
    db_session.execute(update(Posting).where(Posting.post_id == post("DC").id, Posting.district_id == mysuru.id).values(active=False))
    db_session.execute(update(Posting).where(Posting.post_id == post("SEC").id).values(active=False))
    db_session.commit()

    matrix = coverage(db_session, shipped_catalogue, "REV")
    tahsildar = matrix.cell("TAHSILDAR", "Mysuru")
    assert tahsildar.missing == ("Hunsur",) and tahsildar.covered == tahsildar.total - 1
    assert matrix.cell("DC", "Mysuru").covered == 0 and matrix.cell("DC", "Mandya").complete
    assert all(matrix.cell("SEC", d).covered == 0 for d in matrix.districts)
    assert {(c.post, c.district) for c in matrix.gaps()} == {("TAHSILDAR", "Mysuru"), ("DC", "Mysuru")} | {("SEC", d) for d in matrix.districts}
    lines = matrix.lines()
    assert f"REV TAHSILDAR (taluk): Mysuru: {tahsildar.covered} of {tahsildar.total} taluks (none in Hunsur)" in lines
    assert "REV DC (district): no officer in 1 of 31 districts (Mysuru)" in lines
    assert "REV SEC (state): no officer holds it" in lines
    row = next(r for r in matrix.to_dict()["rows"] if r["post"] == "DC")
    assert {c["district"]: c["covered"] for c in row["cells"]}["Mysuru"] == 0
