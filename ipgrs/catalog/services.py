"""Publishing the catalogue: one transaction writes the version and the taxonomy tables, then the engine switches."""
from __future__ import annotations

from pathlib import Path as FsPath

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

import rules

from . import models as m


def snapshot_of(jurisdictions: tuple[str, bytes], files: dict[str, bytes]) -> dict:
    return {"jurisdictions": [jurisdictions[0], jurisdictions[1].decode("utf-8")],
            "files": {name: raw.decode("utf-8") for name, raw in files.items()}}


def catalogue_from_snapshot(snapshot: dict) -> rules.Catalogue:
    name, text = snapshot["jurisdictions"]
    return rules.build_catalogue((name, text.encode("utf-8")), {n: t.encode("utf-8") for n, t in snapshot["files"].items()})


def latest_version(session: Session) -> m.RulesetVersion | None:
    return session.scalar(select(m.RulesetVersion).order_by(m.RulesetVersion.id.desc()).limit(1))


def latest_version_id(session: Session) -> int | None:
    return session.scalar(select(func.max(m.RulesetVersion.id)))


def publish_directory(session: Session, config_dir, author: str, message: str = "", only_if_changed: bool = False,
                      commit: bool = True):
    """Validates a config directory and publishes it. Raises rules.ConfigInvalid; nothing is written then."""
    jurisdictions, files = rules.read_directory(config_dir)
    if jurisdictions is None:
        raise rules.ConfigInvalid([rules.ConfigError(str(config_dir), 1, 1, "jurisdictions.yaml not found")])
    catalogue = rules.build_catalogue(jurisdictions, files)
    if only_if_changed:
        current = latest_version(session)
        if current is not None and current.content_hash == catalogue.version:
            return current, catalogue
    return publish(session, catalogue, snapshot_of(jurisdictions, files), author, message, commit=commit), catalogue


def changed_departments(session: Session, catalogue: rules.Catalogue) -> list[str]:
    """Codes of the departments whose file differs from the published one (or that are new)."""
    published = dict(session.execute(select(m.Department.code, m.Department.content_hash).where(m.Department.active)).all())
    return [code for code, dept in catalogue.departments.items() if published.get(code) != dept.content_hash]


class ExportRefused(Exception):
    """The export would not reproduce the published version; a sentence for the user."""


def export_version(version: m.RulesetVersion, directory) -> list[FsPath]:
    """Writes a published version's files as a config directory (jurisdictions.yaml, departments/*.yaml).

    Files keep their base names and exact text, so publishing the directory gives the same content hash.
    A departments/ folder holding other YAML files is refused: publishing it would add them."""
    root = FsPath(directory)
    departments = root / "departments"
    files = {FsPath(name).name: text for name, text in version.snapshot["files"].items()}
    stray = sorted(p.name for p in departments.glob("*.y*ml") if p.name not in files) if departments.is_dir() else []
    if stray:
        raise ExportRefused(f"{departments} has files that are not in the published version ({', '.join(stray)}); "
                            "export to an empty directory or remove them")
    departments.mkdir(parents=True, exist_ok=True)
    written = [root / "jurisdictions.yaml"]
    written[0].write_text(version.snapshot["jurisdictions"][1], encoding="utf-8", newline="")
    for name, text in sorted(files.items()):
        path = departments / name
        path.write_text(text, encoding="utf-8", newline="")
        written.append(path)
    return written


def publish(session: Session, catalogue: rules.Catalogue, snapshot: dict, author: str, message: str = "",
            commit: bool = True) -> m.RulesetVersion:
    """`commit=False` leaves the transaction to the caller (ipgrs.configuration adds its audit row to it)."""
    version = m.RulesetVersion(content_hash=catalogue.version, snapshot=snapshot, counts=catalogue.counts,
                               message=message[:500], published_by=author)
    session.add(version)
    sync_taxonomy(session, catalogue)
    if commit:
        session.commit()
    return version


def _named(row, bilingual) -> None:
    row.name_en, row.name_kn = bilingual.en, bilingual.kn


def sync_taxonomy(session: Session, catalogue: rules.Catalogue) -> None:
    """Upserts the taxonomy by code; what the catalogue no longer has is deactivated, never deleted,
    because grievances filed under it still point at it. A department whose file is unchanged (same content
    hash) is left as it is: publishing one department's edit touches that department's rows only."""
    with session.no_autoflush:  # one flush at the end, not one per lazy load
        _sync_taxonomy(session, catalogue)
    session.flush()


