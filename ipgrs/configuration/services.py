"""Editing one department's configuration: who may, drafts, validation against the whole catalogue, publish, rollback.

A department is one YAML file of the published catalogue. Publishing a department builds a new complete
catalogue version: the latest published snapshot with that department's file replaced, checked as a whole
(cross-file references such as unique grievance codes hold), written by catalog.services.publish in the same
transaction as its audit row. Publishes queue behind one lock row, so each builds on the version before it.
Every web process and Celery worker loads the new version within IPGRS_RULES_REFRESH_SECONDS (RulesRuntime).
"""
from __future__ import annotations

import difflib
import hashlib
import json
import posixpath
from dataclasses import dataclass, field
from functools import lru_cache

import yaml
from sqlalchemy import select, update
from sqlalchemy.orm import Session

import rules
from rules.errors import ConfigError
from rules.yamlfile import MAX_BYTES, parse_bytes

from .. import clock
from ..catalog import services as catalog
from ..catalog.models import Department, RulesetVersion
from .models import ConfigChange, ConfigDraft, ConfigLock, NodalAssignment

ADMIN_ROLE = "Admin"
NODAL_ROLE = "Nodal Officer"
LOCK_NAME = "catalogue"

TEMPLATE = """\
# A new department. docs/config-reference.md explains every key; Validate checks the file as you go.
code: NEWDEPT
name: {en: New Department, kn: ಹೊಸ ಇಲಾಖೆ}
line_departments:
  DIR: {en: Directorate, kn: ನಿರ್ದೇಶನಾಲಯ}
posts:
  TALUK_OFFICER:
    name: {en: Taluk Officer, kn: ತಾಲ್ಲೂಕು ಅಧಿಕಾರಿ}
    jurisdiction: taluk
  DISTRICT_OFFICER:
    name: {en: District Officer, kn: ಜಿಲ್ಲಾ ಅಧಿಕಾರಿ}
    jurisdiction: district
  DIRECTOR:
    name: {en: Director, kn: ನಿರ್ದೇಶಕರು}
    jurisdiction: state
defaults:
  escalation: [TALUK_OFFICER, DISTRICT_OFFICER, DIRECTOR]
  timeline: {days: 15, per_level: [7, 7]}
services:
  - code: GENERAL
    line_department: DIR
    name: {en: General services, kn: ಸಾಮಾನ್ಯ ಸೇವೆಗಳು}
    grievances:
      - code: NEWDEPT_SERVICE_DELAY
        name: {en: Service delayed, kn: ಸೇವೆ ವಿಳಂಬ}
        keywords: [delay, ವಿಳಂಬ]
routing:
  - name: Everything goes to the taluk officer
    assign: TALUK_OFFICER
"""


class NotAllowed(Exception):
    """The user may not do this to this department (shown as 403 / 404 without saying more)."""


class RebaseNeeded(Exception):
    """The department was published by someone else since the draft was started."""

    def __init__(self, code: str, base_version_id: int, change: ConfigChange | None, latest_id: int):
        who = f" by {change.author} ({change.at:%Y-%m-%d %H:%M} UTC)" if change is not None else ""
        super().__init__(
            f"{code} was published again as version {latest_id}{who} after your draft was started from version "
            f"{base_version_id}. Rebase your draft on the new version: look at the differences, then publish again.")
        self.latest_id = latest_id


class DraftInvalid(Exception):
    def __init__(self, validation: "Validation"):
        super().__init__(f"{len(validation.errors)} error(s); nothing was published and the published version keeps serving")
        self.validation = validation


# --- who may do what ------------------------------------------------------------------------------

def is_admin(user) -> bool:
    return any(role.name == ADMIN_ROLE for role in getattr(user, "roles", ()))


def assigned_codes(session: Session, user) -> list[str]:
    return list(session.scalars(
        select(Department.code).join(NodalAssignment, NodalAssignment.department_id == Department.id)
        .where(NodalAssignment.user_id == user.id, Department.active).order_by(Department.code)))


def editable_codes(session: Session, user) -> list[str]:
    """The departments this user may see and edit: all for an administrator, the assigned ones for a nodal officer."""
    if is_admin(user):
        codes = set(session.scalars(select(Department.code).where(Department.active)))
        codes |= set(session.scalars(select(ConfigDraft.department_code).where(ConfigDraft.author_id == user.id)))
        return sorted(codes)
    return assigned_codes(session, user)


