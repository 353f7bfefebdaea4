"""Config fuzzing: valid department YAML, mutated, is either accepted or refused with a file and a line, never a crash.

Two small shipped departments (fish.yaml, mwd.yaml) are parsed into Python data and mutated: a key dropped anywhere,
a value's type changed, an escalation chain made to loop, references made to point elsewhere, odd Unicode
(Kannada, right-to-left, zero-width, NUL and other control characters), huge values and deep nesting; the YAML
text itself is mutated too (truncation, invalid UTF-8, tabs, duplicated lines, anchors and aliases, tags, stray
bytes). The properties:

- `rules.build_catalogue` (the in-memory entry point `load_directory` and the platform's `validate_on` use)
  either returns a catalogue that the engine compiles and decides with, or raises ConfigInvalid whose every
  error names one of the files and a line (≥ 1, within the file) — never another exception, never a hang;
- an Engine that published the good catalogue decides the known filings exactly as before after a failed
  load of a mutated one (the invalid catalogue never reaches it).

CI runs a fixed, derandomised set of examples (about 20 s on a quiet machine). `HYPOTHESIS_PROFILE=long` (or `make fuzz-config`)
runs fifty times as many, randomised; docs/security.md says what it found.
"""
from __future__ import annotations

import contextlib
import copy
import faulthandler
import os
import time

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rules
from tests.conftest import CONFIG

LONG = os.environ.get("HYPOTHESIS_PROFILE") == "long"
SLOWEST_EXAMPLE_SECONDS = 5.0  # a build plus compile of two departments takes ~0.05 s; far slower is a near-hang


def fuzz(examples: int):
    """Fixed examples in CI; `HYPOTHESIS_PROFILE=long` runs fifty times as many, randomised."""
    return settings(
        max_examples=examples * 50 if LONG else examples,
        derandomize=not LONG,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
        print_blob=True,
    )


JURISDICTIONS = ("jurisdictions.yaml", (CONFIG / "jurisdictions.yaml").read_bytes())
ORIGINAL = {name: (CONFIG / "departments" / name).read_bytes() for name in ("fish.yaml", "mwd.yaml")}
DATA = {name: yaml.safe_load(raw) for name, raw in ORIGINAL.items()}
KNOWN_FILINGS = [
    {"grievance": "FISH_DIESEL_SUBSIDY_DELAY", "channel": "WEB", "location": {"district": "Udupi", "taluk": "Kundapura"}},
    {"grievance": "FISH_DIESEL_SUBSIDY_DELAY", "channel": "WEB", "location": {"district": "Mysuru", "taluk": "Hunsur"}},
]


@contextlib.contextmanager
def watchdog(seconds: float = 60):
    """A hang inside a C extension (durable-rules, libyaml) holds the GIL, so no Python timeout can stop it;
    faulthandler's watchdog thread can: past `seconds` it prints every thread's stack and ends the process."""
    faulthandler.dump_traceback_later(seconds, exit=True)
    try:
        yield
    finally:
        faulthandler.cancel_dump_traceback_later()


def dump(data) -> bytes:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=1_000_000).encode("utf-8")


def check(files: dict[str, bytes], jurisdictions: tuple[str, bytes] = JURISDICTIONS) -> rules.Catalogue | None:
    """The property: a compiled catalogue, or ConfigInvalid with a file and a line on every error."""
    with watchdog():
        return _check(files, jurisdictions)


