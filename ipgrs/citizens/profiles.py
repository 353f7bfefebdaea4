"""Citizens' full profiles for staff, and the access log of every full-profile read.

A full profile (full mobile, e-mail, address, date of birth, gender) is shown only after its read is committed to
`profile_read_log` in a transaction holding nothing else: a read is logged though nothing else is written, and when
the log cannot be written the profile is not shown. Lists show a masked mobile and no address (citizens.privacy).
"""
from __future__ import annotations

import logging

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from .. import clock
from ..i18n import tr
from .models import Citizen, ProfileRead
from .phone import normalise_mobile
from .services import client_hash

log = logging.getLogger(__name__)

ADMIN_PAGE, DESK_PROFILE = "admin/citizens", "desk/profile"
PAGE_SIZE = 25


class NotLogged(Exception):
    """The read could not be written to the access log, so the profile is not shown."""


def find(session: Session, raw_mobile: str | None = None, page: int = 1) -> tuple[list[Citizen], int]:
    """Citizens, newest first; with a mobile number only that citizen (an exact match, in any usual writing).
    Raises InvalidMobile for a number that is not one."""
    query = select(Citizen)
    if raw_mobile:
        query = query.where(Citizen.mobile == normalise_mobile(raw_mobile))
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Citizen.id.desc()).offset((max(page, 1) - 1) * PAGE_SIZE).limit(PAGE_SIZE)).all()
    return list(rows), total


def read(session: Session, citizen_id: int, user, source: str, client_address: str | None) -> Citizen | None:
    """The citizen, after the read is logged (committed). None when there is no such citizen (nothing logged).
    Raises NotLogged when the log row cannot be committed."""
    if session.new or session.dirty or session.deleted:
        raise RuntimeError("a profile read is logged in a transaction of its own; commit the other work first")
    citizen = session.get(Citizen, citizen_id)
    if citizen is None:
        return None
    session.add(ProfileRead(at=clock.now(), user_id=user.id, username=user.username, citizen_id=citizen.id,
                            source=source, client=client_hash(client_address)))
    try:
        session.commit()
    except SQLAlchemyError as exc:
        session.rollback()
        log.error("profile read of citizen %s by user %s not logged: %s", citizen_id, user.id, type(exc).__name__)
        raise NotLogged(tr("The access log could not be written, so the profile is not shown. Please try again.")) from None
    return citizen
