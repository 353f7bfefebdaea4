"""The platform's idea of now. Timelines and OTP expiry read it here, so tests can move time instead of sleeping."""
from __future__ import annotations

import contextlib
from datetime import datetime, timedelta, timezone

_offset = timedelta(0)


def now() -> datetime:
    return datetime.now(timezone.utc) + _offset


@contextlib.contextmanager
def travel(delta: timedelta):
    """Moves the clock forward by `delta` inside the block (tests and the demo's time-travel only)."""
    global _offset
    previous = _offset
    _offset = previous + delta
    try:
        yield
    finally:
        _offset = previous
