"""The outbox on SQLite and PostgreSQL: queued in the caller's transaction, delivered once after it commits,
retried with backoff while the gateway fails, never holding up the request that queued it."""
from __future__ import annotations

import logging
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ipgrs import clock
from ipgrs.notifications import services, tasks
from ipgrs.notifications.models import Notification
from ipgrs.notifications.templates import TemplateError

MOBILE = "+919876543210"  # made up
FILED = {"number": "KA-2026-00000012", "department": "Revenue Department", "due_date": "15-12-2026"}
FILED_KN = {"number": "KA-2026-00000012", "department": "ಕಂದಾಯ ಇಲಾಖೆ", "due_date": "15-12-2026"}


def queue_filed(session, key="grievance:KA-2026-00000012:filed:sms", language="en", recipient=MOBILE, **extra):
    return services.queue(session, channel="sms", recipient=recipient, template="grievance_filed", language=language,
                          context=FILED if language == "en" else FILED_KN, key=key, **extra)


def queue_otp(session, code="482913", key="otp:1", language="en"):
    return services.queue(session, channel="sms", recipient=MOBILE, template="otp", language=language,
                          context={"code": code, "minutes": 10}, key=key, sensitive=True)


def file_in_a_request(app, session, **queue_args):
    """What a view does: queue in its transaction, ask for dispatch, commit. Returns (id, seconds taken)."""
    with app.test_request_context("/api/v1/grievances", method="POST"):
        started = time.monotonic()
        notification_id = queue_filed(session, **queue_args).id
        services.dispatch_after_commit(session)
        session.commit()
        return notification_id, time.monotonic() - started


def reload(session, notification_id) -> Notification:
    """The row as committed, detached, with no transaction left open (SQLite: no lock held against the
    delivery threads)."""
    session.rollback()
    row = session.get(Notification, notification_id, populate_existing=True)
    if row is not None:
        session.expunge(row)
    session.rollback()
    return row


def travel_to(moment):
    """Moves the platform clock to just after `moment`."""
    return clock.travel(moment - clock.now() + timedelta(seconds=1))


# --- queueing (in the test's rolled-back transaction) -------------------------------------------------

def test_queue_renders_the_body_in_the_recipients_language_inside_the_callers_transaction(db_session):
    english = queue_filed(db_session, key="k:en")
    kannada = queue_filed(db_session, key="k:kn", language="kn")
    assert english.body.startswith("Your grievance KA-2026-00000012 is registered with Revenue Department.")
    assert kannada.body.startswith("ನಿಮ್ಮ ಕುಂದುಕೊರತೆ KA-2026-00000012 ದಾಖಲಾಗಿದೆ. ಇಲಾಖೆ: ಕಂದಾಯ ಇಲಾಖೆ.")
    assert (english.status, english.attempts, english.sensitive, english.language) == ("pending", 0, False, "en")
    assert english.next_attempt_at <= clock.now() and english.created_at.tzinfo is not None
    assert db_session.scalar(select(func.count()).select_from(Notification)) == 2
    db_session.rollback()  # nothing was committed: the caller's transaction decides
    assert db_session.scalar(select(func.count()).select_from(Notification)) == 0


def test_the_same_key_twice_gives_the_existing_row(db_session):
    first = queue_filed(db_session)
    again = services.queue(db_session, channel="sms", recipient="+919000000001", template="grievance_status",
                           language="en", context={"number": "X", "status": "Closed"}, key=first.key)
    assert again.id == first.id and again.template == "grievance_filed" and again.recipient == MOBILE
    db_session.commit()
    assert queue_filed(db_session).id == first.id
    assert db_session.scalar(select(func.count()).select_from(Notification)) == 1


def test_the_unique_key_holds_when_a_concurrent_insert_wins(db_session):
    values = {"channel": "sms", "recipient": MOBILE, "template": "otp", "language": "en", "body": "x", "key": "race:1",
              "status": "pending", "attempts": 0, "next_attempt_at": clock.now(), "created_at": clock.now(), "sensitive": False}
    first = services.insert_unless_exists(db_session, values)
    assert isinstance(first, int)
    assert services.insert_unless_exists(db_session, dict(values, body="y")) is None  # the constraint, not the look-up
    assert db_session.scalar(select(Notification.body).where(Notification.key == "race:1")) == "x"


