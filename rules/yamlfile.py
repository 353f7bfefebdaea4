"""Reads one configuration file as plain, safe YAML and remembers where every value was written."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path as FsPath

import yaml
from yaml.events import AliasEvent, CollectionEndEvent, CollectionStartEvent, ScalarEvent
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from .errors import ConfigError, Path

MAX_BYTES = 1024 * 1024
# A department file nests about eight levels deep (routing[0].when.all[1].not.citizen.age.gte); far deeper
# nesting is a mistake, and past a few hundred levels the checks below it (all recursive) would run out of stack.
MAX_DEPTH = 40


@dataclass
class SourceFile:
    """A parsed file: its data, and for every path the (line, column) of the value and of its key."""

    name: str
    data: object = None
    values: dict = field(default_factory=dict)
    keys: dict = field(default_factory=dict)
    text: str = ""

    def position(self, path: Path, prefer_key: bool = False) -> tuple[int, int]:
        path = tuple(path)
        while True:
            table = (self.keys, self.values) if prefer_key else (self.values, self.keys)
            for t in table:
                if path in t:
                    return t[path]
            if not path:
                return (1, 1)
            path = path[:-1]

    def error(self, path: Path, message: str, prefer_key: bool = False) -> ConfigError:
        line, col = self.position(path, prefer_key)
        return ConfigError(self.name, line, col, message, tuple(path))


try:  # libyaml when PyYAML has it: twenty times faster on a large catalogue
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader


class _Refused(Exception):
    def __init__(self, message, mark):
        super().__init__(message)
        self.message, self.mark = message, mark


def _refuse_anchors_and_tags(text: str) -> None:
    """Anchors, aliases and explicit tags are refused: nodal officers never need them, and aliases
    are how a small file expands into gigabytes. Checked on the event stream, before composing, with the depth."""
    parser = _Loader(text)
    depth = 0
    try:
        while parser.check_event():
            event = parser.get_event()
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _Refused(f"lists and mappings are nested more than {MAX_DEPTH} levels deep here", event.start_mark)
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
            if isinstance(event, AliasEvent):
                raise _Refused("aliases (*name) are not allowed; write the value out in full", event.start_mark)
            if isinstance(event, (ScalarEvent, CollectionStartEvent)):
                if event.anchor is not None:
                    raise _Refused("anchors (&name) are not allowed; write each value out in full", event.start_mark)
                if event.tag not in (None, "!"):
                    raise _Refused(f"tag '{event.tag}' is not allowed; only plain YAML values are", event.start_mark)
    finally:
        parser.dispose()


def _compose(text: str):
    parser = _Loader(text)
    try:
        return parser.get_single_node()
    finally:
        parser.dispose()


def _pos(node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


def read_file(path: FsPath, display_name: str | None = None) -> tuple[SourceFile, list[ConfigError]]:
    name = display_name or str(path)
    source = SourceFile(name)
    try:
        raw = FsPath(path).read_bytes()
    except OSError as exc:
        return source, [ConfigError(name, 1, 1, f"cannot read the file: {exc.strerror}")]
    return parse_bytes(raw, name)


def parse_bytes(raw: bytes, name: str) -> tuple[SourceFile, list[ConfigError]]:
    source = SourceFile(name)
    if len(raw) > MAX_BYTES:
        return source, [ConfigError(name, 1, 1, f"file is {len(raw):,} bytes; the limit is {MAX_BYTES:,} bytes (1 MB)")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        return source, [ConfigError(name, line, col, f"file is not UTF-8 text (byte 0x{raw[exc.start]:02x}); save it as UTF-8")]
    if text.startswith("\ufeff"):
        text = text[1:]
    source.text = text
    try:
        _refuse_anchors_and_tags(text)
        node = _compose(text)
    except _Refused as exc:
        return source, [ConfigError(name, exc.mark.line + 1, exc.mark.column + 1, exc.message)]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = exc.problem or "invalid YAML"
        if exc.context:
            problem = f"{problem} ({exc.context})"
        line, column = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        lines = text.split("\n")
        if line > len(lines):  # libyaml puts "end of file" on a line after the last one
            line, column = len(lines), len(lines[-1]) + 1
        return source, [ConfigError(name, line, column, f"YAML syntax error: {problem}")]
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (NUL, other control characters)
        # libyaml reports the offset in the UTF-8 bytes it read.
        before = text.encode("utf-8")[: exc.position].decode("utf-8", "replace")
        line, col = before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1
        return source, [ConfigError(name, line, col, f"character U+{_code_point(exc.character):04X} is not allowed in YAML: {exc.reason}")]
    except yaml.YAMLError as exc:
        return source, [ConfigError(name, 1, 1, f"YAML syntax error: {exc}")]
    if node is None:
        return source, [ConfigError(name, 1, 1, "file is empty; a department file starts with 'code:' and 'name:'")]
    errors: list[ConfigError] = []
    constructor = yaml.SafeLoader("")
    source.data = _build(node, (), source, errors, constructor)
    return source, errors


def _code_point(character) -> int:
    return ord(character) if isinstance(character, str) else int(character)  # libyaml gives a number, PyYAML a str


def _build(node, path, source: SourceFile, errors, constructor):
    source.values[path] = _pos(node)
    if isinstance(node, ScalarNode):
        # YAML 1.1 reads yes/no/on/off as booleans; here only true/false are (a form option "NO" stays text).
        if node.tag == "tag:yaml.org,2002:bool" and node.value.lower() not in ("true", "false"):
            return node.value
        try:
            return constructor.construct_object(node)
        except (ValueError, OverflowError, yaml.YAMLError) as exc:  # e.g. the date 2026-02-30
            message = (f"{node.value} is not a date on the calendar" if node.tag == "tag:yaml.org,2002:timestamp"
                       else f"'{node.value}' is not a valid value: {exc}")
            errors.append(ConfigError(source.name, *_pos(node), message, path))
            return node.value
    if isinstance(node, SequenceNode):
        return [_build(child, path + (i,), source, errors, constructor) for i, child in enumerate(node.value)]
    if isinstance(node, MappingNode):
        out = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                errors.append(ConfigError(source.name, *_pos(key_node), "a key must be a plain word, not a list or mapping", path))
                continue
            key = constructor.construct_object(key_node)
            if isinstance(key, (dict, list)) or key is None:
                errors.append(ConfigError(source.name, *_pos(key_node), "a key must be a plain word", path))
                continue
            if key in out:
                first = source.keys[path + (key,)]
                errors.append(ConfigError(source.name, *_pos(key_node), f"duplicate key '{key}' (first given at line {first[0]})", path + (key,)))
                continue
            source.keys[path + (key,)] = _pos(key_node)
            out[key] = _build(value_node, path + (key,), source, errors, constructor)
        return out
    return None
