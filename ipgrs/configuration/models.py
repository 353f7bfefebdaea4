"""Who may edit which department, drafts kept apart from the published version, and the log of every publish."""
from __future__ import annotations

from datetime import datetime

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalog.models import Department, RulesetVersion, utcnow
from ..columns import UtcDateTime


class NodalAssignment(Model):
    """A login made nodal officer of a department: it may edit, validate, publish and roll back that department only."""

    __tablename__ = "config_nodal_assignment"
    __table_args__ = (UniqueConstraint("user_id", "department_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("catalog_department.id"), index=True)
    assigned_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    user: Mapped[User] = relationship(User)
    department: Mapped[Department] = relationship(Department)

    def __repr__(self) -> str:
        return f"{self.user} → {self.department.code if self.department else '?'}"


class ConfigDraft(Model):
    """One author's unpublished text of one department file. `base_version_id` is the published version the draft
    started from: a publish is refused (rebase) when the department has changed since then."""

    __tablename__ = "config_draft"
    __table_args__ = (UniqueConstraint("department_code", "author_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_code: Mapped[str] = mapped_column(String(16))
    author_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    base_version_id: Mapped[int] = mapped_column(ForeignKey("ruleset_version.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    author: Mapped[User] = relationship(User)
    base_version: Mapped[RulesetVersion] = relationship(RulesetVersion)


class ConfigChange(Model):
    """The audit log of configuration: one row per published version (publish, rollback, whole-catalogue publish)."""

    __tablename__ = "config_change"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    action: Mapped[str] = mapped_column(String(24))  # publish | rollback | create | publish_all | rollback_all
    department_code: Mapped[str | None] = mapped_column(String(16), index=True)  # None: the whole catalogue
    version_id: Mapped[int] = mapped_column(ForeignKey("ruleset_version.id"), unique=True)
    base_version_id: Mapped[int | None] = mapped_column(ForeignKey("ruleset_version.id"))  # what the change was made on
    restored_version_id: Mapped[int | None] = mapped_column(ForeignKey("ruleset_version.id"))  # rollbacks: the version restored
    author: Mapped[str] = mapped_column(String(120))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    message: Mapped[str] = mapped_column(String(500), default="")
    content_hash: Mapped[str | None] = mapped_column(String(64))  # the department file's hash (None: whole catalogue)
    version: Mapped[RulesetVersion] = relationship(RulesetVersion, foreign_keys=[version_id])

    def __repr__(self) -> str:
        return f"{self.action} {self.department_code or 'catalogue'} → v{self.version_id}"


class ConfigLock(Model):
    """A single row every publish updates first: publishes queue behind each other (a row lock on PostgreSQL,
    the write lock on SQLite), so each builds on the version before it and none is lost."""

    __tablename__ = "config_lock"
    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    version_id: Mapped[int | None] = mapped_column(Integer)
    locked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