def authorize(session: Session, user, code: str) -> None:
    if user is None or not getattr(user, "is_authenticated", False):
        raise NotAllowed("Log in first.")
    if is_admin(user):
        return
    if code not in assigned_codes(session, user):
        raise NotAllowed(f"You are not a nodal officer of department {str(code)[:16]}.")


def require_admin(user) -> None:
    if not is_admin(user):
        raise NotAllowed("Only an administrator may do this.")


# --- the published catalogue ----------------------------------------------------------------------

@lru_cache(maxsize=4)
def _catalogue_of_version(version_id: int, snapshot_json: str) -> rules.Catalogue:
    return catalog.catalogue_from_snapshot(json.loads(snapshot_json))


def catalogue_of(version: RulesetVersion, runtime=None) -> rules.Catalogue:
    """The catalogue of a published version: this process's engine has it when it is the running version."""
    if runtime is not None and runtime.version_id == version.id and runtime.catalogue is not None:
        return runtime.catalogue
    return _catalogue_of_version(version.id, json.dumps(version.snapshot, sort_keys=True))


def latest(session: Session) -> RulesetVersion:
    version = catalog.latest_version(session)
    if version is None:
        raise NotAllowed("No catalogue has been published yet; run `ipgrs config publish` first.")
    return version


@dataclass
class Published:
    version: RulesetVersion
    catalogue: rules.Catalogue
    file_name: str | None    # the department's file in the snapshot; None: not published yet
    text: str | None


def published(session: Session, code: str, runtime=None) -> Published:
    version = latest(session)
    catalogue = catalogue_of(version, runtime)
    dept = catalogue.departments.get(code)
    if dept is None:
        return Published(version, catalogue, None, None)
    return Published(version, catalogue, dept.source, version.snapshot["files"][dept.source])


def file_name_for_new(version: RulesetVersion, code: str) -> str:
    """A new department's file sits beside the others in the snapshot (so `config export` writes it there too)."""
    names = sorted(version.snapshot["files"])
    folder = posixpath.dirname(names[0]) if names else "departments"
    return posixpath.join(folder, f"{code.lower()}.yaml")


def _code_of(text: str) -> str | None:
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except (yaml.YAMLError, ValueError, OverflowError):  # ValueError: a date not on the calendar (2026-02-30)
        return None
    return str(data.get("code")) if isinstance(data, dict) and data.get("code") is not None else None


def text_in_version(version: RulesetVersion, code: str, hint: str | None = None) -> str | None:
    """The department's file text in a version's snapshot (looked up by the file name first, then by code)."""
    files = version.snapshot["files"]
    if hint in files and _code_of(files[hint]) == code:
        return files[hint]
    guess = next((n for n in files if posixpath.basename(n).lower() == f"{code.lower()}.yaml"), None)
    for name in ([guess] if guess else []) + sorted(files):
        if _code_of(files[name]) == code:
            return files[name]
    return None


def content_hash(text: str | None) -> str | None:
    return hashlib.sha256(text.encode("utf-8")).hexdigest() if text is not None else None


# --- validation -----------------------------------------------------------------------------------

@dataclass
class Validation:
    code: str
    file_name: str
    errors: list = field(default_factory=list)        # ConfigError in the department's own file
    elsewhere: list = field(default_factory=list)     # ConfigError in other files (should not happen)
    catalogue: rules.Catalogue | None = None          # the whole catalogue with the draft in it, when valid
    snapshot: dict | None = None

    @property
    def ok(self) -> bool:
        return not self.errors and not self.elsewhere

    def to_dict(self) -> dict:
        return {"ok": self.ok, "department": self.code,
                "errors": [_error_dict(e) for e in self.errors],
                "elsewhere": [str(e) for e in self.elsewhere],
                "summary": self.catalogue.summary() if self.catalogue is not None else None}


def _too_large(size: int) -> str:
    return f"file is {size:,} bytes; the limit is {MAX_BYTES:,} bytes (1 MB)"  # rules.yamlfile's words