def _check(files, jurisdictions):
    started = time.monotonic()
    try:
        catalogue = rules.build_catalogue(jurisdictions, files)
    except rules.ConfigInvalid as exc:
        assert exc.errors, "ConfigInvalid without errors"
        texts = dict(files, **{jurisdictions[0]: jurisdictions[1]})
        for error in exc.errors:
            assert isinstance(error, rules.ConfigError)
            assert error.file in texts, f"error names no file of the catalogue: {error}"
            assert isinstance(error.line, int) and isinstance(error.column, int), error
            assert error.line >= 1 and error.column >= 1, error
            assert error.line <= texts[error.file].count(b"\n") + 1, f"line beyond the end of the file: {error}"
            assert error.message.strip(), error
        catalogue = None
    else:
        engine = rules.Engine(catalogue)  # what validated must compile
        try:
            for code, gt in list(catalogue.grievance_types.items())[:3]:
                try:
                    engine.decide({"grievance": code, "channel": "WEB", "location": {"district": "Udupi"}})
                except rules.NoRuleMatched:
                    pass  # a mutated `when` may leave a filing unrouted; deciding it must still not crash
        finally:
            engine.close()
    assert time.monotonic() - started < SLOWEST_EXAMPLE_SECONDS
    return catalogue


# --- mutations of the parsed data ------------------------------------------------------------------

def paths(node, prefix=()):
    """Every place in the data, not looking inside huge or deeply nested values a mutation put there."""
    yield prefix
    if len(prefix) > 12 or (isinstance(node, (dict, list)) and len(node) > 40):
        return
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths(value, prefix + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from paths(value, prefix + (i,))


def get(node, path):
    for part in path:
        node = node[part]
    return node


def put(node, path, value):
    if not path:
        return value
    get(node, path[:-1])[path[-1]] = value
    return node


ODD_TEXT = st.sampled_from([
    "ಕನ್ನಡ ಇಲಾಖೆ", "ಮೀನುಗಾರಿಕೆ\u200cಇಲಾಖೆ", "עברית", "العربية \u202e\u202c", "\u200b", "\u200d\u200d", "\ufeffFISH",
    "a\x00b", "\x00", "\x07\x1b[31m", "\u2028\u2029", "\U0001f41f", "\U000e0001", "\ufffe", "\uffff", "\U0010ffff",
    "FISH\u0301", "ＦＩＳＨ", "ı", "'; DROP TABLE grievances; --", "{{7*7}}", "<script>x</script>", " ", "", "~", "null",
    "NO", "1e999", "0x1F", "2026-02-30", ".nan", "-.inf",
]) | st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)

HUGE = st.sampled_from([
    "x" * 200_000, "ಕ" * 100_000, 10 ** 1000, -(2 ** 63) - 1, 2 ** 63, 2 ** 64, 1e308, float("inf"), float("-inf"),
    float("nan"), list(range(3000)), ["AD_FISH"] * 2000, [f"C{i}" for i in range(600)],
    {f"K{i}": i for i in range(2000)},
])

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20), st.dates(), ODD_TEXT)
VALUES = st.one_of(
    SCALARS,
    st.lists(SCALARS, max_size=4),
    st.dictionaries(st.one_of(st.text(max_size=8), st.integers(), st.booleans()), SCALARS, max_size=4),
    HUGE,
)


def nested(value, depth: int, kind: str):
    for _ in range(depth):
        value = [value] if kind == "list" else {"a": value}
    return value


