"""The real platform in a subprocess, as `make run` starts it, and Debian's Chromium driven by Playwright.

Playwright's own browser download is never used (`playwright install` cannot fetch here): the tests launch
/usr/bin/chromium, which .ci/run installs with apt on a clean machine.

The server's clock reads a clock file (IPGRS_CLOCK_FILE, see ipgrs/clock.py): a test moves time with
`live_server.advance(days)` instead of sleeping, and sweeps lapsed grievances with `live_server.escalate()`,
the `ipgrs escalate` an operator runs (the server's own beat sweeps only once a minute).
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from PIL import Image

from tests.conftest import ROOT, service_unavailable

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]
STARTUP_SECONDS = 120  # the first start migrates, publishes the 44 departments and seeds the demo officers
SCREENSHOTS = ROOT / "test-output" / "browser"

# What the subprocess must not inherit: any of these would turn the embedded default into something else.
NOT_INHERITED = ("DATABASE_URL", "SECRET_KEY", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "SMS_PROVIDER",
                 "SMS_GATEWAY_URL", "SMS_GATEWAY_TOKEN", "IPGRS_CONFIG_DIR", "IPGRS_ATTACHMENT_DIR",
                 # set by Flask's CLI runner when an earlier test in this process ran a `flask` command: the
                 # child's app.run() would then return at once
                 "FLASK_RUN_FROM_CLI")


@dataclass
class LiveServer:
    url: str
    instance: Path
    process: subprocess.Popen
    log: Path
    env: dict
    clock_offset: float = 0.0  # seconds, as written to the clock file

    @property
    def outbox(self) -> Path:
        return self.instance / "outbox.log"

    @property
    def clock_file(self) -> Path:
        return self.instance / "clock"

    def advance(self, days: float) -> None:
        """Moves the clock of the server (and of `escalate`) forward by `days`, on top of earlier advances."""
        self._set_clock(self.clock_offset + days * 86_400)

    def reset_clock(self) -> None:
        self._set_clock(0.0)

    def _set_clock(self, seconds: float) -> None:
        before = self.clock_file.stat().st_mtime_ns if self.clock_file.exists() else 0
        self.clock_file.write_text(f"{seconds:.0f}\n")
        # ipgrs.clock re-reads the file when its mtime changes: make sure it does, even within one timer tick.
        stamp = max(time.time_ns(), before + 1_000_000)
        os.utime(self.clock_file, ns=(stamp, stamp))
        self.clock_offset = seconds

    def escalate(self) -> str:
        """`ipgrs escalate` against this server's database and clock; its output ("escalated N, …")."""
        cli = Path(sys.executable).with_name("ipgrs")
        done = subprocess.run([str(cli), "escalate"], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"ipgrs escalate exited with {done.returncode}:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def latest_otp(self, mobile: str, timeout: float = 10.0) -> str:
        """The code of the newest OTP SMS to `mobile` ("+91..."), read from the outbox log as a developer
        reads it on `make run`. Delivery runs on a background thread after the commit, so this polls."""
        deadline = time.monotonic() + timeout
        while True:
            text = self.outbox.read_text(encoding="utf-8") if self.outbox.exists() else ""
            entries = [e for e in text.split("--- ")[1:] if f" sms to {mobile} [otp," in e.split("\n", 1)[0]]
            if entries:
                code = re.search(r"\b(\d{6})\b", entries[-1].split("\n", 1)[1])
                assert code, f"the OTP SMS to {mobile} has no 6-digit code: {entries[-1]!r}"
                return code.group(1)
            if time.monotonic() > deadline:
                raise AssertionError(f"no OTP SMS to {mobile} reached {self.outbox} within {timeout:.0f} s")
            time.sleep(0.1)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/health", timeout=2) as response:
            return response.status == 200
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """`python app.py` on a free port with its own instance directory (SQLite DB, secret, outbox.log, uploads)
    and clock file."""
    instance = tmp_path_factory.mktemp("instance")
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED + ("IPGRS_CLOCK_FILE",)}
    env.update(IPGRS_INSTANCE_DIR=str(instance), IPGRS_CLOCK_FILE=str(instance / "clock"), PYTHONUNBUFFERED="1")
    log = instance / "server.log"
    # sys.executable is .venv/bin/python under `make test`: the same interpreter `make run` uses.
    with log.open("wb") as out:
        process = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env | {"PORT": str(port)}, stdout=out,
                                   stderr=subprocess.STDOUT)
    server = LiveServer(url=f"http://127.0.0.1:{port}", instance=instance, process=process, log=log, env=env)
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while not _healthy(server.url):
            if process.poll() is not None:
                pytest.fail(f"app.py exited with {process.returncode} before answering /health:\n{server.log_text()[-4000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"app.py did not answer GET /health with 200 within {STARTUP_SECONDS} s:\n{server.log_text()[-4000:]}")
            time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        service_unavailable("Chromium", FileNotFoundError(f"{CHROMIUM} is not installed (apt-get install chromium)"))
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


VIEWPORTS = {
    "desktop": {"viewport": {"width": 1280, "height": 800}},
    "phone": {"viewport": {"width": 360, "height": 740}, "is_mobile": True, "has_touch": True, "device_scale_factor": 2},
}


@dataclass
class BrowserPage:
    """A Playwright page plus what the browser complained about while the test drove it."""
    page: object
    console_errors: list
    shots: Path


@pytest.fixture
def page_for(browser, live_server):
    """page_for(viewport, shots_name): a fresh browser context (no cookies) at one of VIEWPORTS, whose console
    errors, uncaught exceptions and failed requests are collected. A screenshot folder is emptied the first time
    a test names it, so the actors of one story (citizen, officers) can share it."""
    contexts, emptied = [], set()

    def make(viewport: str, shots_name: str | None = None) -> BrowserPage:
        context = browser.new_context(base_url=live_server.url, **VIEWPORTS[viewport])
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        errors: list[str] = []
        page.on("console", lambda m: errors.append(f"console {m.type}: {m.text} ({m.location.get('url')})")
                if m.type == "error" else None)
        page.on("pageerror", lambda exc: errors.append(f"uncaught exception: {exc}"))
        # net::ERR_ABORTED is the browser dropping a page's requests as it navigates away: not the portal's fault.
        page.on("requestfailed", lambda r: errors.append(f"request failed: {r.method} {r.url}: {r.failure}")
                if "ERR_ABORTED" not in (r.failure or "") else None)
        shots = SCREENSHOTS / (shots_name or viewport)
        shots.mkdir(parents=True, exist_ok=True)
        if shots not in emptied:
            emptied.add(shots)
            for old in shots.glob("*.png"):
                old.unlink()
        return BrowserPage(page=page, console_errors=errors, shots=shots)

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def advance(live_server):
    """advance(days): moves the server's clock forward for this test only; it is set back afterwards."""
    yield live_server.advance
    live_server.reset_clock()


@pytest.fixture
def document_png(tmp_path):
    """A small PNG to upload, as a citizen's or an officer's document."""
    path = tmp_path / "rtc-application-receipt.png"
    image = Image.new("RGB", (120, 80), "white")
    for x in range(10, 110):
        image.putpixel((x, 40), (11, 83, 148))
    image.save(path)
    return path
