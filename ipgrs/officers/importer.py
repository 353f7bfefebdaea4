"""Officers and their postings from a CSV file, as a department's nodal officer keeps them in a spreadsheet.

Columns: department, post, district, taluk, name, mobile, email, and optionally additional_charge (yes/no).
Post codes are the catalogue's; district and taluk their English names; state-level posts leave both empty.
Every row is checked first and every problem reported by its row number as the spreadsheet shows it (the
header is row 1); nothing is written unless every row is valid, and then everything in one transaction.

An officer is recognised by mobile number, else by email: a known officer is updated, anyone else created.
A posting for a post and jurisdiction someone else holds takes it over (their postings there, substantive or
additional charge, are deactivated), unless the row says additional_charge=yes.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from rules.errors import did_you_mean

from ..catalog.models import Department, District, Post, Taluk
from ..citizens.phone import InvalidMobile, normalise_mobile
from .models import Officer, Posting

REQUIRED = ("department", "post", "district", "taluk", "name", "mobile", "email")
OPTIONAL = ("additional_charge",)
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 50_000
_YES, _NO = {"yes", "y", "true", "1"}, {"", "no", "n", "false", "0"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class ImportInvalid(ValueError):
    """The file was refused and nothing was written; `errors` has one sentence per problem ("row 7: ...")."""

    def __init__(self, errors: list[str]):
        super().__init__(f"{len(errors)} problem{'s' if len(errors) != 1 else ''} in the file")
        self.errors = errors


@dataclass
class ImportReport:
    rows: int = 0
    officers_created: int = 0
    officers_updated: int = 0
    postings_created: int = 0
    postings_unchanged: int = 0
    postings_taken_over: int = 0     # earlier holders' postings deactivated

    def summary(self) -> str:
        return (f"{self.rows} rows: officers {self.officers_created} created, {self.officers_updated} updated; "
                f"postings {self.postings_created} created, {self.postings_unchanged} unchanged, "
                f"{self.postings_taken_over} taken over from earlier holders")


@dataclass(frozen=True)
class _Row:
    line: int
    post: Post
    district: District | None
    taluk: Taluk | None
    name: str
    mobile: str | None
    email: str | None
    additional_charge: bool

    @property
    def person(self) -> str:
        return self.mobile or (self.email or "").lower() or f"name:{self.name.lower()}"

    @property
    def place(self) -> tuple:
        return (self.post.id, self.district.id if self.district else None, self.taluk.id if self.taluk else None)


def clean_mobile(raw) -> str | None:
    """An officer's mobile number in +91 form, or None when empty; ValueError with a sentence otherwise."""
    if raw is None or not str(raw).strip():
        return None
    try:
        return normalise_mobile(raw)
    except InvalidMobile as exc:
        raise ValueError(f"Mobile: {exc}") from None


def jurisdiction_problem(post: Post | None, district: District | None, taluk: Taluk | None) -> str | None:
    """Why a jurisdiction does not fit the post's level (taluk posts: district and taluk; district posts: a
    district only; state posts: neither), or None."""
    if post is None:
        return "Post: choose a post."
    if taluk is not None and district is not None and taluk.district_id != district.id:
        return f"Taluk: {taluk.name_en} is not a taluk of {district.name_en}."
    if post.level == "taluk" and (district is None or taluk is None):
        return f"{post.code} is a taluk-level post: give the district and the taluk."
    if post.level == "district" and (district is None or taluk is not None):
        return f"{post.code} is a district-level post: give the district and leave the taluk empty."
    if post.level == "state" and (district is not None or taluk is not None):
        return f"{post.code} is a state-level post: leave the district and the taluk empty."
    return None