@pytest.mark.parametrize("changes, message", [
    ({"channel": "fax"}, "unknown channel 'fax'"),
    ({"language": "hi"}, "unknown language 'hi'"),
    ({"recipient": "9876543210"}, "E.164"),
    ({"channel": "email", "recipient": MOBILE}, "email address"),
    ({"key": ""}, "key must be 1 to 200 characters"),
])
def test_a_malformed_notification_is_refused(db_session, changes, message):
    args = dict(channel="sms", recipient=MOBILE, template="grievance_filed", language="en", context=FILED, key="k")
    args.update(changes)
    with pytest.raises(services.NotificationError, match=message):
        services.queue(db_session, **args)


def test_an_unknown_template_or_a_missing_field_is_refused(db_session):
    with pytest.raises(TemplateError, match="unknown notification template 'grievance_flied'"):
        services.queue(db_session, channel="sms", recipient=MOBILE, template="grievance_flied", language="en", context={}, key="k")
    with pytest.raises(TemplateError, match="needs department, due_date"):
        services.queue(db_session, channel="sms", recipient=MOBILE, template="grievance_filed", language="kn",
                       context={"number": "KA-1"}, key="k")
    assert db_session.scalar(select(func.count()).select_from(Notification)) == 0


def test_inside_an_outer_transaction_dispatch_leaves_delivery_to_the_sweep(db_session, gateway):
    # The test's outer transaction is never committed, so no other connection could read the row: the
    # commit below only releases a savepoint, and the notification waits for deliver_due.
    notification = queue_filed(db_session)
    services.dispatch_after_commit(db_session)
    db_session.commit()
    assert services.wait_for_deliveries(10)
    assert gateway.requests == 0
    assert reload(db_session, notification.id).status == "pending"
    assert services.deliver_due(db_session) == {"sent": 1}
    assert [m.reference for m in gateway.messages] == [notification.key]


# --- delivery after a real commit ---------------------------------------------------------------------

def test_a_rolled_back_transaction_sends_nothing(app, outbox, gateway):
    queue_filed(outbox, key="rolled:back")
    services.dispatch_after_commit(outbox)
    outbox.rollback()
    kept_id, _ = file_in_a_request(app, outbox, key="committed")  # the next transaction must not resend the first
    assert services.wait_for_deliveries(10)
    assert [m.reference for m in gateway.messages] == ["committed"]
    assert outbox.scalar(select(func.count()).select_from(Notification)) == 1
    assert reload(outbox, kept_id).status == "sent"


def test_a_committed_notification_is_delivered_once_through_the_gateway(app, outbox, gateway):
    notification_id, _ = file_in_a_request(app, outbox)
    assert services.wait_for_deliveries(10)
    [message] = gateway.messages
    row = reload(outbox, notification_id)
    assert (message.to, message.sender, message.message, message.reference) == (MOBILE, "KAGOVT", row.body, row.key)
    assert message.authorization == f"Bearer {gateway.token}"
    assert (row.status, row.attempts, row.provider_message_id, row.last_error) == ("sent", 1, "fake-1", None)
    assert row.sent_at is not None and row.sent_at >= row.created_at

    assert tasks.deliver.apply(args=[notification_id]).get() == "sent"  # the task again: already sent, not resent
    assert tasks.deliver_due.apply().get() == {}
    assert len(gateway.messages) == 1 and gateway.requests == 1