def _error_dict(e: ConfigError) -> dict:
    where = f" (at {rules.errors.format_path(e.path)})" if e.path else ""
    return {"line": e.line, "column": e.column, "message": e.message + where, "text": str(e)}


def validate(session: Session, code: str, text: str, runtime=None, *, new: bool = False) -> Validation:
    """Checks a department's text as part of the latest published catalogue, with the messages of
    `ipgrs config validate`. `new`: the department must not exist yet (an administrator creating it)."""
    pub = published(session, code, runtime)
    return validate_on(pub, code, text, new=new)


def validate_on(pub: Published, code: str, text: str, *, new: bool = False) -> Validation:
    name = pub.file_name or file_name_for_new(pub.version, code)
    result = Validation(code=code, file_name=name)
    raw = text.encode("utf-8")
    if len(raw) > MAX_BYTES:
        result.errors.append(ConfigError(name, 1, 1, _too_large(len(raw))))
        return result
    source, errors = parse_bytes(raw, name)
    if not errors and isinstance(source.data, dict):
        written = source.data.get("code")
        if written is not None and str(written) != code:
            line, column = source.position(("code",))
            what = ("a department that exists already" if new and str(written) in pub.catalogue.departments
                    else f"department {code}")
            result.errors.append(ConfigError(name, line, column,
                                             f"this file is {what}: its code must be '{code}', not '{written}'", ("code",)))
            return result
    if new and pub.file_name is not None:
        result.errors.append(ConfigError(name, 1, 1, f"department {code} exists already; edit it instead"))
        return result
    jurisdictions = pub.version.snapshot["jurisdictions"]
    files = {n: t.encode("utf-8") for n, t in pub.version.snapshot["files"].items() if n != pub.file_name}
    files[name] = raw  # last: errors shared with another file (a grievance code used twice) land in this one
    try:
        result.catalogue = rules.build_catalogue((jurisdictions[0], jurisdictions[1].encode("utf-8")), files)
    except rules.ConfigInvalid as exc:
        for e in exc.errors:
            (result.errors if e.file == name else result.elsewhere).append(e)
        return result
    ordered = {n: pub.version.snapshot["files"].get(n, text) for n in pub.version.snapshot["files"]}
    ordered[name] = text
    result.snapshot = {"jurisdictions": list(jurisdictions), "files": ordered}
    return result


def findings(result: Validation) -> list[dict]:
    """The rule analysis (rules.analysis) of the department in a valid draft: warnings, not errors."""
    if result.catalogue is None:
        return []
    from rules.analysis import analyse

    return [f.to_dict() for f in analyse(result.catalogue, result.code)]


# --- drafts ---------------------------------------------------------------------------------------

def draft_of(session: Session, user, code: str) -> ConfigDraft | None:
    return session.scalar(select(ConfigDraft).where(ConfigDraft.department_code == code, ConfigDraft.author_id == user.id))


def save_draft(session: Session, user, code: str, text: str, base_version_id: int | None = None) -> ConfigDraft:
    """Saves (creates or replaces) this user's draft of the department. The draft keeps the version it was
    started from unless `base_version_id` says otherwise (a rebase)."""
    authorize(session, user, code)
    size = len(text.encode("utf-8"))
    if size > MAX_BYTES:
        raise DraftInvalid(Validation(code, code, [ConfigError(code, 1, 1, _too_large(size))]))
    draft = draft_of(session, user, code)
    now = clock.now()
    if draft is None:
        draft = ConfigDraft(department_code=code, author_id=user.id, created_at=now,
                            base_version_id=base_version_id or latest(session).id)
        session.add(draft)
    elif base_version_id is not None:
        draft.base_version_id = base_version_id
    draft.text, draft.updated_at = text, now
    session.commit()
    return draft


def discard_draft(session: Session, user, code: str) -> None:
    authorize(session, user, code)
    draft = draft_of(session, user, code)
    if draft is not None:
        session.delete(draft)
        session.commit()


def rebase_draft(session: Session, user, code: str) -> ConfigDraft:
    """Moves the draft onto the latest version, keeping its text: the diff then shows what a publish would change."""
    authorize(session, user, code)
    draft = draft_of(session, user, code)
    if draft is None:
        raise NotAllowed("There is no draft to rebase.")
    draft.base_version_id = latest(session).id
    draft.updated_at = clock.now()
    session.commit()
    return draft