@st.composite
def mutated(draw):
    """Both department files, one of them mutated one to three times, as YAML bytes."""
    name = draw(st.sampled_from(sorted(DATA)))
    data = copy.deepcopy(DATA[name])
    other = "mwd.yaml" if name == "fish.yaml" else "fish.yaml"
    for _ in range(draw(st.integers(1, 3))):
        every = list(paths(data))
        path = draw(st.sampled_from(every))
        how = draw(st.sampled_from(["drop", "retype", "odd_text", "huge", "deep", "loop", "reference", "clash"]))
        if how == "drop" and path:
            del get(data, path[:-1])[path[-1]]
        elif how == "retype":
            data = put(data, path, copy.deepcopy(draw(VALUES)))
        elif how == "odd_text":
            strings = [p for p in every if isinstance(get(data, p), str)] or [path]
            data = put(data, draw(st.sampled_from(strings)), draw(ODD_TEXT))
        elif how == "huge":
            data = put(data, path, copy.deepcopy(draw(HUGE)))
        elif how == "deep":
            depth = draw(st.sampled_from([1, 2, 5, 20, 39, 41, 60, 150]))  # deeper: the regression test below
            data = put(data, path, nested(get(data, path), depth, draw(st.sampled_from(["list", "map"]))))
        elif how == "loop":
            chains = [p for p in every if p and p[-1] == "escalation" and isinstance(get(data, p), list) and get(data, p)]
            if chains:
                chain = get(data, draw(st.sampled_from(chains)))
                chain.insert(draw(st.integers(0, len(chain))), draw(st.sampled_from(chain)))
        elif how == "reference":
            # a post, line department or service reference pointing at something that is not there, or at itself
            refs = [p for p in every if p and p[-1] in ("assign", "line_department", "service", "grievance")]
            if refs:
                target = draw(st.sampled_from(refs))
                choices = list(data.get("posts", {}) or {}) if isinstance(data, dict) else []
                data = put(data, target, draw(st.sampled_from(choices + ["NO_SUCH_POST", "DIRECTOR", "FISH", "MWD"])))
        elif how == "clash":
            # a grievance code the other file uses: grievance codes are unique across the catalogue
            theirs = [g["code"] for s in DATA[other]["services"] for g in s["grievances"]]
            codes = [p for p in every if len(p) >= 2 and p[-1] == "code" and "grievances" in p]
            if codes:
                data = put(data, draw(st.sampled_from(codes)), draw(st.sampled_from(theirs)))
    return {name: dump(data), other: ORIGINAL[other]}


# --- mutations of the text -------------------------------------------------------------------------

@st.composite
def mutated_text(draw):
    """One file's bytes mutated: the kinds of damage an editor, a copy-paste or a bad upload does."""
    name = draw(st.sampled_from(sorted(ORIGINAL) + [JURISDICTIONS[0]]))
    raw = ORIGINAL.get(name, JURISDICTIONS[1])
    lines = raw.split(b"\n")
    at = draw(st.integers(0, len(raw)))
    line = draw(st.integers(0, len(lines) - 1))
    how = draw(st.sampled_from(["truncate", "insert", "delete", "tab", "duplicate", "indent", "alias", "anchor_loop",
                                "tag", "control", "bom", "latin1", "document"]))
    if how == "truncate":
        raw = raw[:at]
    elif how == "insert":
        raw = raw[:at] + draw(st.binary(min_size=1, max_size=8)) + raw[at:]
    elif how == "delete":
        raw = raw[:at] + raw[at + draw(st.integers(1, 200)):]
    elif how == "tab":
        lines[line] = b"\t" + lines[line].lstrip(b" ")
        raw = b"\n".join(lines)
    elif how == "duplicate":  # a key given twice (or a list item repeated)
        lines.insert(line, lines[line])
        raw = b"\n".join(lines)
    elif how == "indent":
        lines[line] = b" " * draw(st.integers(1, 3)) + lines[line]
        raw = b"\n".join(lines)
    elif how == "alias":  # an anchored value reused by an alias: refused with its line
        raw = raw.replace(b"jurisdiction: taluk", b"jurisdiction: &level taluk", 1).replace(
            b"jurisdiction: district", b"jurisdiction: *level", 1)
        if name == JURISDICTIONS[0]:
            raw = raw.replace(b"taluks:", b"taluks: &t", 1) + b"  - name: {en: X, kn: X}\n    code: XXX\n    taluks: *t\n"
    elif how == "anchor_loop":  # a recursive alias, the YAML way to write a cycle
        lines.insert(line, b"loop: &loop [*loop]")
        raw = b"\n".join(lines)
    elif how == "tag":
        tag = draw(st.sampled_from([b"!!python/object/apply:os.system ['true']", b"!custom x", b"!!binary aGk=",
                                    b"!!set {a, b}", b"!!omap [a: 1]", b"!<tag:yaml.org,2002:str> x"]))
        lines.insert(line, b"tagged: " + tag)
        raw = b"\n".join(lines)
    elif how == "control":
        raw = raw[:at] + draw(st.sampled_from([b"\x00", b"\x01", b"\x1b", b"\x7f", b"\xc2\x85", b"\xe2\x80\xa8"])) + raw[at:]
    elif how == "bom":
        raw = b"\xef\xbb\xbf" + raw if draw(st.booleans()) else raw[:at] + b"\xef\xbb\xbf" + raw[at:]
    elif how == "latin1":  # the file saved in another encoding
        raw = raw.decode("utf-8").encode("utf-16" if draw(st.booleans()) else "latin-1", errors="replace")
    elif how == "document":
        raw = raw + draw(st.sampled_from([b"\n---\ncode: X\n", b"\n...\n", b"\n%YAML 1.1\n"]))
    files = dict(ORIGINAL)
    jurisdictions = JURISDICTIONS
    if name == JURISDICTIONS[0]:
        jurisdictions = (name, raw)
    else:
        files[name] = raw
    return jurisdictions, files