def _interrupted_attempt(app, outbox, gateway_took_it: bool, provider):
    """A deliverer claims a notification and is killed (SIGKILL) before its own commit: after the gateway took the
    message, or before. What the database and the gateway hold afterwards is exactly what such a crash leaves."""
    from ipgrs.notifications import providers

    with app.test_request_context():
        notification_id = queue_filed(outbox).id  # no dispatch: only the dying deliverer touches it
        outbox.commit()
        assert services._claim(outbox, notification_id, clock.now())
        outbox.commit()
        message = providers.Message.of(outbox.get(Notification, notification_id))
        if gateway_took_it:
            provider.send(message)
        outbox.rollback()  # the process is gone: nothing after the send is committed
    return notification_id


@pytest.mark.parametrize("gateway_took_it", [True, False], ids=["gateway-took-it", "gateway-never-got-it"])
def test_a_deliverer_killed_mid_attempt_leaves_the_sms_sent_exactly_once(app, outbox, gateway, gateway_took_it):
    from ipgrs.notifications.providers import for_channel

    notification_id = _interrupted_attempt(app, outbox, gateway_took_it, for_channel("sms", app.config))
    row = reload(outbox, notification_id)
    assert row.status == "pending" and row.attempt_started_at is not None
    assert services.deliver_due(outbox) == {}  # the lease holds it back from other deliverers meanwhile
    with travel_to(row.next_attempt_at):
        assert services.deliver_due(outbox) == {"sent": 1}
    row = reload(outbox, notification_id)
    assert [m.reference for m in gateway.messages] == [row.key]  # once, whichever way the crash fell
    assert (row.status, row.provider_message_id, row.attempt_started_at) == ("sent", "fake-1", None)
    assert gateway.lookups == 1 and gateway.requests == 1


@pytest.mark.parametrize("app", ["postgresql"], indirect=True)
def test_a_live_deliverer_keeps_its_message_even_when_the_clock_passes_its_lease(app, outbox, gateway):
    """PostgreSQL: the lease is platform time, which a clock file can jump (the load test moves it hours at a
    time); the advisory lock of the live deliverer still keeps a second one from sending the same message."""
    from sqlalchemy import func

    from ipgrs.extensions import db

    with app.test_request_context():
        notification_id = queue_filed(outbox).id
        outbox.commit()
    with db.engine.connect() as live:  # a deliverer waiting on the gateway, on its own connection
        assert live.scalar(select(func.pg_try_advisory_lock(services.ADVISORY_LOCKS, notification_id)))
        with clock.travel(timedelta(hours=5)):
            assert services.deliver(outbox, notification_id) is None
            assert services.deliver_due(outbox) == {"skipped": 1}
        live.scalar(select(func.pg_advisory_unlock(services.ADVISORY_LOCKS, notification_id)))
        live.commit()
    assert gateway.requests == 0
    assert services.deliver(outbox, notification_id) == "sent" and len(gateway.messages) == 1


def test_the_log_provider_finds_an_interrupted_message_in_its_file_too(app, outbox):
    from ipgrs.notifications.providers import for_channel

    notification_id = _interrupted_attempt(app, outbox, True, for_channel("sms", app.config))
    row = reload(outbox, notification_id)
    with travel_to(row.next_attempt_at):
        assert services.deliver_due(outbox) == {"sent": 1}
    log = Path(app.config["NOTIFICATION_OUTBOX_LOG"]).read_text(encoding="utf-8")
    assert log.count(f"key={row.key} ") == 1 and reload(outbox, notification_id).provider_message_id in log


def test_a_failing_gateway_is_retried_with_backoff_until_the_message_is_sent(app, outbox, gateway):
    gateway.fail(3, status=503)
    notification_id, _ = file_in_a_request(app, outbox)
    assert services.wait_for_deliveries(10)
    row = reload(outbox, notification_id)
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "gateway busy or failing: HTTP 503")
    assert timedelta(seconds=14) <= row.next_attempt_at - row.created_at <= timedelta(seconds=31)

    assert services.deliver_due(outbox) == {}  # not due yet
    assert gateway.requests == 1
    for attempts, (low, high) in ((2, (30, 60)), (3, (60, 120))):
        with travel_to(row.next_attempt_at):
            before = clock.now()
            assert services.deliver_due(outbox) == {"failed": 1}
            after = clock.now()
        row = reload(outbox, notification_id)
        assert row.attempts == attempts
        assert before + timedelta(seconds=low) <= row.next_attempt_at <= after + timedelta(seconds=high)
    with travel_to(row.next_attempt_at):
        assert services.deliver_due(outbox) == {"sent": 1}
    row = reload(outbox, notification_id)
    assert (row.status, row.attempts, row.last_error) == ("sent", 4, None)
    assert gateway.requests == 4 and len(gateway.messages) == 1


