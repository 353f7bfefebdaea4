"""The providers on their own: the HTTP SMS gateway client against a real local server, the outbox file,
masking, and the settings that choose them."""
from __future__ import annotations

import httpx
import pytest

from ipgrs import settings
from ipgrs.citizens.privacy import mask_contact
from ipgrs.notifications.providers import (GATEWAY_TIMEOUT, DeliveryError, HttpSmsProvider, LogProvider, Message,
                                           for_channel)
from tests.support.fake_sms_gateway import FakeSmsGateway

MESSAGE = Message(id=7, channel="sms", recipient="+919876543210", template="grievance_status", language="en",
                  body="Your grievance KA-2026-00000012 is now: Resolved.", key="grievance:KA-2026-00000012:status:sms")


@pytest.fixture
def gateway():
    fake = FakeSmsGateway().start()
    yield fake
    fake.stop()


def provider_for(gateway, **kwargs) -> HttpSmsProvider:
    return HttpSmsProvider(gateway.url, gateway.token, "KAGOVT", **kwargs)


def test_the_gateway_gets_the_message_as_json_with_the_bearer_token(gateway):
    assert provider_for(gateway).send(MESSAGE) == "fake-1"
    [received] = gateway.messages
    assert received.raw == {"to": "+919876543210", "sender": "KAGOVT", "message": MESSAGE.body, "reference": MESSAGE.key}
    assert received.authorization == "Bearer " + gateway.token


@pytest.mark.parametrize("status, retryable", [(429, True), (500, True), (502, True), (503, True),
                                               (400, False), (403, False), (404, False), (422, False)])
def test_busy_or_failing_gateways_are_retried_and_refusals_are_not(gateway, status, retryable):
    gateway.fail(1, status=status)
    with pytest.raises(DeliveryError) as info:
        provider_for(gateway).send(MESSAGE)
    assert info.value.retryable is retryable
    assert f"HTTP {status}" in str(info.value) and "9876543210" not in str(info.value)
    assert gateway.messages == []


def test_a_wrong_token_is_a_refusal(gateway):
    with pytest.raises(DeliveryError, match="HTTP 401") as info:
        HttpSmsProvider(gateway.url, "not-the-token", "KAGOVT").send(MESSAGE)
    assert info.value.retryable is False


def test_a_gateway_that_does_not_answer_in_time_is_retried_later(gateway):
    gateway.slow(1.0)
    with pytest.raises(DeliveryError, match="gateway timed out") as info:
        provider_for(gateway, timeout=httpx.Timeout(0.3, connect=0.3)).send(MESSAGE)
    assert info.value.retryable is True


def test_a_gateway_that_refuses_connections_is_retried_later(gateway):
    gateway.stop()
    with pytest.raises(DeliveryError, match=r"gateway unreachable \(ConnectError\)") as info:
        provider_for(gateway).send(MESSAGE)
    assert info.value.retryable is True
    gateway.start()
    assert provider_for(gateway).send(MESSAGE) == "fake-1"


def test_the_gateway_timeouts_are_three_seconds_to_connect_and_five_to_read():
    assert (GATEWAY_TIMEOUT.connect, GATEWAY_TIMEOUT.read) == (3.0, 5.0)


def test_the_log_provider_appends_whole_messages_to_the_outbox_file(tmp_path, caplog):
    caplog.set_level("INFO")
    path = tmp_path / "nested" / "outbox.log"
    provider = LogProvider(path)
    first, second = provider.send(MESSAGE), provider.send(MESSAGE)
    assert first != second and first.startswith("log-")
    text = path.read_text(encoding="utf-8")
    assert text.count("sms to +919876543210 [grievance_status, en] key=grievance:KA-2026-00000012:status:sms") == 2
    assert text.count(MESSAGE.body) == 2
    assert "+91******3210" in caplog.text and "9876543210" not in caplog.text


def test_an_unwritable_outbox_file_is_a_retryable_failure(tmp_path):
    (tmp_path / "file").write_text("")
    with pytest.raises(DeliveryError, match="outbox file not writable") as info:
        LogProvider(tmp_path / "file" / "outbox.log").send(MESSAGE)
    assert info.value.retryable is True


def test_recipients_are_masked_for_logs():
    assert mask_contact("+919876543210") == "+91******3210"
    assert mask_contact("ravi.kumar@example.org") == "r***@example.org"
    assert mask_contact("+9112") == "*****"


def test_settings_choose_the_provider(tmp_path):
    embedded = settings.from_environment({"DATABASE_URL": "sqlite:///x.db", "SECRET_KEY": "k"})
    assert (embedded["SMS_PROVIDER"], embedded["SMS_SENDER_ID"], embedded["NOTIFICATION_MAX_ATTEMPTS"]) == ("log", "IPGRS", 8)
    assert embedded["NOTIFICATION_OUTBOX_LOG"].endswith("outbox.log")
    assert isinstance(for_channel("sms", embedded), LogProvider)

    gateway = settings.from_environment({"DATABASE_URL": "sqlite:///x.db", "SECRET_KEY": "k", "SMS_PROVIDER": "http",
                                         "SMS_GATEWAY_URL": "https://sms.example.org/v1/messages", "SMS_GATEWAY_TOKEN": "t",
                                         "SMS_SENDER_ID": "KAGOVT", "NOTIFICATION_MAX_ATTEMPTS": "5"})
    sms = for_channel("sms", gateway)
    assert isinstance(sms, HttpSmsProvider) and (sms.url, sms.token, sms.sender) == ("https://sms.example.org/v1/messages", "t", "KAGOVT")
    assert gateway["NOTIFICATION_MAX_ATTEMPTS"] == 5
    assert isinstance(for_channel("email", gateway), LogProvider)  # no email gateway yet


@pytest.mark.parametrize("env, message", [
    ({"SMS_PROVIDER": "carrier-pigeon"}, "SMS_PROVIDER must be 'log' or 'http'"),
    ({"SMS_PROVIDER": "http"}, "SMS_PROVIDER=http needs SMS_GATEWAY_URL and SMS_GATEWAY_TOKEN"),
    ({"SMS_PROVIDER": "http", "SMS_GATEWAY_URL": "https://sms.example.org"}, "needs SMS_GATEWAY_URL and SMS_GATEWAY_TOKEN"),
    ({"NOTIFICATION_MAX_ATTEMPTS": "0"}, "NOTIFICATION_MAX_ATTEMPTS must be a whole number of at least 1"),
    ({"NOTIFICATION_MAX_ATTEMPTS": "many"}, "NOTIFICATION_MAX_ATTEMPTS must be a whole number of at least 1"),
])
def test_bad_notification_settings_are_refused_at_start(env, message):
    with pytest.raises(settings.SettingsError, match=message):
        settings.from_environment({"DATABASE_URL": "sqlite:///x.db", "SECRET_KEY": "k", **env})
