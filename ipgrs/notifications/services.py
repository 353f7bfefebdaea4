"""The outbox: queue a message in the caller's transaction, deliver it once that transaction has committed.

queue() writes a row and nothing else, so a rolled-back change never sends a message (the transactional
outbox). dispatch_after_commit() asks for delivery as soon as the commit is done: by a Celery worker, or, in
the embedded default where Celery runs eagerly, on a small background thread pool, so a slow or dead gateway
never holds up the request. Whatever is not delivered then (gateway down, broker down, process killed) is
picked up by deliver_due(), which Celery beat runs every 15 seconds.
"""
from __future__ import annotations

import contextlib
import logging
import random
import re
import threading
import time
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor, wait
from datetime import timedelta

from flask import current_app
from sqlalchemy import event, func, select, update
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, scoped_session

from .. import clock
from . import providers, templates
from .models import CHANNELS, DEAD, DELIVERABLE, FAILED, LANGUAGES, PENDING, SENT, Notification
from .providers import DeliveryError

log = logging.getLogger(__name__)

RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 3600
BACKGROUND_THREADS = 4
CLAIM_LEASE = timedelta(minutes=2)  # how long a claimed row is left alone before another attempt may take it

_E164 = re.compile(r"\+[1-9][0-9]{7,14}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")

# session.info keys: what the session's current transaction queued, and the app to deliver it with.
_QUEUED = "ipgrs.notifications.queued"
_DISPATCH = "ipgrs.notifications.dispatch"
_LISTENING = "ipgrs.notifications.listening"


class NotificationError(ValueError):
    """A notification that cannot be queued as asked (bad channel, language, recipient or key)."""


def queue(session: Session, *, channel: str, recipient: str, template: str, language: str, context: dict,
          key: str, sensitive: bool = False) -> Notification:
    """Adds a message to the outbox in the caller's transaction (no commit) and returns its row.

    `key` makes it idempotent: queueing the same key again returns the row already there. The body is
    rendered now, in `language`; templates.TemplateError if the template or a field of `context` is unknown.
    A `sensitive` message (an OTP) has its secret masked in the stored body once it is sent."""
    if channel not in CHANNELS:
        raise NotificationError(f"unknown channel {channel!r}; use one of {', '.join(CHANNELS)}")
    if language not in LANGUAGES:
        raise NotificationError(f"unknown language {language!r}; use one of {', '.join(LANGUAGES)}")
    if channel == "sms" and not _E164.fullmatch(recipient or ""):
        raise NotificationError("an SMS recipient must be a mobile number in E.164 form, e.g. +919876543210")
    if channel == "email" and not _EMAIL.fullmatch(recipient or ""):
        raise NotificationError("an email recipient must be an email address")
    if not key or len(key) > 200:
        raise NotificationError("a notification key must be 1 to 200 characters")
    if channel == "sms" and templates.get(template).email_only:
        raise NotificationError(f"template {template!r} is a report for email, too long for SMS")
    body = templates.render(template, language, context)

    # Insert first and look only when the key is taken: the usual, new key costs one statement, not two.
    now = clock.now()
    new_id = insert_unless_exists(session, {
        "channel": channel, "recipient": recipient, "template": template, "language": language, "body": body,
        "key": key, "status": PENDING, "attempts": 0, "next_attempt_at": now, "created_at": now,
        "sensitive": sensitive})
    if new_id is None:  # queued before, in this transaction or a committed one
        existing = session.scalar(select(Notification).where(Notification.key == key))
        if existing is None:
            raise NotificationError(f"notification {key!r} exists but is not visible to this transaction")
        return existing
    real = _real(session)
    _listen(real)
    real.info.setdefault(_QUEUED, []).append(new_id)
    return session.get(Notification, new_id)


def insert_unless_exists(session: Session, values: dict) -> int | None:
    """INSERT … ON CONFLICT (key) DO NOTHING: the new row's id, or None when the key is taken.

    The unique constraint, not the look-up before it, is what keeps two concurrent transactions from queueing
    one key twice; DO NOTHING keeps the caller's transaction usable when that happens."""
    table = Notification.__table__
    insert = postgresql_insert if _dialect(session) == "postgresql" else sqlite_insert
    statement = insert(table).values(**values).on_conflict_do_nothing(index_elements=[table.c.key]).returning(table.c.id)
    return session.execute(statement).scalar_one_or_none()


def dispatch_after_commit(session: Session) -> None:
    """Once the session's current transaction commits, asks for delivery of what it queued.

    With a broker: deliver.delay(id) per notification. Without one (Celery eager, the embedded default): on the
    background thread pool, inside an app context, never in the committing request. A rollback forgets the
    queued ids. Calling it more than once in a transaction is harmless."""
    real = _real(session)
    _listen(real)
    real.info[_DISPATCH] = current_app._get_current_object()


def _listen(session: Session) -> None:
    # Listeners are added once per session and driven by session.info, so they act once per transaction.
    if not session.info.get(_LISTENING):
        event.listen(session, "after_commit", _after_commit)
        event.listen(session, "after_soft_rollback", _after_soft_rollback)
        session.info[_LISTENING] = True


