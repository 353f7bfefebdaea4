"""The CPGRAMS integration's work: receiving (pull and push) with de-duplication, filing through the platform's
filing service, the triage queue, the outbound transactional outbox and its delivery, and reconciliation.

Nothing here is called by the platform: it is reached through the plugin's hooks (tasks, views, CLI, events).
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import event as sa_event
from sqlalchemy import func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, scoped_session

from ipgrs import clock
from ipgrs.citizens.models import Citizen
from ipgrs.citizens.phone import InvalidMobile, normalise_mobile
from ipgrs.grievances.models import Grievance, GrievanceEvent
from ipgrs.grievances.services import FilingInvalid, FilingRequest, file_grievance

from . import client as cp
from . import mapping as mapping_module
from .config import settings as load_settings
from .models import (DEAD, DELIVERABLE, FAILED, FILED, PENDING, RECEIVED, SENT, TRIAGE, CpgramsCursor, CpgramsGrievance,
                     CpgramsMapping, CpgramsOutbox)

log = logging.getLogger(__name__)
CHANNEL = "CPGRAMS"
PULL_CURSOR = "pull"


def settings():
    return load_settings(current_app.config)


def _postgres(session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _insert(session):
    return pg_insert if _postgres(session) else sqlite_insert


def _catalogue(session):
    runtime = current_app.extensions["ipgrs.rules"]
    runtime.refresh(session)
    return runtime.catalogue


class NotConfigured(RuntimeError):
    """The CPGRAMS web service is not configured (CPGRAMS_BASE_URL)."""


# --- receiving -------------------------------------------------------------------------------------------------

@dataclass
class Received:
    new_ids: list = field(default_factory=list)
    duplicates: int = 0
    invalid: int = 0

    def as_dict(self):
        return {"received": len(self.new_ids), "duplicates": self.duplicates, "invalid": self.invalid}


def receive(session: Session, records, via: str) -> Received:
    """Stores each readable record once (INSERT … ON CONFLICT DO NOTHING on the registration number) in the
    caller's transaction. A registration number seen before is a duplicate, whatever its payload says."""
    out = Received()
    table = CpgramsGrievance.__table__
    now = clock.now()
    for record in records:
        try:
            inbound = cp.from_cpgrams(record)
        except cp.PayloadInvalid as exc:
            out.invalid += 1
            log.warning("CPGRAMS sent an unreadable grievance record (%s); skipped", exc)
            continue
        statement = (_insert(session)(table).values(
            registration_number=inbound.registration_number, organisation_code=inbound.organisation_code,
            category_code=inbound.category_code, payload=record, received_via=via, state=RECEIVED, received_at=now)
            .on_conflict_do_nothing(index_elements=[table.c.registration_number]).returning(table.c.id))
        new_id = session.execute(statement).scalar_one_or_none()
        if new_id is None:
            out.duplicates += 1
        else:
            out.new_ids.append(new_id)
    return out


def _citizen(session: Session, details: dict) -> Citizen:
    """The citizen with this mobile number, created from CPGRAMS' details when new (never overwritten)."""
    mobile = normalise_mobile(details.get("mobile"))
    table = Citizen.__table__
    session.execute(_insert(session)(table).values(
        mobile=mobile, name=details.get("name"), email=details.get("email"), language=details.get("language") or "en",
        gender=details.get("gender") if details.get("gender") in ("female", "male", "transgender", "other") else None,
        verified_in_person=False, created_at=clock.now()).on_conflict_do_nothing(index_elements=[table.c.mobile]))
    return session.scalar(select(Citizen).where(Citizen.mobile == mobile))


def _claim(session: Session, inbound_id: int, state: str):
    query = select(CpgramsGrievance).where(CpgramsGrievance.id == inbound_id, CpgramsGrievance.state == state)
    if _postgres(session):
        query = query.with_for_update(skip_locked=True)
    return session.scalar(query)


