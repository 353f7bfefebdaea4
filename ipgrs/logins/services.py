"""Start, check and end login sessions."""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy.orm import Session

from .. import clock
from .models import LoginSession

CITIZEN, STAFF = "citizen", "staff"


def _id(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start(session: Session, kind: str, subject_id: int) -> str:
    """A new login session; returns the token for the session cookie."""
    token = secrets.token_urlsafe(32)
    session.add(LoginSession(id=_id(token), kind=kind, subject_id=subject_id, started_at=clock.now()))
    session.commit()
    return token


def is_live(session: Session, token, kind: str, subject_id) -> bool:
    if not isinstance(token, str) or not token:
        return False
    row = session.get(LoginSession, _id(token))
    return row is not None and row.ended_at is None and row.kind == kind and str(row.subject_id) == str(subject_id)


def end(session: Session, token) -> None:
    if not isinstance(token, str) or not token:
        return
    row = session.get(LoginSession, _id(token))
    if row is not None and row.ended_at is None:
        row.ended_at = clock.now()
        session.commit()
