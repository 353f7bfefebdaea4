"""English and Kannada: the code's strings in a gettext catalogue, the page's language, and the check.

The code is written in English; `ipgrs/translations/kn/LC_MESSAGES/messages.po` holds the Kannada of every
string marked for translation (`_()`/`gettext()` in Python, `{{ _('…') }}` in templates, the portal's `t(key)`).
Extraction and updates use pybabel (see docs/i18n.md). The compiled `.mo` files are build output, not in git:
`compile_catalogues()` writes them when they are missing or older than their `.po`, at every app start and in
`ipgrs i18n compile`, so a fresh clone works without an extra step.

The catalogue's own words (department, service and grievance names, form labels and options) stay in the
department YAML as `{en, kn}` pairs; `check()` reports both a code string and a YAML entry without Kannada.
"""
from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

log = logging.getLogger(__name__)

TRANSLATIONS = Path(__file__).parent / "translations"
LANGUAGES = ("en", "kn")
DOMAIN = "messages"
_KANNADA = re.compile(r"[\u0C80-\u0CFF]")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def po_path(lang: str = "kn", root: Path = TRANSLATIONS) -> Path:
    return root / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


# --- compiling and loading -----------------------------------------------------------------------------

def compile_catalogues(root: Path = TRANSLATIONS, force: bool = False) -> list[Path]:
    """Writes each `.mo` whose `.po` is newer (or all with force); returns what it wrote. A read-only
    install logs a warning and keeps whatever `.mo` it has."""
    written = []
    for po in sorted(root.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo = po.with_suffix(".mo")
        if not force and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f)
        try:
            with mo.open("wb") as f:
                write_mo(f, catalog)
        except OSError as exc:
            log.warning("cannot write %s (%s); translations may be stale", mo, exc)
            continue
        written.append(mo)
    _translations.cache_clear()
    return written


@lru_cache(maxsize=8)
def _translations(lang: str):
    """The catalogue of `lang`, read from the .po itself (no .mo needed), for text made outside a request:
    SMS and e-mail in the citizen's language."""
    po = po_path(lang)
    if lang == "en" or not po.exists():
        return NullTranslations()
    with po.open("rb") as f:
        catalog = read_po(f)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)


def translate(message: str, lang: str) -> str:
    """`message` (English) in `lang`, whatever the current request's language is."""
    if lang not in LANGUAGES or lang == "en":
        return message
    return _translations(lang).gettext(message)


class Pairs(dict):
    """{key: English} that answers (en, kn) pairs, the shape ipgrs.portal.i18n's tables always had, with the
    Kannada taken from the catalogue."""

    def __getitem__(self, key):
        en = super().__getitem__(key)
        if isinstance(en, tuple):  # an (en, kn) pair written the old way (a branch merged later): used as it is
            return en
        return en, translate(en, "kn")

    def get(self, key, default=None):
        return self[key] if key in self else default

    def items(self):
        return [(k, self[k]) for k in self]

    def values(self):
        return [self[k] for k in self]


# --- the request's language ----------------------------------------------------------------------------

def select_locale() -> str:
    """Flask-Babel's locale selector for every page (portal, desk, officers' UI and FAB's admin):
    `?lang=` switches and is remembered in the session (FAB's own /lang/<locale> writes the same key);
    then the logged-in citizen's preference; then the browser's Accept-Language; English by default."""
    from flask import has_request_context, request, session

    if not has_request_context():
        return "en"
    chosen = request.args.get("lang") or request.args.get("_l_")
    if chosen in LANGUAGES:
        session["lang"] = session["locale"] = chosen
        return chosen
    remembered = session.get("locale") or session.get("lang")
    if remembered in LANGUAGES:
        return remembered
    return request.accept_languages.best_match(LANGUAGES, default="en") or "en"


def install(app) -> None:
    """Compiles stale catalogues and makes select_locale the app's locale selector (after AppBuilder's Babel)."""
    compile_catalogues()
    app.extensions["babel"].locale_selector = select_locale


# --- the check --------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    where: str     # file:line
    what: str

    def __str__(self) -> str:
        return f"{self.where}: {self.what}"


def _needs_kannada(en: str) -> bool:
    """Text a reader reads (not a code, a number or a proper noun written the same in both)."""
    return bool(_LATIN_WORD.search(en or ""))


def check_catalogue(root: Path = TRANSLATIONS) -> list[Problem]:
    """Every message of the Kannada .po has a Kannada translation that is not fuzzy."""
    po = po_path("kn", root)
    if not po.exists():
        return [Problem(str(po), "the Kannada catalogue is missing")]
    with po.open("rb") as f:
        catalog = read_po(f)
    problems = []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, (list, tuple)) else (message.id,)
        strings = message.string if isinstance(message.string, (list, tuple)) else (message.string,)
        line = message.lineno or 0
        if not all(strings) or any(not s for s in strings):
            problems.append(Problem(f"{po}:{line}", f"no Kannada for {ids[0]!r}"))
        elif message.fuzzy:
            problems.append(Problem(f"{po}:{line}", f"the Kannada for {ids[0]!r} is marked fuzzy (unchecked)"))
        elif _needs_kannada(ids[0]) and not any(_KANNADA.search(s) for s in strings):
            problems.append(Problem(f"{po}:{line}", f"the 'Kannada' for {ids[0]!r} has no Kannada letters"))
    return problems