def process(session: Session, inbound_id: int) -> str | None:
    """Files one received grievance, or sends it to triage. Returns the new state (None: nothing to do)."""
    row = _claim(session, inbound_id, RECEIVED)
    if row is None:
        session.rollback()
        return None
    inbound = cp.from_cpgrams(row.payload)
    grievance_type = mapping_module.current(session, settings(), _catalogue(session)).grievance_type(
        inbound.organisation_code, inbound.category_code)
    if grievance_type is None:
        row.state = TRIAGE
        row.reason = (f"No mapping for organisation '{inbound.organisation_code}'"
                      f" category '{inbound.category_code or '-'}': choose the grievance type.")
        session.commit()
        return TRIAGE
    return _file(session, row, inbound, grievance_type, inbound.location)


def _file(session: Session, row: CpgramsGrievance, inbound, grievance_type: str, location: dict) -> str:
    number, row_id = row.registration_number, row.id
    try:
        citizen = _citizen(session, inbound.citizen)
        request = FilingRequest(grievance_type=grievance_type, description=_description(inbound), channel=CHANNEL,
                                location={"where": "other", **{k: v for k, v in location.items() if v}},
                                reference=number)
        grievance = file_grievance(session, citizen, request)  # commits; the "filed" subscriber links the row
    except (FilingInvalid, InvalidMobile) as exc:
        session.rollback()
        reason = ("; ".join(m for ms in exc.errors.values() for m in ms) if isinstance(exc, FilingInvalid)
                  else f"Citizen's mobile number: {exc}")
        row = session.get(CpgramsGrievance, row_id)
        row.state, row.reason = TRIAGE, reason[:500]
        session.commit()
        return TRIAGE
    # The link is written by the subscriber in the filing's transaction; should it have failed (recorded as a
    # plugin failure), write it now so the grievance is never filed twice.
    linked = session.scalar(select(CpgramsGrievance.grievance_id).where(CpgramsGrievance.id == row_id))
    if linked is None:
        session.execute(update(CpgramsGrievance).where(CpgramsGrievance.id == row_id)
                        .values(state=FILED, grievance_id=grievance.id, filed_at=clock.now(), reason=None))
        session.commit()
    return FILED


def _description(inbound) -> str:
    text = inbound.description
    if inbound.attachments:
        names = ", ".join(a["name"] or "document" for a in inbound.attachments[:5])
        text += f"\n\n[CPGRAMS {inbound.registration_number}: {len(inbound.attachments)} document(s) on CPGRAMS: {names}]"
    return text[:4000]


def process_pending(session: Session, limit: int = 200) -> dict:
    ids = session.scalars(select(CpgramsGrievance.id).where(CpgramsGrievance.state == RECEIVED)
                          .order_by(CpgramsGrievance.id).limit(limit)).all()
    session.rollback()
    counts = {FILED: 0, TRIAGE: 0}
    for inbound_id in ids:
        state = process(session, inbound_id)
        if state:
            counts[state] += 1
    return counts


def pull(session: Session, http=None) -> dict:
    """Fetches pages since the stored cursor. Each page is stored with its cursor in one transaction, so a pull
    interrupted anywhere resumes at the first page not committed: nothing lost, duplicates absorbed."""
    conf = settings()
    result = {"pages": 0, "received": 0, "duplicates": 0, "invalid": 0, "error": None}
    if not conf.configured:
        result["error"] = "CPGRAMS_BASE_URL is not set"
        result.update(process_pending(session))  # pushed grievances still get filed
        return result
    own = http is None
    http = http or cp.Client(conf)
    try:
        while result["pages"] < conf.max_pages:
            cursor = session.get(CpgramsCursor, PULL_CURSOR)
            try:
                page = http.fetch_page(cursor.cursor if cursor else None)
            except cp.CpgramsUnavailable as exc:
                result["error"] = str(exc)
                log.warning("CPGRAMS pull stopped: %s; the next run resumes from the stored cursor", exc)
                session.rollback()
                break
            received = receive(session, page.items, "pull")
            if cursor is None:
                cursor = CpgramsCursor(name=PULL_CURSOR, pages=0)
                session.add(cursor)
            if page.next_cursor:
                cursor.cursor = page.next_cursor
            cursor.pages = (cursor.pages or 0) + 1
            cursor.updated_at = clock.now()
            session.commit()
            result["pages"] += 1
            for k, v in received.as_dict().items():
                result[k] += v
            if not page.has_more or not page.items:
                break
    finally:
        if own:
            http.close()
    result.update(process_pending(session))
    return result