def _after_commit(session: Session) -> None:
    if in_outer_transaction(session):  # a SAVEPOINT was released (a plugin's subscriber): wait for the real commit
        return
    app = session.info.pop(_DISPATCH, None)
    queued = session.info.pop(_QUEUED, [])
    if app is None or not queued:
        return
    try:
        _dispatch(app, session, queued)
    except Exception:  # noqa: BLE001 - the commit is done; a failed hand-off must not turn it into an error
        log.exception("could not hand over %d notification(s) for delivery; the sweep will deliver them", len(queued))


def in_outer_transaction(session: Session) -> bool:
    """True in an after_commit hook fired by releasing a SAVEPOINT (SQLAlchemy fires after_commit for those too):
    the outer transaction is still open and nothing is visible to other connections yet."""
    root = session.get_transaction()
    return root is not None and root.is_active


def _after_soft_rollback(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint inside it
        session.info.pop(_DISPATCH, None)
        session.info.pop(_QUEUED, None)


def _dispatch(app, session: Session, notification_ids: list[int]) -> None:
    if not _committed_for_everyone(session):
        log.debug("%d notification(s) committed inside an outer transaction; left to the sweep", len(notification_ids))
        return
    if app.config.get("CELERY_TASK_ALWAYS_EAGER"):
        for notification_id in notification_ids:
            _deliver_in_background(app, notification_id)
        return
    from .tasks import deliver
    for notification_id in notification_ids:
        try:
            deliver.delay(notification_id)
        except Exception as exc:  # noqa: BLE001 - broker down: the row is committed, the sweep will send it
            log.warning("could not enqueue notification %s (%s); the sweep will deliver it", notification_id, type(exc).__name__)


def _committed_for_everyone(session: Session) -> bool:
    """False when the session is joined to a connection whose transaction it does not own (a test's rolled-back
    transaction): its commit only released a savepoint, and no other connection can see the rows yet."""
    bind = session.bind
    return not (isinstance(bind, Connection) and bind.in_transaction())


# --- in-process delivery (Celery eager) --------------------------------------------------------------

_executor: ThreadPoolExecutor | None = None
_in_flight: set[Future] = set()
_in_flight_lock = threading.Lock()


def _deliver_in_background(app, notification_id: int) -> None:
    global _executor
    with _in_flight_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=BACKGROUND_THREADS, thread_name_prefix="ipgrs-notifications")
        future = _executor.submit(_deliver_in_app_context, app, notification_id)
        _in_flight.add(future)
    future.add_done_callback(_forget)


def _forget(future: Future) -> None:
    with _in_flight_lock:
        _in_flight.discard(future)


def _deliver_in_app_context(app, notification_id: int) -> None:
    from ..extensions import db

    with app.app_context():
        try:
            deliver(db.session, notification_id)
        except Exception:  # noqa: BLE001 - nobody waits for this thread; the row stays due for the sweep
            log.exception("delivery of notification %s failed; the sweep will retry it", notification_id)
        finally:
            db.session.remove()


def wait_for_deliveries(timeout: float = 30) -> bool:
    """Waits until the in-process deliveries started so far have finished (for tests and shutdown).
    True when none is left running."""
    end = time.monotonic() + timeout
    while True:
        with _in_flight_lock:
            running = list(_in_flight)
        if not running:
            return True
        remaining = end - time.monotonic()
        if remaining <= 0:
            return False
        wait(running, timeout=remaining)


# --- delivery ----------------------------------------------------------------------------------------

def retry_delay(attempts: int, rng=random.random) -> timedelta:
    """How long to wait after a failed attempt: 30 s × 2^attempts (attempts made before this one), capped at
    one hour, less up to half of it at random so that retries of one outage do not arrive together."""
    base = min(RETRY_BASE_SECONDS * 2 ** min(attempts, 20), RETRY_MAX_SECONDS)
    return timedelta(seconds=base * (0.5 + 0.5 * rng()))


def deliver(session: Session, notification_id: int, *, config=None) -> str | None:
    """Sends one notification if it is waiting and due, and commits what happened.

    Returns its status afterwards, or None when it does not exist or another deliverer holds it. The row is
    claimed first, in a transaction of its own: next_attempt_at moves a lease ahead (a second deliverer skips it;
    on PostgreSQL an advisory lock held by the live deliverer keeps others off too, see _held) and
    attempt_started_at records that an attempt is under way. No transaction stays open, and no row lock is held,
    while the gateway answers. A deliverer killed after the gateway took the message but before its own commit
    leaves attempt_started_at set: the next attempt, once the lease has lapsed, first asks the provider whether
    it has the message (by its key) and sends it again only if it has not, so a SIGKILLed worker does not make
    a citizen get the same SMS twice."""
    config = config if config is not None else current_app.config
    with _held(session, notification_id) as held:
        if not held:  # another live deliverer is sending it right now
            return None
        return _deliver(session, notification_id, config)


ADVISORY_LOCKS = 0x1902  # the first key of the PostgreSQL advisory locks taken on notifications (the second: the id)


