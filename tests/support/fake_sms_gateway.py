"""A real HTTP SMS gateway on 127.0.0.1 for tests: it records what it is sent, and can fail, be slow or be down.

It speaks what HttpSmsProvider expects: POST JSON {to, sender, message, reference} with a bearer token,
answering 200 {"id": "fake-N"}, and GET /v1/messages/<reference> answering that id or 404. `fail(times, status)` answers the next requests with an error status,
`failure_rate` answers that share of requests, at random, with 503 (the load test's flaky gateway),
`slow(seconds)` sleeps before answering, `stop()` closes the port (connections are refused) and `start()`
opens the same port again.
"""
from __future__ import annotations

import json
import random
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote


@dataclass
class Received:
    to: str
    sender: str
    message: str
    reference: str
    authorization: str
    raw: dict = field(repr=False)


class FakeSmsGateway:
    def __init__(self, token: str = "test-gateway-token", failure_rate: float = 0.0, seed: int = 1902):
        self.token = token
        self.failure_rate = failure_rate
        self.failed = 0                      # requests answered 503 by failure_rate
        self._random = random.Random(seed)
        self.messages: list[Received] = []   # accepted messages, in order
        self.requests = 0                    # every request that reached the handler, accepted or not
        self.lookups = 0                     # GET /v1/messages/<reference>
        self.port = 0
        self._lock = threading.Lock()
        self._failures: list[int] = []
        self._delay = 0.0
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1/messages"

    def start(self) -> "FakeSmsGateway":
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                gateway._handle(self)

            def do_GET(self):
                gateway._lookup(self)

            def log_message(self, *args):  # keep test output quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Closes the listening socket: from now on connections to the port are refused."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = self._thread = None

    def fail(self, times: int, status: int = 503) -> None:
        with self._lock:
            self._failures.extend([status] * times)

    def slow(self, seconds: float) -> None:
        self._delay = seconds

    def _handle(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        raw = request.rfile.read(length)
        with self._lock:
            self.requests += 1
            status = self._failures.pop(0) if self._failures else None
            if status is None and self.failure_rate and self._random.random() < self.failure_rate:
                status = 503
                self.failed += 1
        if self._delay:
            time.sleep(self._delay)
        if request.path != "/v1/messages":
            return self._answer(request, 404, {"error": "no such endpoint"})
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return self._answer(request, 401, {"error": "bad token"})
        if status is not None:
            return self._answer(request, status, {"error": f"told to fail with {status}"})
        try:
            data = json.loads(raw.decode("utf-8"))
            received = Received(to=data["to"], sender=data["sender"], message=data["message"],
                                reference=data["reference"], authorization=request.headers["Authorization"], raw=data)
        except (ValueError, KeyError, TypeError):
            return self._answer(request, 400, {"error": "expected JSON with to, sender, message and reference"})
        with self._lock:
            self.messages.append(received)
            message_id = f"fake-{len(self.messages)}"
        self._answer(request, 200, {"id": message_id, "status": "accepted"})

    def _lookup(self, request: BaseHTTPRequestHandler) -> None:
        """GET /v1/messages/<reference>: the id of the message taken with that reference, or 404."""
        prefix = "/v1/messages/"
        if not request.path.startswith(prefix):
            return self._answer(request, 404, {"error": "no such endpoint"})
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return self._answer(request, 401, {"error": "bad token"})
        reference = unquote(request.path[len(prefix):])
        with self._lock:
            self.lookups += 1
            found = [i for i, m in enumerate(self.messages, 1) if m.reference == reference]
        if not found:
            return self._answer(request, 404, {"error": "no message with that reference"})
        return self._answer(request, 200, {"id": f"fake-{found[0]}", "status": "accepted"})

    @staticmethod
    def _answer(request: BaseHTTPRequestHandler, status: int, body: dict) -> None:
        payload = json.dumps(body).encode("utf-8")
        try:
            request.send_response(status)
            request.send_header("Content-Type", "application/json")
            request.send_header("Content-Length", str(len(payload)))
            request.end_headers()
            request.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting (a timeout test)
            pass