# --- triage ----------------------------------------------------------------------------------------------------

class TriageInvalid(Exception):
    def __init__(self, errors: dict):
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
        self.errors = errors


def triage(session: Session, inbound_id: int, grievance_type: str, *, district: str | None = None,
           taluk: str | None = None, add_mapping: bool = False, by: str = "nodal officer") -> str:
    """A nodal officer picks the grievance type (and, if CPGRAMS' address did not fit, the place); optionally the
    choice is added to the mapping for the grievance's organisation and category. Files the grievance."""
    catalogue = _catalogue(session)
    if grievance_type not in catalogue.grievance_types:
        raise TriageInvalid({"grievance_type": [f"Grievance type: '{str(grievance_type)[:60]}' is not a grievance type we know."]})
    row = _claim(session, inbound_id, TRIAGE)
    if row is None:
        session.rollback()
        raise TriageInvalid({"_": ["This grievance is no longer waiting in triage (filed by someone else?)."]})
    inbound = cp.from_cpgrams(row.payload)
    if add_mapping:
        table = CpgramsMapping.__table__
        session.execute(_insert(session)(table).values(
            organisation_code=row.organisation_code, category_code=row.category_code or mapping_module.ANY,
            grievance_type=grievance_type, added_by=by[:120], added_at=clock.now())
            .on_conflict_do_nothing(index_elements=[table.c.organisation_code, table.c.category_code]))
    location = dict(inbound.location)
    if district:
        location.update(district=district, taluk=taluk or None)
    state = _file(session, row, inbound, grievance_type, location)
    if state == TRIAGE:
        reason = session.scalar(select(CpgramsGrievance.reason).where(CpgramsGrievance.id == inbound_id))
        raise TriageInvalid({"_": [reason or "The grievance could not be filed."]})
    return state


# --- outbound: the outbox --------------------------------------------------------------------------------------

_DISPATCH = "cpgrams.dispatch"
_LISTENING = "cpgrams.listening"


def queue(session: Session, *, key: str, registration_number: str, grievance_id: int, kind: str, payload: dict) -> int | None:
    """Adds a message to the outbox in the caller's transaction; the same key again is ignored."""
    table = CpgramsOutbox.__table__
    now = clock.now()
    new_id = session.execute(_insert(session)(table).values(
        key=key[:160], registration_number=registration_number, grievance_id=grievance_id, kind=kind[:32],
        payload=payload, status=PENDING, attempts=0, next_attempt_at=now, created_at=now)
        .on_conflict_do_nothing(index_elements=[table.c.key]).returning(table.c.id)).scalar_one_or_none()
    if new_id is not None:
        _dispatch_after_commit(session, new_id)
    return new_id


def _real(session):
    return session() if isinstance(session, scoped_session) else session


def _dispatch_after_commit(session, outbox_id: int) -> None:
    """With a broker, the message is handed to a worker as soon as the transaction commits; without one (the
    embedded default) the beat's deliver_due sends it. A lost hand-off is only a delay: deliver_due sweeps."""
    if current_app.config.get("CELERY_TASK_ALWAYS_EAGER"):
        return
    real = _real(session)
    if not real.info.get(_LISTENING):
        sa_event.listen(real, "after_commit", _after_commit)
        sa_event.listen(real, "after_soft_rollback", _after_soft_rollback)
        real.info[_LISTENING] = True
    real.info.setdefault(_DISPATCH, []).append(outbox_id)