def create_department(session: Session, user, text: str, runtime=None) -> tuple[str, Validation]:
    """An administrator starts a new department from an uploaded file or the template: it becomes a draft
    (validated, not yet published). Returns the department code and the validation."""
    require_admin(user)
    code = _code_of(text) if len(text.encode("utf-8")) <= MAX_BYTES else None
    if not code or len(code) > 16:
        pub = Published(latest(session), None, None, None)
        pub.catalogue = catalogue_of(pub.version, runtime)
        result = validate_on(pub, "NEW", text, new=True)
        if not result.errors:
            result.errors.append(ConfigError("new department", 1, 1, "the file has no department code ('code:' at the top)"))
        raise DraftInvalid(result)
    pub = published(session, code, runtime)
    if pub.file_name is not None:
        raise DraftInvalid(Validation(code, pub.file_name, [ConfigError(pub.file_name, 1, 1,
                                      f"department {code} exists already; open it from the list to edit it")]))
    save_draft(session, user, code, text)
    return code, validate_on(pub, code, text, new=True)


def diff(published_text: str | None, draft_text: str, name: str) -> list[tuple[str, str]]:
    """Unified diff lines of published → draft, each with its kind (add, del, hunk, head, same)."""
    lines = difflib.unified_diff((published_text or "").splitlines(), draft_text.splitlines(),
                                 fromfile=f"published {name}", tofile=f"draft {name}", lineterm="", n=3)
    out = []
    for line in lines:
        kind = ("head" if line.startswith(("---", "+++")) else "hunk" if line.startswith("@@")
                else "add" if line.startswith("+") else "del" if line.startswith("-") else "same")
        out.append((kind, line))
    return out


# --- publish and rollback -------------------------------------------------------------------------

def _lock(session: Session) -> None:
    """Takes the publish lock: the first statement of the transaction writes the lock row, so a second publisher
    waits here until the first has committed, then reads the version the first one made."""
    done = session.execute(update(ConfigLock).where(ConfigLock.name == LOCK_NAME).values(locked_at=clock.now()))
    if done.rowcount == 0:
        session.add(ConfigLock(name=LOCK_NAME, locked_at=clock.now()))
        session.flush()


def _record(session, action, version, author, author_id, message, code=None, text=None, base_id=None, restored_id=None):
    session.add(ConfigChange(at=clock.now(), action=action, department_code=code, version_id=version.id,
                             base_version_id=base_id, restored_version_id=restored_id, author=author[:120],
                             author_id=author_id, message=(message or "")[:500], content_hash=content_hash(text)))
    session.execute(update(ConfigLock).where(ConfigLock.name == LOCK_NAME).values(version_id=version.id))


def _last_change(session: Session, code: str) -> ConfigChange | None:
    return session.scalar(select(ConfigChange).where(ConfigChange.department_code == code)
                          .order_by(ConfigChange.id.desc()).limit(1))


def publish_department(session: Session, user, code: str, text: str, base_version_id: int, message: str = "",
                       runtime=None, progress=None) -> RulesetVersion:
    """Publishes the department's text as a new version of the whole catalogue.

    Raises NotAllowed, RebaseNeeded (the department changed since `base_version_id`) or DraftInvalid; nothing is
    written then and the published version keeps serving. `progress(step, total, label)` is told each stage."""
    authorize(session, user, code)
    say = progress or (lambda *_: None)
    try:
        say(1, 4, "waiting for other publishes")
        _lock(session)
        say(2, 4, "checking against the latest version")
        pub = published(session, code, runtime)
        base = _version(session, base_version_id)
        if base is None:
            raise RebaseNeeded(code, base_version_id or 0, _last_change(session, code), pub.version.id)
        if base.id != pub.version.id:
            was = text_in_version(base, code, pub.file_name)
            if was != pub.text:
                raise RebaseNeeded(code, base.id, _last_change(session, code), pub.version.id)
        new = pub.file_name is None
        if new:
            require_admin(user)
        say(3, 4, "validating the whole catalogue")
        result = validate_on(pub, code, text)
        if not result.ok:
            raise DraftInvalid(result)
        say(4, 4, "writing the new version")
        author = getattr(user, "username", str(user))
        version = catalog.publish(session, result.catalogue, result.snapshot, author,
                                  message or f"{code}: published from the editor", commit=False)
        session.flush()
        _record(session, "create" if new else "publish", version, author, user.id, message, code, text, pub.version.id)
        draft = draft_of(session, user, code)
        if draft is not None:
            session.delete(draft)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    if runtime is not None:
        runtime.adopt(version.id, result.catalogue)
    return version


