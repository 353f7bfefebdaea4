"""Registration and login by OTP, API tokens and the citizen profile: one function per action, one transaction each."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from .. import clock
from ..i18n import tr
from ..notifications import services as notifications
from .models import LANGUAGES, Citizen, CitizenToken, OtpChallenge
from .phone import InvalidMobile, normalise_mobile  # noqa: F401  (re-exported for the views)

__all__ = ["InvalidMobile", "OtpError", "RateLimited", "request_otp", "verify_otp", "issue_token", "citizen_for_token",
           "update_profile", "ProfileInvalid"]


class OtpError(Exception):
    """The code was wrong, expired, used, or tried too often. The message is for the citizen."""


class RateLimited(Exception):
    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


@dataclass(frozen=True)
class OtpSent:
    mobile: str
    expires_in: int
    resend_after: int


def _setting(name: str):
    return current_app.config[name]


def _keyed(value: str) -> str:
    return hmac.new(current_app.config["SECRET_KEY"].encode(), value.encode(), hashlib.sha256).hexdigest()


def client_hash(client_address: str | None) -> str:
    """A keyed hash of a client's address: counts requests from one address without storing the address."""
    return _keyed("client:" + (client_address or "?"))


def request_otp(session: Session, raw_mobile, client_address: str, language: str = "en") -> OtpSent:
    """Sends a login code. Known and unknown numbers get the same answer, so the API does not tell who is registered."""
    mobile = normalise_mobile(raw_mobile)
    now = clock.now()
    client = client_hash(client_address)
    hour_ago = now - timedelta(hours=1)
    last = session.scalar(select(func.max(OtpChallenge.created_at)).where(OtpChallenge.mobile == mobile))
    if last is not None:
        if last.tzinfo is None:
            last = last.replace(tzinfo=now.tzinfo)
        wait = int(_setting("OTP_RESEND_SECONDS") - (now - last).total_seconds())
        if wait > 0:
            raise RateLimited(tr("A code was sent a moment ago. You can ask for a new one in {wait} seconds.", wait=wait), wait)
    per_number = session.scalar(select(func.count()).select_from(OtpChallenge)
                                .where(OtpChallenge.mobile == mobile, OtpChallenge.created_at > hour_ago))
    if per_number >= _setting("OTP_MAX_PER_NUMBER_PER_HOUR"):
        raise RateLimited(tr("Too many codes were sent to this number in the last hour. Please try again later."), 3600)
    per_client = session.scalar(select(func.count()).select_from(OtpChallenge)
                                .where(OtpChallenge.client == client, OtpChallenge.created_at > hour_ago))
    if per_client >= _setting("OTP_MAX_PER_CLIENT_PER_HOUR"):
        raise RateLimited(tr("Too many codes were requested from this device or network. Please try again later."), 3600)

    code = f"{secrets.randbelow(10 ** 6):06d}"
    ttl = _setting("OTP_TTL_SECONDS")
    challenge = OtpChallenge(mobile=mobile, code_hash=_keyed(f"otp:{mobile}:{code}"), client=client,
                             created_at=now, expires_at=now + timedelta(seconds=ttl))
    session.add(challenge)
    session.flush()
    citizen = session.scalar(select(Citizen).where(Citizen.mobile == mobile))
    notifications.queue(session, channel="sms", recipient=mobile, template="otp",
                        language=citizen.language if citizen else (language if language in LANGUAGES else "en"),
                        context={"code": code, "minutes": ttl // 60}, key=f"otp:{challenge.id}", sensitive=True)
    notifications.dispatch_after_commit(session)
    session.commit()
    return OtpSent(mobile=mobile, expires_in=ttl, resend_after=_setting("OTP_RESEND_SECONDS"))


def verify_otp(session: Session, raw_mobile, code, language: str = "en") -> tuple[Citizen, bool]:
    """Checks the latest code sent to the number. Returns (citizen, registered_now); a new citizen's
    language is the one they registered in."""
    mobile = normalise_mobile(raw_mobile)
    code = str(code or "").strip()
    now = clock.now()
    challenge = session.scalar(select(OtpChallenge).where(OtpChallenge.mobile == mobile)
                               .order_by(OtpChallenge.created_at.desc(), OtpChallenge.id.desc()).limit(1)
                               .with_for_update())
    if challenge is None or challenge.consumed_at is not None:
        raise OtpError(tr("This code is not valid any more. Ask for a new code."))
    if challenge.expires_at <= now:
        raise OtpError(tr("This code has expired. Ask for a new code."))
    limit = _setting("OTP_MAX_ATTEMPTS")
    if challenge.attempts >= limit:
        raise OtpError(tr("Too many wrong codes. Ask for a new code."))
    if not (len(code) == 6 and code.isdigit()
            and hmac.compare_digest(challenge.code_hash, _keyed(f"otp:{mobile}:{code}"))):
        challenge.attempts += 1
        session.commit()
        left = limit - challenge.attempts
        if left <= 0:
            raise OtpError(tr("Too many wrong codes. Ask for a new code."))
        raise OtpError(tr("That code is not right. 1 try left.") if left == 1 else tr("That code is not right. {left} tries left.", left=left))
    challenge.consumed_at = now
    citizen = session.scalar(select(Citizen).where(Citizen.mobile == mobile))
    created = citizen is None
    if created:
        citizen = Citizen(mobile=mobile, language=language if language in LANGUAGES else "en", created_at=now)
        session.add(citizen)
    citizen.verified_at = now
    session.commit()
    return citizen, created


def issue_token(session: Session, citizen: Citizen) -> tuple[str, CitizenToken]:
    raw = secrets.token_urlsafe(32)
    now = clock.now()
    token = CitizenToken(citizen_id=citizen.id, token_hash=hashlib.sha256(raw.encode()).hexdigest(), created_at=now,
                         expires_at=now + timedelta(days=_setting("CITIZEN_TOKEN_DAYS")))
    session.add(token)
    session.commit()
    return raw, token


def citizen_for_token(session: Session, raw: str) -> Citizen | None:
    if not raw or len(raw) > 200:
        return None
    token = session.scalar(select(CitizenToken).options(joinedload(CitizenToken.citizen))  # one query per API call, not two
                           .where(CitizenToken.token_hash == hashlib.sha256(raw.encode()).hexdigest()))
    if token is None or token.revoked_at is not None or token.expires_at <= clock.now():
        return None
    return token.citizen


def revoke_token(session: Session, raw: str) -> None:
    token = session.scalar(select(CitizenToken).where(CitizenToken.token_hash == hashlib.sha256(raw.encode()).hexdigest()))
    if token is not None and token.revoked_at is None:
        token.revoked_at = clock.now()
        session.commit()


class ProfileInvalid(Exception):
    def __init__(self, errors: dict[str, list[str]]):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


PROFILE_FIELDS = ("name", "email", "language", "date_of_birth", "gender", "district", "taluk", "locality", "pincode")
GENDERS = ("female", "male", "transgender", "other")


def update_profile(session: Session, citizen: Citizen, data: dict, jurisdictions) -> Citizen:
    """Validates and saves the profile; every error names its field. `jurisdictions` is the published catalogue's."""
    from marshmallow import ValidationError

    from .schemas import ProfileSchema

    try:
        clean = ProfileSchema(context_jurisdictions=jurisdictions).load({k: data.get(k) for k in PROFILE_FIELDS if k in data})
    except ValidationError as exc:
        raise ProfileInvalid(flatten_errors(exc.messages)) from None
    for key, value in clean.items():
        setattr(citizen, key, value)
    session.commit()
    return citizen


def age_fact(citizen: Citizen) -> int | None:
    return citizen.age_on(date.today())


__all__ += ["LANGUAGES", "GENDERS", "revoke_token", "age_fact", "normalise_mobile", "PROFILE_FIELDS"]


def flatten_errors(messages) -> dict[str, list[str]]:
    """marshmallow's messages as {field: [sentence, ...]}."""
    out: dict[str, list[str]] = {}
    for key, value in (messages.items() if isinstance(messages, dict) else [("_schema", messages)]):
        if isinstance(value, dict):
            for sub, msgs in flatten_errors(value).items():
                out.setdefault(key if sub == "_schema" else sub, []).extend(msgs)
        else:
            out.setdefault(key, []).extend(value if isinstance(value, list) else [str(value)])
    return out