def _decode(data) -> str:
    if isinstance(data, str):
        return data
    if len(data) > MAX_BYTES:
        raise ImportInvalid([f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB; split it."])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportInvalid(["The file is not UTF-8 text: save it from the spreadsheet as 'CSV UTF-8'."]) from None


class _Catalogue:
    """Departments, posts and places, loaded once for the whole file."""

    def __init__(self, session: Session):
        self.departments = {d.code: d for d in session.scalars(select(Department).where(Department.active))}
        self.posts: dict = {}
        for post in session.scalars(select(Post).where(Post.active)):
            self.posts.setdefault(post.department_id, {})[post.code] = post
        self.districts = {d.name_en: d for d in session.scalars(select(District))}
        self.taluks: dict = {}
        for t in session.scalars(select(Taluk)):
            self.taluks.setdefault(t.district_id, {})[t.name_en] = t


def _check(session: Session, text: str) -> list[_Row]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [(h or "").strip().lower() for h in (reader.fieldnames or [])]
    missing = [c for c in REQUIRED if c not in header]
    unknown = [h for h in header if h not in REQUIRED + OPTIONAL]
    errors = []
    if missing:
        errors.append("row 1: missing column" + ("s " if len(missing) > 1 else " ") + ", ".join(f"'{c}'" for c in missing)
                      + "; the header is: " + ", ".join(REQUIRED) + " (and optionally additional_charge).")
    for h in unknown:
        errors.append(f"row 1: unknown column '{h[:40]}'{did_you_mean(h, REQUIRED + OPTIONAL)}")
    if errors:
        raise ImportInvalid(errors)
    reader.fieldnames = header
    cat = _Catalogue(session)
    rows: list[_Row] = []
    holders: dict = {}        # place → line of the row giving it substantively
    seen: dict = {}           # (place, person) → line
    names: dict = {}          # person → (line, name)
    for index, raw in enumerate(reader):
        line = index + 2
        if index >= MAX_ROWS:
            errors.append(f"row {line}: the file has more than {MAX_ROWS} rows; split it.")
            break
        if None in raw:
            errors.append(f"row {line}: more values than columns.")
            continue
        value = {k: (raw.get(k) or "").strip() for k in header}
        if not any(value.values()):
            continue  # blank lines at the end of a spreadsheet
        problems = []
        dept = cat.departments.get(value["department"].upper())
        post = district = taluk = None
        if dept is None:
            problems.append(f"department '{value['department'][:40]}' is not a department"
                            f"{did_you_mean(value['department'].upper(), cat.departments)}")
        else:
            posts = cat.posts.get(dept.id, {})
            post = posts.get(value["post"].upper())
            if post is None:
                problems.append(f"post '{value['post'][:40]}' is not a post of {dept.code}{did_you_mean(value['post'].upper(), posts)}")
        place_known = True
        if value["district"]:
            district = cat.districts.get(value["district"])
            if district is None:
                place_known = False
                problems.append(f"district '{value['district'][:60]}' is not a district of Karnataka"
                                f"{did_you_mean(value['district'], cat.districts)}")
        if value["taluk"] and not value["district"]:
            place_known = False
            problems.append(f"taluk '{value['taluk'][:60]}' is given without its district")
        elif value["taluk"] and district is not None:
            taluks = cat.taluks.get(district.id, {})
            taluk = taluks.get(value["taluk"])
            if taluk is None:
                place_known = False
                problems.append(f"taluk '{value['taluk'][:60]}' is not a taluk of {district.name_en}"
                                f"{did_you_mean(value['taluk'], taluks)}")
        if post is not None and place_known:
            problem = jurisdiction_problem(post, district, taluk)
            if problem:
                problems.append(f"post {problem}")
        name = value["name"]
        if not name:
            problems.append("name is empty")
        elif len(name) > 120:
            problems.append("name is longer than 120 characters")
        mobile = None
        try:
            mobile = clean_mobile(value["mobile"])
        except ValueError as exc:
            problems.append(f"mobile '{value['mobile'][:20]}': {str(exc).removeprefix('Mobile: ')}")
        email = value["email"] or None
        if email and (len(email) > 254 or not _EMAIL.match(email)):
            problems.append(f"email '{email[:60]}' is not an email address")
        charge = value.get("additional_charge", "").lower()
        if charge not in _YES | _NO:
            problems.append(f"additional_charge '{charge[:10]}': write yes or no")
        if problems:
            errors.extend(f"row {line}: {p}" for p in problems)
            continue
        row = _Row(line, post, district, taluk, name, mobile, email, charge in _YES)
        key = (row.place, row.person)
        if key in seen:
            errors.append(f"row {line}: repeats row {seen[key]} (the same officer and posting).")
            continue
        seen[key] = line
        if row.person in names and names[row.person][1].lower() != name.lower() and (mobile or email):
            errors.append(f"row {line}: {'mobile ' + mobile if mobile else 'email ' + email} is also row "
                          f"{names[row.person][0]}'s, for {names[row.person][1]}; one officer per mobile number and email.")
            continue
        names.setdefault(row.person, (line, name))
        if not row.additional_charge:
            if row.place in holders:
                errors.append(f"row {line}: {post.code} for {_where(row)} is already given to row {holders[row.place]}; "
                              "write additional_charge=yes on one of them.")
                continue
            holders[row.place] = line
        rows.append(row)
    if errors:
        raise ImportInvalid(errors)
    if not rows:
        raise ImportInvalid(["The file has no rows below the header."])
    return rows


def _where(row: _Row) -> str:
    if row.taluk is not None:
        return f"{row.taluk.name_en}, {row.district.name_en}"
    return row.district.name_en if row.district is not None else "Karnataka"


def _existing_officer(session: Session, row: _Row) -> Officer | None:
    for column, value in ((Officer.mobile, row.mobile), (Officer.email, row.email)):
        if value:
            found = session.scalar(select(Officer).where(column == value).order_by(Officer.id).limit(1))
            if found is not None:
                return found
    return None


def import_officers(session: Session, data, progress=None) -> ImportReport:
    """Checks every row, then writes officers and postings in one transaction. Raises ImportInvalid (nothing written).
    `progress(done, total)` is told every 100 rows written (the CLI's progress bar)."""
    rows = _check(session, _decode(data))
    report = ImportReport(rows=len(rows))
    officers: dict = {}
    try:
        # Substantive postings first, so that taking a post over never ends an additional charge given in the same file.
        for done, row in enumerate(sorted(rows, key=lambda r: r.additional_charge), start=1):
            if progress is not None and (done % 100 == 0 or done == len(rows)):
                progress(done, len(rows))
            officer = officers.get(row.person)
            if officer is None:
                officer = _existing_officer(session, row)
                if officer is None:
                    officer = Officer(name=row.name, mobile=row.mobile, email=row.email, active=True)
                    session.add(officer)
                    session.flush()
                    report.officers_created += 1
                else:
                    changed = (officer.name, officer.mobile, officer.email, officer.active) != \
                        (row.name, row.mobile or officer.mobile, row.email or officer.email, True)
                    officer.name, officer.active = row.name, True
                    officer.mobile, officer.email = row.mobile or officer.mobile, row.email or officer.email
                    report.officers_updated += int(changed)
                officers[row.person] = officer
            post_id, district_id, taluk_id = row.place
            holding = session.scalars(select(Posting).where(
                Posting.post_id == post_id, Posting.active,
                Posting.district_id.is_(None) if district_id is None else Posting.district_id == district_id,
                Posting.taluk_id.is_(None) if taluk_id is None else Posting.taluk_id == taluk_id)).all()
            own = next((p for p in holding if p.officer_id == officer.id), None)
            if not row.additional_charge:
                for other in holding:
                    if other is not own:
                        other.active = False
                        report.postings_taken_over += 1
            if own is not None:
                own.additional_charge = row.additional_charge
                report.postings_unchanged += 1
            else:
                session.add(Posting(officer_id=officer.id, post_id=post_id, district_id=district_id, taluk_id=taluk_id,
                                    additional_charge=row.additional_charge, active=True))
                report.postings_created += 1
            session.flush()
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return report
