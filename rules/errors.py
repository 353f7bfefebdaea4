"""Configuration errors that point at a file, a line and a path, the way nodal officers read them."""
from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import Iterable, Sequence

Path = tuple  # e.g. ("services", 2, "grievances", 0, "code")


def format_path(path: Sequence) -> str:
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    match = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean '{match[0]}'?" if match else ""


@dataclass(frozen=True, order=True)
class ConfigError:
    file: str
    line: int
    column: int
    message: str
    path: Path = ()

    def __str__(self) -> str:
        where = f" (at {format_path(self.path)})" if self.path else ""
        return f"{self.file}:{self.line}:{self.column}: {self.message}{where}"


class ConfigInvalid(Exception):
    """Raised when a catalogue cannot be built; carries every error found, not just the first."""

    def __init__(self, errors: list[ConfigError]):
        self.errors = sorted(errors)
        super().__init__("\n".join(str(e) for e in self.errors))
