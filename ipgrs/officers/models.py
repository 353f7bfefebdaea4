"""Officers are people; a posting puts an officer on a post of a department for one jurisdiction."""
from __future__ import annotations

from datetime import datetime

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalog.models import District, Post, Taluk, utcnow
from ..columns import UtcDateTime


class Officer(Model):
    __tablename__ = "officer"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    mobile: Mapped[str | None] = mapped_column(String(16))
    email: Mapped[str | None] = mapped_column(String(254))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"), unique=True)  # the officer's login, if any
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    postings: Mapped[list["Posting"]] = relationship(back_populates="officer")
    user: Mapped[User | None] = relationship(User)  # for the admin views' user picker

    def __repr__(self) -> str:
        return self.name


class Posting(Model):
    """Officer × post × jurisdiction. State-level posts have neither district nor taluk; district-level posts
    a district; taluk-level posts both. One officer may hold several postings (additional charge)."""

    __tablename__ = "posting"
    __table_args__ = (Index("ix_posting_lookup", "post_id", "district_id", "taluk_id", "active"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    officer_id: Mapped[int] = mapped_column(ForeignKey("officer.id"), index=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("catalog_post.id"))
    district_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdiction_district.id"))
    taluk_id: Mapped[int | None] = mapped_column(ForeignKey("jurisdiction_taluk.id"))
    additional_charge: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    officer: Mapped[Officer] = relationship(back_populates="postings")
    post: Mapped[Post] = relationship()
    district: Mapped[District | None] = relationship()
    taluk: Mapped[Taluk | None] = relationship()

    def __repr__(self) -> str:
        return f"{self.post.code if self.post else '?'} ({self.jurisdiction_label})"

    @property
    def jurisdiction_label(self) -> str:
        if self.taluk is not None:
            return f"{self.taluk.name_en}, {self.district.name_en}"
        return self.district.name_en if self.district is not None else "Karnataka"
