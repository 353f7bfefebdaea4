"""OTP registration and login: hashed codes, expiry, tries, cool-down, rate limits, same answer for everyone."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from ipgrs import clock
from ipgrs.citizens import services
from ipgrs.citizens.models import Citizen, OtpChallenge
from tests.portal.helpers import latest_otp


@pytest.mark.parametrize("raw", ["9876543210", "+91 98765 43210", "098765-43210", "+919876543210"])
def test_numbers_are_normalised(raw):
    from ipgrs.citizens.phone import normalise_mobile

    assert normalise_mobile(raw) == "+919876543210"


@pytest.mark.parametrize("raw", ["", "12345", "5876543210", "+14155552671", "98765432101234", "abcdefghij", "080-22223333", None])
def test_malformed_numbers_are_refused(raw):
    from ipgrs.citizens.phone import InvalidMobile, normalise_mobile

    with pytest.raises(InvalidMobile):
        normalise_mobile(raw)


def test_register_then_log_in_again_with_new_codes(app, db_session):
    sent = services.request_otp(db_session, "9876500001", "10.0.0.1")
    challenge = db_session.scalar(select(OtpChallenge).where(OtpChallenge.mobile == sent.mobile))
    code = latest_otp(app, db_session, sent.mobile)
    assert code not in challenge.code_hash and len(challenge.code_hash) == 64
    citizen, registered = services.verify_otp(db_session, "98765 00001", code)
    assert registered and citizen.mobile == "+919876500001"
    with pytest.raises(services.OtpError, match="not valid any more"):
        services.verify_otp(db_session, sent.mobile, code)  # a used code cannot be replayed
    with clock.travel(timedelta(seconds=31)):
        services.request_otp(db_session, sent.mobile, "10.0.0.1")
        again, registered = services.verify_otp(db_session, sent.mobile, latest_otp(app, db_session, sent.mobile))
    assert not registered and again.id == citizen.id
    assert db_session.scalar(select(func.count()).select_from(Citizen).where(Citizen.mobile == sent.mobile)) == 1


def test_wrong_codes_lock_the_challenge_after_five_tries(app, db_session):
    sent = services.request_otp(db_session, "9876500002", "10.0.0.2")
    code = latest_otp(app, db_session, sent.mobile)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    messages = []
    for _ in range(5):
        with pytest.raises(services.OtpError) as info:
            services.verify_otp(db_session, sent.mobile, wrong)
        messages.append(str(info.value))
    assert messages[0] == "That code is not right. 4 tries left." and messages[-1] == "Too many wrong codes. Ask for a new code."
    with pytest.raises(services.OtpError, match="Too many wrong codes"):
        services.verify_otp(db_session, sent.mobile, code)  # even the right code, once locked


def test_codes_expire_after_five_minutes(app, db_session):
    sent = services.request_otp(db_session, "9876500003", "10.0.0.3")
    code = latest_otp(app, db_session, sent.mobile)
    with clock.travel(timedelta(minutes=5, seconds=1)):
        with pytest.raises(services.OtpError, match="expired"):
            services.verify_otp(db_session, sent.mobile, code)


def test_resend_cool_down_and_hourly_limits(db_session):
    services.request_otp(db_session, "9876500004", "10.0.0.4")
    with pytest.raises(services.RateLimited) as info:
        services.request_otp(db_session, "9876500004", "10.0.0.4")
    assert 0 < info.value.retry_after <= 30 and "seconds" in str(info.value)
    for minutes in range(1, 5):
        with clock.travel(timedelta(minutes=minutes)):
            services.request_otp(db_session, "9876500004", "10.0.0.4")
    with clock.travel(timedelta(minutes=6)):
        with pytest.raises(services.RateLimited, match="Too many codes were sent to this number"):
            services.request_otp(db_session, "9876500004", "10.0.0.4")
    with clock.travel(timedelta(minutes=61, seconds=30)):
        services.request_otp(db_session, "9876500004", "10.0.0.4")  # the hour has passed


def test_per_client_limit(app, db_session):
    limit = app.config["OTP_MAX_PER_CLIENT_PER_HOUR"]
    for i in range(limit):
        services.request_otp(db_session, f"98765{10000 + i:05d}", "10.9.9.9")
    with pytest.raises(services.RateLimited, match="this device or network"):
        services.request_otp(db_session, "9876599999", "10.9.9.9")
    services.request_otp(db_session, "9876599999", "10.9.9.10")  # another client is not affected


def test_a_new_citizen_registers_in_the_language_of_the_page(app, db_session):
    from ipgrs.notifications.models import Notification

    sent = services.request_otp(db_session, "9876500077", "10.0.0.77", language="kn")
    sms = db_session.scalar(select(Notification).where(Notification.recipient == sent.mobile, Notification.template == "otp"))
    assert sms.language == "kn" and "ಒಟಿಪಿ" in sms.body
    citizen, registered = services.verify_otp(db_session, sent.mobile, latest_otp(app, db_session, sent.mobile), language="kn")
    assert registered and citizen.language == "kn"