def _version(session: Session, version_id) -> RulesetVersion | None:
    """The version with this id, or None; an id beyond the column's range is none (PostgreSQL would refuse the query)."""
    if isinstance(version_id, bool) or not isinstance(version_id, int) or not 1 <= version_id <= 2**31 - 1:
        return None
    return session.get(RulesetVersion, version_id)


def rollback_department(session: Session, user, code: str, to_version_id: int, message: str = "",
                        runtime=None) -> RulesetVersion:
    """Restores the department's file as it was in an earlier version; the result is a new version."""
    authorize(session, user, code)
    try:
        _lock(session)
        pub = published(session, code, runtime)
        target = _version(session, to_version_id)
        text = text_in_version(target, code, pub.file_name) if target is not None else None
        if text is None:
            raise NotAllowed(f"Version {to_version_id} has no department {code} to go back to.")
        if pub.file_name is None:
            require_admin(user)
        result = validate_on(pub, code, text)
        if not result.ok:
            raise DraftInvalid(result)
        author = getattr(user, "username", str(user))
        version = catalog.publish(session, result.catalogue, result.snapshot, author,
                                  message or f"{code}: rolled back to version {target.id}", commit=False)
        session.flush()
        _record(session, "rollback", version, author, user.id, message or f"rolled back to version {target.id}",
                code, text, pub.version.id, target.id)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    if runtime is not None:
        runtime.adopt(version.id, result.catalogue)
    return version


def rollback_catalogue(session: Session, user, to_version_id: int, message: str = "", runtime=None) -> RulesetVersion:
    """An administrator restores a whole earlier version of the catalogue, as a new version."""
    require_admin(user)
    try:
        _lock(session)
        current = latest(session)
        target = _version(session, to_version_id)
        if target is None:
            raise NotAllowed(f"There is no version {to_version_id}.")
        catalogue = catalog.catalogue_from_snapshot(target.snapshot)
        author = getattr(user, "username", str(user))
        version = catalog.publish(session, catalogue, target.snapshot, author,
                                  message or f"the catalogue rolled back to version {target.id}", commit=False)
        session.flush()
        _record(session, "rollback_all", version, author, user.id, message or f"rolled back to version {target.id}",
                base_id=current.id, restored_id=target.id)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    if runtime is not None:
        runtime.adopt(version.id, catalogue)
    return version


def publish_directory(session: Session, config_dir, author: str, message: str = "", only_if_changed=False,
                      progress=None):
    """`ipgrs config publish DIR` (the GitOps path) and `make run`: the whole catalogue from files, under the lock,
    logged. `only_if_changed=True` publishes nothing when the latest version has the directory's content;
    `only_if_changed="files"` (make run) compares with the last catalogue published *from files*, so versions
    published in the editor since are not undone by a restart with an unchanged config directory.
    `progress(step, total, label)` is told each stage. Raises rules.ConfigInvalid; nothing is written then."""
    say = progress or (lambda *_: None)
    say(1, 4, "reading the configuration directory")
    jurisdictions, files = rules.read_directory(config_dir)
    if jurisdictions is None:
        raise rules.ConfigInvalid([ConfigError(str(config_dir), 1, 1, "jurisdictions.yaml not found")])
    say(2, 4, f"validating {len(files)} department files")
    catalogue = rules.build_catalogue(jurisdictions, files)
    try:
        _lock(session)
        latest_row = catalog.latest_version(session)
        if only_if_changed and latest_row is not None:
            last = session.scalar(select(ConfigChange).where(ConfigChange.action == "publish_all")
                                  .order_by(ConfigChange.id.desc()).limit(1))
            reference = (last.version.content_hash if only_if_changed == "files" and last is not None
                         else latest_row.content_hash)
            if reference == catalogue.version:
                session.rollback()
                return latest_row, catalogue
        say(3, 4, "writing the version and the taxonomy tables")
        version = catalog.publish(session, catalogue, catalog.snapshot_of(jurisdictions, files), author, message,
                                  commit=False)
        session.flush()
        _record(session, "publish_all", version, author, None, message, base_id=latest_row.id if latest_row else None)
        say(4, 4, "committing")
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return version, catalogue