def check_extracted(source_root: Path, root: Path = TRANSLATIONS) -> list[Problem]:
    """Every string marked for translation in the code and templates is in the Kannada catalogue."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg

    cfg = source_root / "babel.cfg"
    with cfg.open(encoding="utf-8") as f:
        method_map, options_map = parse_mapping_cfg(f, str(cfg))
    po = po_path("kn", root)
    known = set()
    if po.exists():
        with po.open("rb") as f:
            known = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(f) if m.id}
    problems = []
    seen = set()
    for filename, lineno, message, _comments, _context in extract_from_dir(
            str(source_root), method_map, options_map, keywords={"_": None, "gettext": None, "lazy_gettext": None,
                                                                  "_l": None, "N_": None, "tr": None, "ngettext": (1, 2)}):
        msgid = message if isinstance(message, str) else message[0]
        if not msgid or msgid in known or msgid in seen:
            continue
        seen.add(msgid)
        problems.append(Problem(f"{filename}:{lineno}", f"{msgid!r} is not in {po.name}; run the pybabel update of docs/i18n.md"))
    return problems


def check_yaml(config_dir: Path) -> list[Problem]:
    """Every {en, kn} pair of the department YAML and the jurisdictions has Kannada letters in `kn` (the
    loader already refuses a missing or empty `kn`)."""
    import yaml

    problems = []

    def walk(node, path, source):
        if isinstance(node, dict):
            if "en" in node and "kn" in node and set(node) <= {"en", "kn"}:
                en, kn = str(node.get("en") or ""), str(node.get("kn") or "")
                if not kn.strip():
                    problems.append(Problem(source, f"{path}: no Kannada for {en!r}"))
                elif _needs_kannada(en) and not _KANNADA.search(kn):
                    problems.append(Problem(source, f"{path}: the Kannada for {en!r} is {kn!r}, which has no Kannada letters"))
                return
            if "en" in node and "kn" not in node and set(node) <= {"en", "kn"}:
                problems.append(Problem(source, f"{path}: no Kannada for {node['en']!r}"))
                return
            for key, value in node.items():
                walk(value, f"{path}.{key}" if path else str(key), source)
        elif isinstance(node, list):
            for index, value in enumerate(node):
                label = value.get("code") or value.get("name") if isinstance(value, dict) else None
                walk(value, f"{path}[{label if isinstance(label, str) else index}]", source)

    files = sorted(config_dir.glob("departments/*.yaml")) + [config_dir / "jurisdictions.yaml"]
    for file in files:
        if not file.exists():
            continue
        text = file.read_text(encoding="utf-8")
        try:
            data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506 - a safe loader
        except yaml.YAMLError as exc:
            problems.append(Problem(str(file), f"not YAML: {exc}"))
            continue
        before = len(problems)
        walk(data, "", str(file))
        for problem in problems[before:]:  # point at the line of the English text
            match = re.search(r"no Kannada for '((?:[^'\\]|\\.)*)'|the Kannada for '((?:[^'\\]|\\.)*)'", problem.what)
            en = match and (match.group(1) or match.group(2))
            line = next((i for i, row in enumerate(text.splitlines(), 1) if en and en in row), None)
            if line:
                problems[problems.index(problem)] = Problem(f"{file}:{line}", problem.what)
    return problems


def check_tables() -> list[Problem]:
    """The portal's word tables hold English only; an (en, kn) pair left in them (the old way) is reported, and
    fails when its Kannada is missing."""
    from .portal import i18n as portal

    problems = []
    for name in ("TEXT", "STATUS", "EVENTS", "GENDERS"):
        for key, value in dict.items(getattr(portal, name)):
            if isinstance(value, tuple):
                kn = value[1] if len(value) > 1 else ""
                what = "has no Kannada" if not (kn and _KANNADA.search(kn)) else "is an (en, kn) pair: move the Kannada to messages.po"
                problems.append(Problem(f"ipgrs/portal/i18n.py {name}[{key!r}]", what))
    return problems


def check(source_root: Path, config_dir: Path, translations: Path = TRANSLATIONS) -> list[Problem]:
    return (check_catalogue(translations) + check_extracted(source_root, translations) + check_yaml(config_dir)
            + check_tables())


# --- messages made in services, in the request's language ------------------------------------------------

def current_language() -> str:
    """The request's language ("en" outside a request: the CLI, Celery)."""
    from flask import has_request_context

    if not has_request_context():
        return "en"
    from flask_babel import get_locale

    locale = get_locale()
    return locale.language if locale is not None and locale.language in LANGUAGES else "en"


def tr(message: str, /, lang: str | None = None, **values) -> str:
    """`message` (English, with {named} fields; extracted by pybabel as the keyword `tr`) in the request's
    language, or in `lang`, then filled in."""
    text = translate(message, lang or current_language())
    return text.format(**values) if values else text