@contextlib.contextmanager
def _held(session: Session, notification_id: int):
    """PostgreSQL: a session-level advisory lock on the notification, on a connection of its own, for the whole
    attempt. It survives the attempt's commits, and dies with the process: while a deliverer lives no other one
    takes the row, whatever the clock says of the lease; once it is killed the next attempt may (and looks it up
    first). SQLite (one process, the embedded default) relies on the lease alone."""
    if _dialect(session) != "postgresql":
        yield True
        return
    bind = session.get_bind(Notification)
    engine = bind.engine if isinstance(bind, Connection) else bind
    with engine.connect() as lock:
        held = lock.scalar(select(func.pg_try_advisory_lock(ADVISORY_LOCKS, notification_id)))
        lock.commit()
        try:
            yield held
        finally:
            if held:
                lock.scalar(select(func.pg_advisory_unlock(ADVISORY_LOCKS, notification_id)))
                lock.commit()


def _deliver(session: Session, notification_id: int, config) -> str | None:
    now = clock.now()
    statement = select(Notification).where(Notification.id == notification_id).execution_options(populate_existing=True)
    notification = session.scalar(statement)
    if notification is None:
        session.commit()
        return None
    if notification.status not in DELIVERABLE or notification.next_attempt_at > now or not _claim(session, notification_id, now):
        status = notification.status
        session.commit()
        return status
    in_doubt = notification.attempt_started_at is not None
    message = providers.Message.of(notification)
    session.commit()
    provider = providers.for_channel(message.channel, config)
    message_id, failure = None, None
    try:
        if in_doubt:
            message_id = provider.lookup(message)
            if message_id is not None:
                log.info("notification %s: an interrupted attempt had reached the provider (%s); not sent again",
                         notification_id, message_id)
        if message_id is None:
            message_id = provider.send(message)
    except DeliveryError as exc:
        failure = exc
    except Exception as exc:  # noqa: BLE001 - a provider bug must not stop the sweep; it is retried like an outage
        log.exception("provider error on notification %s", notification_id)
        failure = DeliveryError(f"unexpected provider error: {type(exc).__name__}", retryable=True)
    notification = session.get(Notification, notification_id, populate_existing=True)
    if notification is None:  # deleted while the gateway answered
        session.commit()
        return None
    notification.attempt_started_at = None
    if failure is not None:
        _failed(notification, str(failure), failure.retryable, config, clock.now())
    else:
        notification.attempts += 1
        notification.status, notification.sent_at = SENT, clock.now()
        notification.provider_message_id, notification.last_error = message_id, None
        _forget_secret(notification)
    status = notification.status
    session.commit()
    return status


def _claim(session: Session, notification_id: int, now) -> bool:
    """Takes a due row for CLAIM_LEASE and marks an attempt under way; False if another deliverer has it. (On
    PostgreSQL a concurrent claim waits for this one's commit, then finds next_attempt_at in the future.)"""
    result = session.execute(
        update(Notification)
        .where(Notification.id == notification_id, Notification.status.in_(DELIVERABLE), Notification.next_attempt_at <= now)
        .values(next_attempt_at=now + CLAIM_LEASE, attempt_started_at=now).execution_options(synchronize_session=False))
    return result.rowcount == 1


def _failed(notification: Notification, error: str, retryable: bool, config, now) -> None:
    delay = retry_delay(notification.attempts)
    notification.attempts += 1
    notification.last_error = error[:200]
    max_attempts = int(config.get("NOTIFICATION_MAX_ATTEMPTS", 8))
    if not retryable or notification.attempts >= max_attempts:
        notification.status = DEAD
        _forget_secret(notification)
        log.warning("notification %s (%s %s) is dead after %d attempt(s): %s", notification.id, notification.channel,
                    notification.template, notification.attempts, notification.last_error)
    else:
        notification.status, notification.next_attempt_at = FAILED, now + delay
        log.info("notification %s attempt %d failed (%s); next attempt in %d s", notification.id,
                 notification.attempts, notification.last_error, delay.total_seconds())


def _forget_secret(notification: Notification) -> None:
    if notification.sensitive:
        notification.body = templates.redact(notification.template, notification.language, notification.body)


def deliver_due(session: Session, *, batch_size: int = 100, config=None) -> dict[str, int]:
    """Delivers every waiting notification that is due, a batch of ids at a time; returns how many ended in
    each status ("skipped": held by another worker)."""
    counts: Counter[str] = Counter()
    last_id = 0
    while True:
        ids = session.scalars(
            select(Notification.id)
            .where(Notification.status.in_(DELIVERABLE), Notification.next_attempt_at <= clock.now(), Notification.id > last_id)
            .order_by(Notification.id).limit(batch_size)).all()
        session.commit()
        if not ids:
            return dict(counts)
        for notification_id in ids:
            counts[deliver(session, notification_id, config=config) or "skipped"] += 1
        last_id = ids[-1]


def _real(session) -> Session:
    return session() if isinstance(session, scoped_session) else session


def _dialect(session: Session) -> str:
    return session.get_bind(Notification).dialect.name