# --- the properties --------------------------------------------------------------------------------

def test_the_unmutated_departments_are_valid():
    catalogue = check(dict(ORIGINAL))
    assert catalogue is not None and set(catalogue.departments) == {"FISH", "MWD"}


@fuzz(120)
@given(files=mutated())
def test_mutated_data_is_accepted_or_refused_with_file_and_line(files):
    check(files)


@fuzz(150)
@given(case=mutated_text())
def test_mutated_text_is_accepted_or_refused_with_file_and_line(case):
    jurisdictions, files = case
    check(files, jurisdictions)


@fuzz(10)
@given(files=mutated())
def test_load_directory_from_disk_behaves_the_same(tmp_path_factory, files):
    root = tmp_path_factory.mktemp("cfg")
    (root / "departments").mkdir()
    (root / "jurisdictions.yaml").write_bytes(JURISDICTIONS[1])
    for name, raw in files.items():
        (root / "departments" / name).write_bytes(raw)
    try:
        in_memory = rules.build_catalogue(JURISDICTIONS, files).version
    except rules.ConfigInvalid as exc:
        in_memory = [(e.line, e.column, e.message) for e in exc.errors]
    try:
        on_disk = rules.load_directory(root).version
    except rules.ConfigInvalid as exc:
        for e in exc.errors:
            assert e.file.startswith(str(root)) and e.line >= 1, e
        on_disk = [(e.line, e.column, e.message) for e in exc.errors]
    assert on_disk == in_memory


@pytest.fixture(scope="module")
def serving():
    """An engine serving the good catalogue, and what it decides for the known filings."""
    engine = rules.Engine(rules.build_catalogue(JURISDICTIONS, dict(ORIGINAL)))
    before = [engine.decide(f) for f in KNOWN_FILINGS]
    assert {d.post for d in before} == {"JD_FISH", "AD_FISH"}  # the filings tell the rules apart
    yield engine, before
    engine.close()


def publish_if_valid(engine: rules.Engine, files) -> bool:
    """What the platform does: build, and publish only what built."""
    try:
        catalogue = rules.build_catalogue(JURISDICTIONS, files)
    except rules.ConfigInvalid:
        return False
    engine.publish(catalogue)
    return True


@fuzz(50)
@given(files=mutated())
def test_the_engine_keeps_serving_the_last_good_version(serving, files):
    engine, before = serving
    version = engine.version
    with watchdog():
        if publish_if_valid(engine, files):
            # A mutation that is still a valid catalogue is published like any other; put the good one back.
            engine.publish(rules.build_catalogue(JURISDICTIONS, dict(ORIGINAL)))
    assert engine.version == version
    assert [engine.decide(f) for f in KNOWN_FILINGS] == before