def _after_commit(session) -> None:
    from ipgrs.notifications.services import in_outer_transaction

    if in_outer_transaction(session):  # fired by a SAVEPOINT release: the rows are not committed yet
        return
    ids = session.info.pop(_DISPATCH, [])
    if not ids or (isinstance(session.bind, Connection) and session.bind.in_transaction()):
        return
    from .tasks import deliver
    for outbox_id in ids:
        try:
            deliver.delay(outbox_id)
        except Exception as exc:  # noqa: BLE001 - broker down: deliver_due will send it
            log.warning("could not enqueue CPGRAMS message %s (%s); deliver_due will send it", outbox_id, type(exc).__name__)


def _after_soft_rollback(session, previous) -> None:
    if previous.parent is None:
        session.info.pop(_DISPATCH, None)


def _backoff(conf, attempts: int) -> timedelta:
    return timedelta(seconds=min(conf.retry_base_seconds * (2 ** max(attempts - 1, 0)), conf.retry_max_seconds))


def deliver(session: Session, outbox_id: int, http=None, force: bool = False) -> str | None:
    """One delivery attempt. Messages of one grievance go in order: a message waits while an earlier one of the
    same grievance is undelivered (not dead). Returns the message's status afterwards, or why nothing was done."""
    conf = settings()
    query = select(CpgramsOutbox).where(CpgramsOutbox.id == outbox_id, CpgramsOutbox.status.in_(DELIVERABLE))
    if _postgres(session):
        query = query.with_for_update(skip_locked=True)
    row = session.scalar(query)
    now = clock.now()
    if row is None:
        session.rollback()
        return None
    if not force and row.next_attempt_at > now:
        session.rollback()
        return "not due"
    earlier = session.scalar(select(CpgramsOutbox.id).where(
        CpgramsOutbox.registration_number == row.registration_number, CpgramsOutbox.id < row.id,
        CpgramsOutbox.status.in_(DELIVERABLE)).limit(1))
    if earlier is not None:
        session.rollback()
        return "waiting"
    if not conf.configured:
        session.rollback()
        return "not configured"
    own = http is None
    http = http or cp.Client(conf)
    try:
        http.send_update(row.payload)
        row.status, row.sent_at, row.last_error = SENT, clock.now(), None
    except (cp.CpgramsUnavailable, cp.CpgramsRefused) as exc:
        row.last_error = str(exc)[:300]
        row.attempts += 1
        refused = isinstance(exc, cp.CpgramsRefused)
        if refused or row.attempts >= conf.max_attempts:
            row.status = DEAD
            log.error("CPGRAMS message %s dead-lettered after %d attempt(s): %s", row.id, row.attempts, exc)
        else:
            row.status, row.next_attempt_at = FAILED, clock.now() + _backoff(conf, row.attempts)
    finally:
        if own:
            http.close()
    if row.status == SENT:
        row.attempts += 1
        following = session.scalar(select(CpgramsOutbox.id).where(  # the next message of this grievance, if waiting
            CpgramsOutbox.registration_number == row.registration_number, CpgramsOutbox.id > row.id,
            CpgramsOutbox.status.in_(DELIVERABLE)).order_by(CpgramsOutbox.id).limit(1))
        if following is not None:
            _dispatch_after_commit(session, following)
    status = row.status
    session.commit()
    return status


def deliver_due(session: Session, limit: int = 200) -> dict:
    conf = settings()
    counts: dict = {}
    if not conf.configured:
        return {"error": "CPGRAMS_BASE_URL is not set"}
    ids = session.scalars(select(CpgramsOutbox.id).where(CpgramsOutbox.status.in_(DELIVERABLE),
                                                         CpgramsOutbox.next_attempt_at <= clock.now())
                          .order_by(CpgramsOutbox.id).limit(limit)).all()
    session.rollback()
    with cp.Client(conf) as http:
        for outbox_id in ids:
            status = deliver(session, outbox_id, http=http) or "taken"
            counts[status] = counts.get(status, 0) + 1
    return counts