def history(session: Session, code: str | None = None, limit: int = 50) -> list[ConfigChange]:
    query = select(ConfigChange).order_by(ConfigChange.id.desc()).limit(limit)
    if code is not None:
        query = query.where((ConfigChange.department_code == code) | (ConfigChange.department_code.is_(None)))
    return list(session.scalars(query))


def versions(session: Session, limit: int = 50) -> list[tuple]:
    """(id, published_at, published_by, message) of recent versions, without loading their snapshots."""
    return list(session.execute(select(RulesetVersion.id, RulesetVersion.published_at, RulesetVersion.published_by,
                                       RulesetVersion.message).order_by(RulesetVersion.id.desc()).limit(limit)))


# --- the rules as a table -------------------------------------------------------------------------

def rules_table(text: str) -> list[dict]:
    """The routing rules of a department file as rows (order = priority: the first matching rule wins), read from
    the YAML as written, so the table shows even while other parts of the file have errors."""
    try:
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        return []
    if not isinstance(data, dict) or not isinstance(data.get("routing"), list):
        return []
    posts = data.get("posts") if isinstance(data.get("posts"), dict) else {}
    defaults = data.get("defaults") if isinstance(data.get("defaults"), dict) else {}
    rows = []
    for i, rule in enumerate(data["routing"], start=1):
        if not isinstance(rule, dict):
            continue
        post = posts.get(rule.get("assign")) if isinstance(posts.get(rule.get("assign")), dict) else {}
        name = post.get("name") if isinstance(post.get("name"), dict) else {}
        timeline = rule.get("timeline") or defaults.get("timeline") or {}
        rows.append({
            "order": i, "name": str(rule.get("name", "")), "conditions": describe(rule.get("when")),
            "assign": str(rule.get("assign", "")), "post_name": str(name.get("en", "")),
            "priority": str(rule.get("priority") or "normal"),
            "timeline": _timeline_text(timeline) + ("" if rule.get("timeline") else " (default)"),
            "escalation": " → ".join(str(p) for p in (rule.get("escalation") or defaults.get("escalation") or []))
            + ("" if rule.get("escalation") else " (default)"),
        })
    return rows


def _timeline_text(timeline) -> str:
    if not isinstance(timeline, dict) or "days" not in timeline:
        return ""
    text = f"{timeline['days']} days"
    if timeline.get("per_level"):
        text += ", then " + ", ".join(str(d) for d in timeline["per_level"]) + " per level"
    return text


_OPS = {"eq": "=", "ne": "≠", "gt": ">", "gte": "≥", "lt": "<", "lte": "≤", "in": "in", "not_in": "not in",
        "matches": "matches", "exists": "exists"}


def describe(when) -> str:
    """A condition in words: `service = LAND and location.district = Bengaluru Urban`; no condition: always."""
    if when is None:
        return "always"
    if isinstance(when, list):
        return " and ".join(describe(w) for w in when)
    if not isinstance(when, dict):
        return str(when)
    parts = []
    for key, value in when.items():
        if key in ("all", "any") and isinstance(value, list):
            joined = (" and " if key == "all" else " or ").join(describe(v) for v in value)
            parts.append(f"({joined})")
        elif key == "not":
            parts.append(f"not ({describe(value)})")
        elif isinstance(value, dict) and "present" in value and len(value) == 1:
            parts.append(f"{key} {'is given' if value['present'] else 'is missing'}")
        elif isinstance(value, dict):
            parts.extend(f"{key} {_OPS.get(op, op)} {_value(v)}" for op, v in value.items())
        elif isinstance(value, list):
            parts.append(f"{key} in {_value(value)}")
        else:
            parts.append(f"{key} = {_value(value)}")
    return " and ".join(parts) or "always"


def _value(v) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(str(x) for x in v) + "]"
    return str(v)