def test_a_refusal_by_the_gateway_is_dead_at_once(app, outbox, gateway):
    gateway.fail(1, status=400)
    notification_id, _ = file_in_a_request(app, outbox)
    assert services.wait_for_deliveries(10)
    row = reload(outbox, notification_id)
    assert (row.status, row.attempts, row.last_error) == ("dead", 1, "gateway refused the message: HTTP 400")
    with clock.travel(timedelta(hours=2)):
        assert services.deliver_due(outbox) == {}
    assert gateway.requests == 1 and gateway.messages == []


def test_a_message_is_dead_when_its_attempts_run_out(app, outbox, gateway):
    app.config["NOTIFICATION_MAX_ATTEMPTS"] = 3
    gateway.fail(10, status=500)
    notification_id, _ = file_in_a_request(app, outbox)
    assert services.wait_for_deliveries(10)
    for hours in (2, 4, 6, 8):  # each far beyond the last backoff
        with clock.travel(timedelta(hours=hours)):
            services.deliver_due(outbox)
    row = reload(outbox, notification_id)
    assert (row.status, row.attempts) == ("dead", 3)
    assert gateway.requests == 3


def test_a_dead_gateway_does_not_hold_up_the_request_and_the_message_goes_when_it_is_back(app, outbox, gateway):
    gateway.stop()
    notification_id, seconds = file_in_a_request(app, outbox)
    assert seconds < 1.0
    assert services.wait_for_deliveries(10)
    row = reload(outbox, notification_id)
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, "gateway unreachable (ConnectError)")

    gateway.start()  # the same port again
    with travel_to(row.next_attempt_at):
        assert services.deliver_due(outbox) == {"sent": 1}
    assert [m.reference for m in gateway.messages] == [row.key]


def test_a_slow_gateway_does_not_hold_up_the_request(app, outbox, gateway):
    gateway.slow(1.5)
    notification_id, seconds = file_in_a_request(app, outbox)
    assert seconds < 0.75
    assert services.wait_for_deliveries(10)
    assert reload(outbox, notification_id).status == "sent"
    assert len(gateway.messages) == 1


def test_a_kannada_speaker_gets_the_kannada_text(app, outbox, gateway):
    notification_id, _ = file_in_a_request(app, outbox, language="kn")
    assert services.wait_for_deliveries(10)
    [message] = gateway.messages
    assert message.message == ("ನಿಮ್ಮ ಕುಂದುಕೊರತೆ KA-2026-00000012 ದಾಖಲಾಗಿದೆ. ಇಲಾಖೆ: ಕಂದಾಯ ಇಲಾಖೆ. "
                               "ಕ್ರಮಕ್ಕೆ ಗಡುವು: 15-12-2026.")
    assert reload(outbox, notification_id).language == "kn"


def test_an_otp_is_masked_in_the_database_once_sent(app, outbox, gateway):
    with app.test_request_context("/api/v1/auth/otp", method="POST"):
        pending = queue_otp(outbox)
        assert "482913" in pending.body  # until it is sent, the outbox must hold it
        pending_id = pending.id
        services.dispatch_after_commit(outbox)
        outbox.commit()
    assert services.wait_for_deliveries(10)
    assert gateway.messages[0].message.startswith("Your ipgrs OTP is 482913.")
    row = reload(outbox, pending_id)
    assert row.status == "sent" and row.sensitive
    assert row.body == "Your ipgrs OTP is ******. It is valid for 10 minutes. Do not share it with anyone. -Govt of Karnataka"


