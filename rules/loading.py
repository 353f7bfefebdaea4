"""Turns marshmallow's nested error dicts into line-numbered errors with did-you-mean suggestions."""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields

from .errors import ConfigError, did_you_mean
from .yamlfile import SourceFile

_MISSING = "Missing data for required field."
_UNKNOWN = "Unknown field."


def load_with(schema: Schema, source: SourceFile) -> tuple[dict | None, list[ConfigError]]:
    if not isinstance(source.data, dict):
        return None, [source.error((), f"expected a mapping of keys (code:, name:, …) at the top of the file, got {_kind(source.data)}")]
    try:
        return schema.load(source.data), []
    except ValidationError as exc:
        errors: list[ConfigError] = []
        _walk(schema, exc.messages, (), source, errors)
        return None, errors


def _kind(value) -> str:
    return {list: "a list", str: "text", int: "a number", float: "a number", bool: "true/false"}.get(type(value), "nothing")


def _walk(node, messages, path, source: SourceFile, out: list[ConfigError]):
    if isinstance(messages, list):
        for message in messages:
            if isinstance(message, dict):
                _walk(node, message, path, source, out)
            else:
                out.append(_message(node, str(message), path, source))
        return
    if isinstance(node, fields.Nested):
        node = node.schema
    if isinstance(node, Schema):
        for key, sub in messages.items():
            if key == "_schema":
                _walk(None, sub, path, source, out)
            elif key in node.fields:
                field = node.fields[key]
                if isinstance(sub, list) and _MISSING in sub:
                    out.append(source.error(path, f"required key '{key}' not provided", prefer_key=True))
                    sub = [m for m in sub if m != _MISSING]
                    if not sub:
                        continue
                _walk(field, sub, path + (key,), source, out)
            else:
                hint = did_you_mean(key, node.fields.keys())
                out.append(source.error(path + (key,), f"'{key}' is not a valid key here{hint}", prefer_key=True))
        return
    if isinstance(node, fields.List):
        if isinstance(messages, dict):
            for index, sub in messages.items():
                if isinstance(index, int):
                    _walk(node.inner, sub, path + (index,), source, out)
                else:
                    _walk(None, sub, path, source, out)
        return
    if isinstance(node, fields.Dict):
        for key, sub in messages.items():
            if isinstance(sub, dict) and ("key" in sub or "value" in sub):
                if "key" in sub:
                    for message in sub["key"]:
                        out.append(source.error(path + (key,), f"key {key!r}: {message}", prefer_key=True))
                if "value" in sub:
                    _walk(node.value_field, sub["value"], path + (key,), source, out)
            else:
                _walk(None, sub, path + (key,), source, out)
        return
    for key, sub in (messages.items() if isinstance(messages, dict) else []):
        _walk(None, sub, path + ((key,) if key != "_schema" else ()), source, out)


def _message(node, message: str, path, source: SourceFile) -> ConfigError:
    if message.startswith("Invalid input type") or message == "Invalid type.":
        expected = "a list" if isinstance(node, fields.List) else "a mapping of keys" if isinstance(node, (fields.Nested, fields.Dict)) else "a different kind of value"
        message = f"expected {expected}"
    elif message == "Field may not be null.":
        message = "a value is required here"
    elif message == "Not a valid string.":
        message = "expected text"
    elif message == "Not a valid list.":
        message = "expected a list"
    return source.error(path, message)
