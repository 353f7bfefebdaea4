"""Citizens, their one-time passwords and their API tokens."""
from __future__ import annotations

from datetime import date, datetime

from flask_appbuilder import Model
from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, event
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..catalog.models import utcnow
from ..columns import UtcDateTime
from .privacy import mask_mobile

LANGUAGES = ("en", "kn")


class Citizen(Model):
    __tablename__ = "citizen"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mobile: Mapped[str] = mapped_column(String(16), unique=True)  # E.164, e.g. +919876543210
    name: Mapped[str | None] = mapped_column(String(120))
    email: Mapped[str | None] = mapped_column(String(254))
    language: Mapped[str] = mapped_column(String(2), default="en")
    date_of_birth: Mapped[date | None] = mapped_column(Date)
    gender: Mapped[str | None] = mapped_column(String(16))
    district: Mapped[str | None] = mapped_column(String(80))
    taluk: Mapped[str | None] = mapped_column(String(80))
    locality: Mapped[str | None] = mapped_column(String(120))  # ward or village
    pincode: Mapped[str | None] = mapped_column(String(6))
    verified_in_person: Mapped[bool] = mapped_column(Boolean, default=False)
    registered_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    verified_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    @property
    def profile_complete(self) -> bool:
        return bool(self.name and self.district and self.taluk and self.pincode)

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)

    def age_on(self, day: date) -> int | None:
        if self.date_of_birth is None:
            return None
        dob = self.date_of_birth
        return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))

    def __repr__(self) -> str:
        return f"Citizen {self.id} {self.masked_mobile}"


class OtpChallenge(Model):
    """One OTP sent to a mobile number. Only a keyed hash of the code is stored."""

    __tablename__ = "otp_challenge"
    __table_args__ = (Index("ix_otp_challenge_mobile_created", "mobile", "created_at"),
                      Index("ix_otp_challenge_client_created", "client", "created_at"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mobile: Mapped[str] = mapped_column(String(16))
    code_hash: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(64))  # keyed hash of the client address, for rate limits
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    consumed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class CitizenToken(Model):
    """A bearer token of the mobile app. Only its SHA-256 is stored."""

    __tablename__ = "citizen_token"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    citizen: Mapped[Citizen] = relationship()


class ProfileRead(Model):
    """The access log: one staff login opened one citizen's full profile (citizens.profiles). Rows are only ever
    inserted; the administrator's "Access log" lists them and nobody edits or deletes them."""

    __tablename__ = "profile_read_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime(), default=utcnow, index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), index=True)
    username: Mapped[str] = mapped_column(String(128))      # as it was at the time of the read
    citizen_id: Mapped[int] = mapped_column(ForeignKey("citizen.id"), index=True)
    source: Mapped[str] = mapped_column(String(40))         # the page or API that showed it, e.g. admin/citizens
    client: Mapped[str] = mapped_column(String(64))         # keyed hash of the client address, as OtpChallenge.client
    citizen: Mapped[Citizen] = relationship()


@event.listens_for(ProfileRead, "before_update")
@event.listens_for(ProfileRead, "before_delete")
def _access_log_is_append_only(mapper, connection, target):
    raise PermissionError("the profile access log is only ever appended to")
