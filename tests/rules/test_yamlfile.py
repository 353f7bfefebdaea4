"""The YAML reader refuses what nodal officers should not write, and says where."""
import pytest

from rules.yamlfile import MAX_BYTES, parse_bytes


def errors_of(text: bytes | str):
    raw = text.encode("utf-8") if isinstance(text, str) else text
    source, errors = parse_bytes(raw, "dept.yaml")
    return source, [str(e) for e in errors]


def test_positions_of_values_and_keys_are_remembered():
    source, errors = errors_of("code: REV\nservices:\n  - code: RTC\n    name: x\n")
    assert errors == []
    assert source.data == {"code": "REV", "services": [{"code": "RTC", "name": "x"}]}
    assert source.values[("services", 0, "name")] == (4, 11)
    assert source.keys[("services", 0, "name")] == (4, 5)


def test_syntax_error_names_the_line():
    _, errors = errors_of("code: REV\nname: {en: x\nposts: 1\n")
    assert len(errors) == 1
    assert errors[0].startswith("dept.yaml:3:")
    assert "YAML syntax error" in errors[0]


@pytest.mark.parametrize("text", ["", "   \n# only a comment\n"])
def test_empty_file(text):
    _, errors = errors_of(text)
    assert errors == ["dept.yaml:1:1: file is empty; a department file starts with 'code:' and 'name:'"]


def test_non_utf8_file_points_at_the_byte():
    _, errors = errors_of("code: REV\nname: ".encode() + b"\xff\xfe\n")
    assert errors == ["dept.yaml:2:7: file is not UTF-8 text (byte 0xff); save it as UTF-8"]


def test_oversized_file():
    _, errors = errors_of(b"#" * (MAX_BYTES + 1))
    assert len(errors) == 1 and "the limit is 1,048,576 bytes (1 MB)" in errors[0]


def test_duplicate_key_names_both_lines():
    _, errors = errors_of("code: REV\nname: a\ncode: RDPR\n")
    assert errors == ["dept.yaml:3:1: duplicate key 'code' (first given at line 1) (at code)"]


def test_anchors_and_aliases_are_refused():
    _, errors = errors_of("a: &x [1, 2]\nb: *x\n")
    assert errors == ["dept.yaml:1:4: anchors (&name) are not allowed; write each value out in full"]
    _, errors = errors_of("a: 1\nb: *x\n")
    assert len(errors) == 1 and "dept.yaml:2:4" in errors[0]


@pytest.mark.parametrize("text", ["code: !!python/object:os.system x\n", "code: !custom x\n", "code: !!str REV\n"])
def test_tags_are_refused(text):
    _, errors = errors_of(text)
    assert len(errors) == 1
    assert errors[0].startswith("dept.yaml:1:7: tag ")
    assert "is not allowed" in errors[0]


def test_yes_and_no_stay_text():
    source, errors = errors_of("value: NO\nflag: true\nother: yes\n")
    assert errors == []
    assert source.data == {"value": "NO", "flag": True, "other": "yes"}


def test_an_impossible_date_is_an_error_not_a_crash():
    _, errors = errors_of("code: REV\nstarts: 2026-02-30\n")
    assert errors == ["dept.yaml:2:9: 2026-02-30 is not a date on the calendar (at starts)"]