def _sync_taxonomy(session: Session, catalogue: rules.Catalogue) -> None:
    districts = {d.code: d for d in session.scalars(select(m.District).options(selectinload(m.District.taluks)))}
    for d in catalogue.jurisdictions.districts:
        row = districts.get(d.code) or m.District(code=d.code)
        _named(row, d.name)
        session.add(row)
        existing = {t.name_en: t for t in row.taluks}
        for t in d.taluks:
            taluk = existing.get(t.en) or m.Taluk(district=row)
            _named(taluk, t)
            session.add(taluk)

    departments = {d.code: d for d in session.scalars(select(m.Department))}
    for dept in departments.values():
        if dept.code not in catalogue.departments:
            dept.active = False
    changed = {code for code, dept in catalogue.departments.items()
               if code not in departments or not departments[code].active
               or departments[code].content_hash != dept.content_hash or departments[code].source != dept.source}
    changed_rows = [departments[code].id for code in changed if code in departments]
    if changed_rows:  # the changed departments' taxonomy in four queries, not one lazy load per row
        session.scalars(select(m.Department).where(m.Department.id.in_(changed_rows)).options(
            selectinload(m.Department.line_departments), selectinload(m.Department.posts),
            selectinload(m.Department.services).selectinload(m.Service.grievance_types)
            .selectinload(m.GrievanceType.categories).selectinload(m.Category.subcategories))).all()
    grievance_rows = {g.code: g for g in session.scalars(select(m.GrievanceType).options(
        selectinload(m.GrievanceType.categories).selectinload(m.Category.subcategories)))}
    seen_grievances = {g.code for code, dept in catalogue.departments.items() if code not in changed
                       for s in dept.services for g in s.grievances}
    for code, dept in catalogue.departments.items():
        if code not in changed:
            continue
        row = departments.get(code) or m.Department(code=code)
        _named(row, dept.name)
        row.active, row.content_hash, row.source = True, dept.content_hash, dept.source
        session.add(row)
        lds = _sync_children(session, row.line_departments, dept.line_departments.items(),
                             lambda c: m.LineDepartment(department=row, code=c), lambda r, v: _named(r, v))
        _sync_children(session, row.posts, dept.posts.items(),
                       lambda c: m.Post(department=row, code=c), lambda r, p: (_named(r, p.name), setattr(r, "level", p.level)))
        services = _sync_children(session, row.services, ((s.code, s) for s in dept.services),
                                  lambda c: m.Service(department=row, code=c),
                                  lambda r, s: (_named(r, s.name), setattr(r, "line_department", lds[s.line_department]),
                                                setattr(r, "keywords", "\n".join(s.keywords))))
        for s in dept.services:
            srow = services[s.code]
            for g in s.grievances:
                seen_grievances.add(g.code)
                grow = grievance_rows.get(g.code) or m.GrievanceType(code=g.code)
                _named(grow, g.name)
                grow.service, grow.active = srow, True
                grow.keywords = "\n".join(g.keywords)
                grow.form = [_field_json(f) for f in g.form]
                session.add(grow)
                cats = _sync_children(session, grow.categories, ((c.code, c) for c in g.categories),
                                      lambda c: m.Category(grievance_type=grow, code=c), lambda r, c: _named(r, c.name))
                for c in g.categories:
                    _sync_children(session, cats[c.code].subcategories, ((x.code, x) for x in c.subcategories),
                                   lambda x, parent=cats[c.code]: m.Subcategory(category=parent, code=x),
                                   lambda r, x: _named(r, x.name))
    for code, grow in grievance_rows.items():
        if code not in seen_grievances:
            grow.active = False


def _sync_children(session, existing_rows, items, make, update) -> dict:
    by_code = {r.code: r for r in existing_rows}
    out = {}
    for code, value in items:
        row = by_code.pop(code, None) or make(code)
        update(row, value)
        row.active = True
        session.add(row)
        out[code] = row
    for row in by_code.values():
        row.active = False
    return out


def _field_json(f) -> dict:
    out = {"name": f.name, "type": f.type, "label": f.label.as_dict(), "required": f.required}
    for key in ("pattern", "max_length", "min", "max"):
        if getattr(f, key) is not None:
            out[key] = getattr(f, key)
    if f.help:
        out["help"] = f.help.as_dict()
    if f.options:
        out["options"] = [{"value": o.value, "label": o.label.as_dict()} for o in f.options]
    return out