# --- regressions found by the fuzzing (each once an exception other than ConfigInvalid, a wrong line or a hang) ---

def errors_of(files) -> list[rules.ConfigError]:
    with pytest.raises(rules.ConfigInvalid) as info:
        rules.build_catalogue(JURISDICTIONS, files)
    return info.value.errors


def test_deep_nesting_is_refused_with_its_line_not_a_recursion_error():
    text = "".join("  " * i + "a:\n" for i in range(990)) + "  " * 990 + "b: 1\n"  # was RecursionError
    [error] = errors_of({"deep.yaml": text.encode()})
    assert (error.line, error.message) == (41, "lists and mappings are nested more than 40 levels deep here")


def test_a_nul_character_is_reported_on_its_own_line():
    raw = ORIGINAL["fish.yaml"].replace(b"jurisdiction: state", b"jurisdiction: st\x00ate", 1)
    line = raw[: raw.index(b"\x00")].count(b"\n") + 1
    [error] = errors_of({"fish.yaml": raw})
    assert error.line == line > 1  # was line 1 for every reader error
    assert "U+0000 is not allowed" in error.message


@pytest.mark.parametrize("value, message", [
    (float("inf"), "inf is not a number a rule can compare with"),  # durable-rules refused the ruleset
    (float("nan"), "nan is not a number a rule can compare with"),
    (2 ** 63, "the number is too large"),
])
def test_numbers_a_rule_cannot_compare_with_are_refused(value, message):
    data = copy.deepcopy(DATA["fish.yaml"])
    data["routing"][0]["when"] = {"citizen.age": {"gte": value}}
    [error] = errors_of({"fish.yaml": dump(data)})
    assert message in error.message and error.path == ("routing", 0, "when", "citizen.age", "gte")


def test_an_infinite_form_bound_is_refused():
    data = copy.deepcopy(DATA["fish.yaml"])
    form = next(g["form"] for s in data["services"] for g in s["grievances"] if g.get("form"))
    form.append({"name": "boats", "type": "number", "max": float("inf"), "label": {"en": "Boats", "kn": "ದೋಣಿ"}})
    [error] = errors_of({"fish.yaml": dump(data)})
    assert "expected a number" in error.message and error.path[-1] == "max"


def test_a_form_bound_of_a_thousand_digits_does_not_crash_the_checker():
    data = copy.deepcopy(DATA["fish.yaml"])
    form = next(g["form"] for s in data["services"] for g in s["grievances"] if g.get("form"))
    form.append({"name": "boats", "type": "number", "max": 10 ** 1000, "label": {"en": "Boats", "kn": "ದೋಣಿ"}})
    check({"fish.yaml": dump(data), "mwd.yaml": ORIGINAL["mwd.yaml"]})  # was OverflowError (found by the long run)


def test_a_long_list_in_a_condition_is_refused_not_a_hang():
    data = copy.deepcopy(DATA["fish.yaml"])
    data["routing"][1]["when"]["citizen.age"] = list(range(513))  # durable-rules looped forever compiling this
    [error] = errors_of({"fish.yaml": dump(data)})
    assert "test more than 120 values" in error.message and error.path == ("routing", 1, "when")


def test_too_many_routing_rules_are_refused_not_a_compile_error():
    data = copy.deepcopy(DATA["fish.yaml"])
    last = data["routing"][-1]
    data["routing"] = [dict(last, name=f"rule {i}") for i in range(300)]  # durable-rules refused (error 108)
    [error] = errors_of({"fish.yaml": dump(data)})
    assert "has 300 routing rules; a department has at most 120" in error.message


def test_an_unfinished_file_is_refused_on_its_last_line():
    raw = b"# Department of Fisheries\ncode: FISH\nname: {"  # a truncated upload
    [error] = errors_of({"fish.yaml": raw})
    assert (error.line, error.column) == (3, 8)  # was line 4, after the end of the file
    assert error.message.startswith("YAML syntax error")
