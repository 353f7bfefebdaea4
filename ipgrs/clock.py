"""The platform's idea of now. Timelines and OTP expiry read it here, so tests can move time instead of sleeping.

A deployment never sets a clock file. Browser tests and demos may (IPGRS_CLOCK_FILE): it holds a number of
seconds to add to real time, read again whenever the file changes, so a test can advance the clock of a
running server and of the CLI that shares the file.
"""
from __future__ import annotations

import contextlib
import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

_offset = timedelta(0)
_file: Path | None = None
_file_state: tuple = (None, timedelta(0))  # (mtime_ns, offset read)


def configure(clock_file: str | None) -> None:
    global _file
    _file = Path(clock_file) if clock_file else None


def _file_offset() -> timedelta:
    global _file_state
    if _file is None:
        return timedelta(0)
    try:
        stamp = os.stat(_file).st_mtime_ns
    except FileNotFoundError:
        return timedelta(0)
    if stamp != _file_state[0]:
        try:
            seconds = float(_file.read_text().strip() or 0)
        except (OSError, ValueError):
            seconds = 0.0
        _file_state = (stamp, timedelta(seconds=seconds))
    return _file_state[1]


def now() -> datetime:
    return datetime.now(timezone.utc) + _offset + _file_offset()


@contextlib.contextmanager
def travel(delta: timedelta):
    """Moves the clock forward by `delta` inside the block (tests only)."""
    global _offset
    previous = _offset
    _offset = previous + delta
    try:
        yield
    finally:
        _offset = previous
