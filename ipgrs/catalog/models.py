"""Tables mirroring the published catalogue, so grievances, officers and reports can join to it."""
from __future__ import annotations

from datetime import datetime

from flask_appbuilder import Model
from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .. import clock
from ..columns import UtcDateTime


def utcnow() -> datetime:
    return clock.now()


class RulesetVersion(Model):
    """One publish of the whole catalogue. Rows are never updated; a rollback is a new row."""

    __tablename__ = "ruleset_version"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    snapshot: Mapped[dict] = mapped_column(JSON)  # {"jurisdictions": [name, text], "files": {name: text}}
    counts: Mapped[dict] = mapped_column(JSON)
    message: Mapped[str] = mapped_column(String(500), default="")
    published_by: Mapped[str] = mapped_column(String(120))
    published_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"v{self.id} {self.content_hash[:12]}"


class _Named:
    name_en: Mapped[str] = mapped_column(String(300))
    name_kn: Mapped[str] = mapped_column(String(300))

    def __repr__(self) -> str:
        return f"{self.name_en}"


class District(_Named, Model):
    __tablename__ = "jurisdiction_district"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    taluks: Mapped[list["Taluk"]] = relationship(back_populates="district", order_by="Taluk.name_en")


class Taluk(_Named, Model):
    __tablename__ = "jurisdiction_taluk"
    __table_args__ = (UniqueConstraint("district_id", "name_en"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("jurisdiction_district.id"), index=True)
    district: Mapped[District] = relationship(back_populates="taluks")


class Department(_Named, Model):
    __tablename__ = "catalog_department"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(300), default="")
    line_departments: Mapped[list["LineDepartment"]] = relationship(back_populates="department", order_by="LineDepartment.code")
    posts: Mapped[list["Post"]] = relationship(back_populates="department", order_by="Post.code")
    services: Mapped[list["Service"]] = relationship(back_populates="department", order_by="Service.id")


class LineDepartment(_Named, Model):
    __tablename__ = "catalog_line_department"
    __table_args__ = (UniqueConstraint("department_id", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("catalog_department.id"), index=True)
    code: Mapped[str] = mapped_column(String(48))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    department: Mapped[Department] = relationship(back_populates="line_departments")


class Post(_Named, Model):
    """A designation of a department (e.g. Tahsildar), held by officers per jurisdiction."""

    __tablename__ = "catalog_post"
    __table_args__ = (UniqueConstraint("department_id", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("catalog_department.id"), index=True)
    code: Mapped[str] = mapped_column(String(48))
    level: Mapped[str] = mapped_column(String(16))  # state | district | taluk
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    department: Mapped[Department] = relationship(back_populates="posts")


class Service(_Named, Model):
    __tablename__ = "catalog_service"
    __table_args__ = (UniqueConstraint("department_id", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("catalog_department.id"), index=True)
    line_department_id: Mapped[int] = mapped_column(ForeignKey("catalog_line_department.id"), index=True)
    code: Mapped[str] = mapped_column(String(48))
    keywords: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    department: Mapped[Department] = relationship(back_populates="services")
    line_department: Mapped[LineDepartment] = relationship()
    grievance_types: Mapped[list["GrievanceType"]] = relationship(back_populates="service", order_by="GrievanceType.id")


class GrievanceType(_Named, Model):
    __tablename__ = "catalog_grievance_type"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("catalog_service.id"), index=True)
    code: Mapped[str] = mapped_column(String(48), unique=True)
    keywords: Mapped[str] = mapped_column(Text, default="")
    form: Mapped[list] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    service: Mapped[Service] = relationship(back_populates="grievance_types")
    categories: Mapped[list["Category"]] = relationship(back_populates="grievance_type", order_by="Category.code")


class Category(_Named, Model):
    __tablename__ = "catalog_category"
    __table_args__ = (UniqueConstraint("grievance_type_id", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grievance_type_id: Mapped[int] = mapped_column(ForeignKey("catalog_grievance_type.id"), index=True)
    code: Mapped[str] = mapped_column(String(48))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    grievance_type: Mapped[GrievanceType] = relationship(back_populates="categories")
    subcategories: Mapped[list["Subcategory"]] = relationship(back_populates="category", order_by="Subcategory.code")


class Subcategory(_Named, Model):
    __tablename__ = "catalog_subcategory"
    __table_args__ = (UniqueConstraint("category_id", "code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("catalog_category.id"), index=True)
    code: Mapped[str] = mapped_column(String(48))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    category: Mapped[Category] = relationship(back_populates="subcategories")