def retry(session: Session, outbox_id: int) -> bool:
    """The admin's retry button: a dead message gets a fresh set of attempts."""
    result = session.execute(update(CpgramsOutbox).where(CpgramsOutbox.id == outbox_id, CpgramsOutbox.status == DEAD)
                             .values(status=PENDING, attempts=0, next_attempt_at=clock.now()))
    if result.rowcount == 1:
        _dispatch_after_commit(session, outbox_id)
    session.commit()
    return result.rowcount == 1


# --- outbound: the event subscribers (run inside the action's transaction, in a savepoint) ---------------------

def _links(session, grievance_ids):
    return session.execute(
        select(CpgramsGrievance.registration_number, Grievance.id, Grievance.number, Grievance.status, Grievance.row_version,
               Grievance.level)
        .join(Grievance, Grievance.id == CpgramsGrievance.grievance_id)
        .where(CpgramsGrievance.grievance_id.in_(list(grievance_ids)))).all()


def on_filed(session, event) -> None:
    if event.data.get("channel") != CHANNEL or not event.data.get("reference"):
        return
    grievance_id = event.grievance_ids[0]
    now = clock.now()
    result = session.execute(update(CpgramsGrievance)
                             .where(CpgramsGrievance.registration_number == event.data["reference"],
                                    CpgramsGrievance.grievance_id.is_(None))
                             .values(state=FILED, grievance_id=grievance_id, filed_at=now, reason=None))
    if result.rowcount != 1:
        raise RuntimeError("a CPGRAMS grievance was filed without its received row")
    for link in _links(session, [grievance_id]):
        _queue_update(session, link, kind="acknowledged", key_part="acknowledged",
                      remarks=f"Received by the Government of Karnataka as {link.number}.", sequence=0)


def on_status_changed(session, event) -> None:
    data = event.data
    if not data.get("visible_to_citizen") or data.get("to_status") == "closed":
        return  # internal notes stay here; closing is reported by on_closed
    links = _links(session, event.grievance_ids)
    if not links:
        return
    note = session.scalar(select(GrievanceEvent.note).where(GrievanceEvent.id == data["event_id"]))
    for link in links:
        atr = None
        if data["kind"] in ("resolved", "rejected"):
            atr = {"report": note, "decision": data["kind"], "date": clock.now().isoformat(), "documents": _documents(session, data["event_id"])}
        _queue_update(session, link, kind=data["kind"], key_part=f"event:{data['event_id']}", remarks=note,
                      sequence=data["event_id"], atr=atr)


def _documents(session, event_id) -> list:
    from ipgrs.grievances.models import GrievanceAttachment
    return [{"file_name": name, "content_type": ctype} for name, ctype in session.execute(
        select(GrievanceAttachment.original_name, GrievanceAttachment.content_type).where(GrievanceAttachment.event_id == event_id))]


def on_escalated(session, event) -> None:
    for link in _links(session, event.grievance_ids):  # one query for the whole batch: only our grievances
        _queue_update(session, link, kind="escalated", key_part=f"escalated:{link.row_version}",
                      remarks=f"Escalated to level {link.level} for timely redressal.", sequence=_sequence(session, link.id))


def on_closed(session, event) -> None:
    for link in _links(session, event.grievance_ids):
        _queue_update(session, link, kind="closed", key_part="closed", remarks="The grievance is closed.",
                      sequence=_sequence(session, link.id))


def _sequence(session, grievance_id) -> int:
    return session.scalar(select(func.max(GrievanceEvent.id)).where(GrievanceEvent.grievance_id == grievance_id)) or 0