def test_an_otp_that_cannot_be_delivered_is_masked_too(app, outbox, gateway):
    gateway.fail(1, status=422)
    with app.test_request_context("/api/v1/auth/otp", method="POST"):
        pending_id = queue_otp(outbox, code="771204", language="kn").id
        services.dispatch_after_commit(outbox)
        outbox.commit()
    assert services.wait_for_deliveries(10)
    row = reload(outbox, pending_id)
    assert row.status == "dead" and "771204" not in row.body and row.body.startswith("ನಿಮ್ಮ ipgrs ಒಟಿಪಿ ******.")


def test_the_log_provider_writes_the_outbox_file_and_logs_only_masked_recipients(app, outbox, caplog):
    caplog.set_level(logging.DEBUG)
    assert app.config["SMS_PROVIDER"] == "log"
    with app.test_request_context("/api/v1/auth/otp", method="POST"):
        otp_id = queue_otp(outbox, code="905517").id
        email_id = services.queue(outbox, channel="email", recipient="ravi.kumar@example.org", template="officer_assigned",
                               language="en", key="assigned:email",
                               context={"number": "KA-2026-00000012", "grievance_type": "RTC not issued", "due_date": "15-12-2026"}).id
        services.dispatch_after_commit(outbox)
        outbox.commit()
    assert services.wait_for_deliveries(10)
    phone = Path(app.config["NOTIFICATION_OUTBOX_LOG"]).read_text(encoding="utf-8")
    assert f"sms to {MOBILE}" in phone and "Your ipgrs OTP is 905517." in phone
    assert "email to ravi.kumar@example.org" in phone and "Grievance KA-2026-00000012 (RTC not issued) is assigned" in phone
    assert reload(outbox, otp_id).status == "sent" and reload(outbox, email_id).status == "sent"
    logged = caplog.text
    assert "+91******3210" in logged and "r***@example.org" in logged
    assert "9876543210" not in logged and "ravi.kumar" not in logged and "905517" not in logged


def test_deliver_due_sends_everything_due_in_batches(app, outbox):
    ids = [queue_filed(outbox, key=f"batch:{n}").id for n in range(5)]
    later = queue_filed(outbox, key="batch:later")
    later.next_attempt_at = clock.now() + timedelta(minutes=5)
    later_id = later.id
    outbox.commit()  # no dispatch asked: only the sweep sends these
    assert services.deliver_due(outbox, batch_size=2) == {"sent": 5}
    assert {reload(outbox, i).status for i in ids} == {"sent"}
    assert reload(outbox, later_id).status == "pending"
    log = Path(app.config["NOTIFICATION_OUTBOX_LOG"]).read_text(encoding="utf-8")
    assert sum(f"key=batch:{n} " in log for n in range(5)) == 5 and "batch:later" not in log


def test_the_tasks_are_registered_and_the_sweep_is_on_the_beat(app):
    from ipgrs.tasks import celery

    assert {"ipgrs.notifications.deliver", "ipgrs.notifications.deliver_due"} <= set(celery.tasks)
    sweep = [entry for entry in celery.conf.beat_schedule.values() if entry["task"] == "ipgrs.notifications.deliver_due"]
    assert sweep == [{"task": "ipgrs.notifications.deliver_due", "schedule": 15.0}]


def test_retry_delays_double_from_thirty_seconds_with_jitter_up_to_an_hour():
    assert services.retry_delay(0, rng=lambda: 1.0) == timedelta(seconds=30)
    assert services.retry_delay(0, rng=lambda: 0.0) == timedelta(seconds=15)
    assert services.retry_delay(3, rng=lambda: 1.0) == timedelta(seconds=240)
    assert services.retry_delay(7, rng=lambda: 1.0) == timedelta(hours=1)  # 3840 s, capped
    assert services.retry_delay(500, rng=lambda: 0.0) == timedelta(minutes=30)
    delays = {services.retry_delay(2) for _ in range(50)}
    assert len(delays) > 1 and all(timedelta(seconds=60) <= d <= timedelta(seconds=120) for d in delays)
