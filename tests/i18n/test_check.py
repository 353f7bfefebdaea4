"""`ipgrs i18n check` passes on the shipped tree and fails, naming the place, when a code string or a
catalogue (YAML) entry has no Kannada."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ipgrs import i18n
from ipgrs.cli import main
from tests.conftest import CONFIG, ROOT


def run_check(*args):
    return CliRunner().invoke(main, ["i18n", "check", *args], catch_exceptions=False)


@pytest.fixture
def translations(tmp_path) -> Path:
    target = tmp_path / "translations"
    shutil.copytree(i18n.TRANSLATIONS, target, ignore=shutil.ignore_patterns("*.mo"))
    return target


def test_the_shipped_tree_has_all_its_kannada():
    result = run_check()
    assert result.exit_code == 0, result.output
    assert "OK: every string" in result.output


def test_a_message_without_kannada_fails(translations):
    po = i18n.po_path("kn", translations)
    text = po.read_text(encoding="utf-8")
    assert 'msgstr "ಕುಂದುಕೊರತೆ ಸಲ್ಲಿಸಿ"' in text
    po.write_text(text.replace('msgid "File a grievance"\nmsgstr "ಕುಂದುಕೊರತೆ ಸಲ್ಲಿಸಿ"', 'msgid "File a grievance"\nmsgstr ""'), encoding="utf-8")
    result = run_check("--translations", str(translations))
    assert result.exit_code == 1
    assert "no Kannada for 'File a grievance'" in result.output and f"{po}:" in result.output


def test_english_left_in_the_kannada_or_fuzzy_fails(translations):
    po = i18n.po_path("kn", translations)
    text = po.read_text(encoding="utf-8")
    text = text.replace('msgid "Log out"\nmsgstr "ಲಾಗ್ ಔಟ್"', 'msgid "Log out"\nmsgstr "Log out"')
    text = text.replace('msgid "Save"\n', '#, fuzzy\nmsgid "Save"\n')
    po.write_text(text, encoding="utf-8")
    result = run_check("--translations", str(translations))
    assert result.exit_code == 1
    assert "'Log out' has no Kannada letters" in result.output and "'Save' is marked fuzzy" in result.output


def test_a_code_string_missing_from_the_catalogue_fails(tmp_path, translations):
    source = tmp_path / "source"
    (source / "ipgrs" / "templates").mkdir(parents=True)
    shutil.copy(ROOT / "babel.cfg", source / "babel.cfg")
    (source / "ipgrs" / "new_feature.py").write_text(
        'from flask_babel import gettext as _\n\n\ndef message():\n    return _("File a grievance"), _("A sentence nobody translated")\n',
        encoding="utf-8")
    (source / "ipgrs" / "templates" / "page.html").write_text("<p>{{ _('Another new sentence') }}</p>\n", encoding="utf-8")
    result = run_check("--translations", str(translations), "--source", str(source))
    assert result.exit_code == 1
    assert "new_feature.py:5: 'A sentence nobody translated' is not in messages.po" in result.output.replace("ipgrs/", "").replace("ipgrs\\", "")
    assert "'Another new sentence' is not in messages.po" in result.output
    assert "'File a grievance'" not in result.output  # translated already


def test_a_catalogue_entry_without_kannada_fails(config_dir):
    rev = config_dir / "departments" / "rev.yaml"
    text = rev.read_text(encoding="utf-8")
    text = text.replace("name: {en: RTC not issued within time, kn: ನಿಗದಿತ ಸಮಯದಲ್ಲಿ ಪಹಣಿ ನೀಡಿಲ್ಲ}",
                        "name: {en: RTC not issued within time, kn: RTC not issued within time}")
    text = text.replace("label: {en: Revenue village, kn: ಕಂದಾಯ ಗ್ರಾಮ}", "label: {en: Revenue village, kn: ''}")
    rev.write_text(text, encoding="utf-8")
    jurisdictions = config_dir / "jurisdictions.yaml"
    jurisdictions.write_text(jurisdictions.read_text(encoding="utf-8").replace("{en: Badami, kn: ಬಾದಾಮಿ}", "{en: Badami}"),
                             encoding="utf-8")
    result = run_check("--config", str(config_dir))
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert any(line.startswith(f"{rev}:42: ") and "REV_RTC_NOT_ISSUED" in line and "has no Kannada letters" in line for line in lines), result.output
    assert any(line.startswith(f"{rev}:") and "no Kannada for 'Revenue village'" in line for line in lines), result.output
    assert any(line.startswith(f"{jurisdictions}:") and "no Kannada for 'Badami'" in line for line in lines), result.output
    assert "3 strings without Kannada" in result.output


def test_an_old_style_pair_in_the_portal_tables_is_reported(monkeypatch):
    from ipgrs.portal import i18n as portal

    monkeypatch.setitem(portal.TEXT, "merged_later", ("Merged later", ""))
    result = run_check()
    assert result.exit_code == 1
    assert "TEXT['merged_later']: has no Kannada" in result.output


def test_the_shipped_yaml_and_catalogue_directly():
    """The same checks as functions, for the lead's CI without the CLI."""
    assert i18n.check(ROOT, CONFIG) == []