def _queue_update(session, link, *, kind, key_part, remarks, sequence, atr=None, status=None) -> int | None:
    key = f"ipgrs:{link.number}:{key_part}"
    payload = cp.to_cpgrams(key=key, registration_number=link.registration_number, state_reference=link.number,
                            status=status or link.status, event=kind, remarks=remarks, at=clock.now().isoformat(),
                            sequence=sequence, action_taken_report=atr)
    return queue(session, key=key, registration_number=link.registration_number, grievance_id=link.id, kind=kind,
                 payload=payload)


# --- reconciliation --------------------------------------------------------------------------------------------

def reconcile(session: Session, since: datetime, until: datetime, http=None) -> list[dict]:
    """Compares the status CPGRAMS shows with ours for the CPGRAMS grievances received in [since, until) and
    re-queues a status message for each that differs (dead messages of those grievances are retried too)."""
    conf = settings()
    if http is None and not conf.configured:
        raise NotConfigured("CPGRAMS_BASE_URL is not set: there is no CPGRAMS to compare with.")
    rows = session.execute(
        select(CpgramsGrievance.registration_number, Grievance.id, Grievance.number, Grievance.status, Grievance.row_version,
               Grievance.level)
        .join(Grievance, Grievance.id == CpgramsGrievance.grievance_id)
        .where(CpgramsGrievance.received_at >= since, CpgramsGrievance.received_at < until)
        .order_by(CpgramsGrievance.id)).all()
    session.rollback()
    report = []
    own = http is None
    http = http or cp.Client(conf)
    try:
        for link in rows:
            expected = cp.REMOTE_STATUS.get(link.status, "UNDER_PROCESS")
            try:
                remote = http.status(link.registration_number).get("status")
            except (cp.CpgramsUnavailable, cp.CpgramsRefused) as exc:
                report.append({"registration_number": link.registration_number, "local": expected, "remote": None,
                               "action": f"not checked: {exc}"})
                continue
            if remote == expected:
                continue
            session.execute(update(CpgramsOutbox).where(CpgramsOutbox.grievance_id == link.id, CpgramsOutbox.status == DEAD)
                            .values(status=PENDING, attempts=0, next_attempt_at=clock.now()))
            last = session.execute(select(GrievanceEvent.id, GrievanceEvent.note, GrievanceEvent.kind)
                                   .where(GrievanceEvent.grievance_id == link.id, GrievanceEvent.visible_to_citizen)
                                   .order_by(GrievanceEvent.id.desc()).limit(1)).first()
            atr = ({"report": last.note, "decision": link.status, "date": clock.now().isoformat(), "documents": []}
                   if link.status in ("resolved", "rejected") and last else None)
            stamp = clock.now().strftime("%Y%m%dT%H%M%S")
            _queue_update(session, link, kind="reconciled", key_part=f"reconcile:{link.row_version}:{stamp}",
                          remarks=last.note if last else None, sequence=last.id if last else 0, atr=atr)
            session.commit()
            report.append({"registration_number": link.registration_number, "local": expected, "remote": remote,
                           "action": "re-queued"})
    finally:
        if own:
            http.close()
    return report


# --- what the admin sees ---------------------------------------------------------------------------------------

def overview(session: Session) -> dict:
    inbound = dict(session.execute(select(CpgramsGrievance.state, func.count()).group_by(CpgramsGrievance.state)).all())
    outbox = dict(session.execute(select(CpgramsOutbox.status, func.count()).group_by(CpgramsOutbox.status)).all())
    cursor = session.get(CpgramsCursor, PULL_CURSOR)
    return {"inbound": {s: inbound.get(s, 0) for s in (RECEIVED, TRIAGE, FILED)},
            "outbox": {s: outbox.get(s, 0) for s in (PENDING, FAILED, SENT, DEAD)},
            "cursor": cursor.cursor if cursor else None, "pages": cursor.pages if cursor else 0,
            "pulled_at": cursor.updated_at if cursor else None}
