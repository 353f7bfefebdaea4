"""Where messages go: one interface, `send(notification) -> provider message id`, raising DeliveryError, and
`lookup(notification) -> provider message id or None`: whether an earlier, interrupted attempt reached the
provider (services.deliver asks before sending a message again).

SMS goes to the developer's "phone" (a file, the embedded default) or to an HTTP SMS gateway. Email goes to
the same file: sending email over SMTP is out of scope for now, so there is no email gateway yet.
"""
from __future__ import annotations

import logging
import threading
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import quote

import httpx

from .. import clock
from ..citizens.privacy import mask_contact

log = logging.getLogger(__name__)

GATEWAY_TIMEOUT = httpx.Timeout(5.0, connect=3.0)  # connect 3 s; read, write and pool 5 s


class DeliveryError(Exception):
    """A message was not delivered. `retryable` says whether trying again later can help.

    The message is short and names no recipient: it is stored in Notification.last_error and logged."""

    def __init__(self, message: str, *, retryable: bool):
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class Message:
    """What a provider needs of a notification, detached from the database session."""

    id: int
    channel: str
    recipient: str
    template: str
    language: str
    body: str
    key: str

    @classmethod
    def of(cls, notification) -> "Message":
        return cls(notification.id, notification.channel, notification.recipient, notification.template,
                   notification.language, notification.body, notification.key)


class Provider(Protocol):
    def send(self, notification: Message) -> str: ...

    def lookup(self, notification: Message) -> str | None: ...


class LogProvider:
    """Appends each message, in full, to a file (instance/outbox.log): the developer's phone and inbox.

    The application log gets only the masked recipient."""

    _lock = threading.Lock()  # one process, several delivery threads, one file

    def __init__(self, path):
        self.path = Path(path)

    def send(self, notification) -> str:
        message_id = f"log-{uuid.uuid4().hex[:16]}"
        entry = (f"--- {clock.now().isoformat(timespec='seconds')} {notification.channel} to {notification.recipient}"
                 f" [{notification.template}, {notification.language}] key={notification.key} id={message_id}\n"
                 f"{notification.body}\n\n")
        try:
            with self._lock:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("a", encoding="utf-8") as out:
                    out.write(entry)
        except OSError as exc:
            raise DeliveryError(f"outbox file not writable: {type(exc).__name__}", retryable=True) from None
        log.info("%s %s (notification %s) to %s written to %s", notification.channel, notification.template,
                 notification.id, mask_contact(notification.recipient), self.path)
        return message_id

    def lookup(self, notification) -> str | None:
        try:
            with self._lock, self.path.open(encoding="utf-8") as outbox:
                for line in outbox:
                    if line.startswith("--- ") and f" key={notification.key} id=" in line:
                        return line.rsplit(" id=", 1)[1].strip()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise DeliveryError(f"outbox file not readable: {type(exc).__name__}", retryable=True) from None
        return None


class HttpSmsProvider:
    """An SMS gateway that takes POST {to, sender, message, reference} as JSON with a bearer token and
    answers 2xx with {"id": ...}; GET <url>/<reference> answers 200 {"id": ...} for a message it has taken and
    404 for one it has not (lookup). A gateway without that lookup answers anything else, and an interrupted
    message is sent again: at least once, rather than exactly once.

    429, 5xx, timeouts and connection errors are retryable; any other answer is a refusal (the number or the
    message is wrong, or our token is), which trying again will not fix. A 2xx without an id is not retried
    either: the gateway may have sent the message, and a second SMS is worse than a missing id."""

    _clients: dict[tuple, httpx.Client] = {}
    _clients_lock = threading.Lock()

    def __init__(self, url: str, token: str, sender: str, *, timeout: httpx.Timeout = GATEWAY_TIMEOUT):
        self.url, self.token, self.sender, self.timeout = url, token, sender, timeout

    def _client(self) -> httpx.Client:
        # One pooled, thread-safe client per gateway and timeout, kept for the life of the process.
        key = (self.url, repr(self.timeout))
        with self._clients_lock:
            client = self._clients.get(key)
            if client is None:
                client = self._clients[key] = httpx.Client(timeout=self.timeout, follow_redirects=False)
            return client

    def send(self, notification) -> str:
        payload = {"to": notification.recipient, "sender": self.sender, "message": notification.body,
                   "reference": notification.key}
        response = self._call("POST", self.url, json=payload)
        status = response.status_code
        if not 200 <= status < 300:
            raise DeliveryError(f"gateway refused the message: HTTP {status}", retryable=False)
        message_id = _message_id(response)
        if message_id is None:
            raise DeliveryError(f"gateway answered HTTP {status} without a message id", retryable=False)
        return message_id

    def lookup(self, notification) -> str | None:
        response = self._call("GET", f"{self.url.rstrip('/')}/{quote(notification.key, safe='')}")
        return _message_id(response) if response.status_code == 200 else None

    def _call(self, method: str, url: str, **kwargs) -> httpx.Response:
        """The gateway's answer; a timeout, no connection, 429 or 5xx is a retryable DeliveryError."""
        try:
            response = self._client().request(method, url, headers={"Authorization": f"Bearer {self.token}"}, **kwargs)
        except httpx.TimeoutException as exc:
            raise DeliveryError(f"gateway timed out ({type(exc).__name__})", retryable=True) from None
        except httpx.TransportError as exc:
            raise DeliveryError(f"gateway unreachable ({type(exc).__name__})", retryable=True) from None
        if response.status_code == 429 or response.status_code >= 500:
            raise DeliveryError(f"gateway busy or failing: HTTP {response.status_code}", retryable=True)
        return response


def _message_id(response: httpx.Response) -> str | None:
    try:
        message_id = response.json()["id"]
    except (ValueError, KeyError, TypeError):
        return None
    return None if message_id in (None, "") else str(message_id)[:120]

def for_channel(channel: str, config) -> Provider:
    """The provider the settings name for a channel. Email always goes to the outbox file: SMTP is out of
    scope for now."""
    if channel == "sms" and config["SMS_PROVIDER"] == "http":
        return HttpSmsProvider(config["SMS_GATEWAY_URL"], config["SMS_GATEWAY_TOKEN"], config["SMS_SENDER_ID"])
    return LogProvider(config["NOTIFICATION_OUTBOX_LOG"])
